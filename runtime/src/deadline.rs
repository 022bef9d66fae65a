//! Deadlines of calls: [`within`] bounds a future by an instant, with timers reused from a
//! per-thread pool.
//!
//! Why a pool: a tokio timer links itself into the runtime's one timer wheel under a global
//! mutex when first polled, and takes that mutex again when dropped to unlink itself. A call
//! nearly always ends long before its deadline, so each call paid two lock round trips and two
//! wheel updates for nothing, contended by every thread that makes calls. A timer given back
//! to the pool stays linked; the next call resets it to its own deadline, which for a later
//! instant (the usual case: calls share a timeout and time moves on) is one atomic update, and
//! tokio moves the entry when the old instant comes. `cargo bench -p accord-runtime --bench deadline`
//! (64 tasks on two workers): a tokio timer added 300 to 1400 ns of CPU per call over no
//! deadline, depending on how the lock contends; a pooled one 100 to 200.
//!
//! A pooled timer still linked keeps the waker of the call that used it last: should it fire
//! while pooled, that task gets one spurious wake-up, which futures tolerate by contract.

use crate::error::CallError;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::time::Sleep;

/// `call` bounded by `deadline`: [`CallError::Timeout`] when it passes first.
pub fn within<T, F>(deadline: Instant, call: F) -> impl Future<Output = Result<T, CallError>>
where
    F: Future<Output = Result<T, CallError>>,
{
    Within {
        call,
        deadline: Deadline::at(deadline),
    }
}

pin_project_lite::pin_project! {
    /// The future of [`within`]: the call, polled first, then the deadline.
    struct Within<F> {
        #[pin]
        call: F,
        deadline: Deadline,
    }
}

impl<T, F: Future<Output = Result<T, CallError>>> Future for Within<F> {
    type Output = Result<T, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(done) = this.call.poll(cx) {
            // The timer goes back to the pool now, not when the caller drops this future.
            this.deadline.release();
            return Poll::Ready(done);
        }
        this.deadline
            .poll_passed(cx)
            .map(|()| Err(CallError::Timeout))
    }
}

/// A future that is ready once an instant has passed, on a pooled timer that goes back to this
/// thread's pool when the deadline is dropped or released.
#[derive(Debug)]
pub(crate) struct Deadline {
    timer: Option<Pooled>,
}

/// A timer and the runtime whose wheel it is linked into.
#[derive(Debug)]
struct Pooled {
    runtime: tokio::runtime::Id,
    sleep: Pin<Box<Sleep>>,
}

/// Timers kept per thread; more are dropped (unlinked) when given back.
const POOL_SIZE: usize = 128;

thread_local! {
    static POOL: RefCell<Vec<Pooled>> = const { RefCell::new(Vec::new()) };
}

impl Deadline {
    /// A deadline at `instant`, on a timer of the current tokio runtime (panics outside one,
    /// as `tokio::time::sleep_until` does).
    pub(crate) fn at(instant: Instant) -> Self {
        let runtime = tokio::runtime::Handle::current().id();
        // A thread can drive several runtimes in turn (`block_on`, tests): a timer from another
        // one is never reused, as its wheel may not turn any more.
        let pooled = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.last().is_some_and(|timer| timer.runtime != runtime) {
                pool.clear();
            }
            pool.pop()
        });
        let timer = match pooled {
            Some(mut timer) => {
                timer.sleep.as_mut().reset(instant.into());
                timer
            }
            None => Pooled {
                runtime,
                sleep: Box::pin(tokio::time::sleep_until(instant.into())),
            },
        };
        Deadline { timer: Some(timer) }
    }

    /// Ready once the instant has passed (and ever after, once released).
    pub(crate) fn poll_passed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.timer {
            Some(timer) => timer.sleep.as_mut().poll(cx),
            None => Poll::Ready(()),
        }
    }

    /// Gives the timer back to this thread's pool.
    fn release(&mut self) {
        let Some(timer) = self.timer.take() else {
            return;
        };
        // During thread teardown the pool may be gone: the timer is then simply dropped.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < POOL_SIZE {
                pool.push(timer);
            }
        });
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.release();
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_passed(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pooled() -> usize {
        POOL.with(|pool| pool.borrow().len())
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_past_its_deadline_times_out_and_one_before_it_does_not() {
        let soon = Instant::now() + Duration::from_millis(100);
        let slow = within(soon, async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        });
        assert!(matches!(slow.await, Err(CallError::Timeout)));
        let later = Instant::now() + Duration::from_secs(5);
        let quick = within(later, async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(7)
        });
        assert_eq!(quick.await.unwrap(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn timers_are_reused_and_reset_to_each_deadline() {
        let before = pooled();
        let far = Instant::now() + Duration::from_secs(30);
        // Pending once, so that the timer is polled and linked into the wheel.
        let call = async {
            tokio::task::yield_now().await;
            Ok(())
        };
        within(far, call).await.unwrap();
        assert_eq!(pooled(), before + 1, "the timer went back to the pool");
        // The pooled timer, linked for 30 s, must fire at this call's earlier deadline.
        let near = Instant::now() + Duration::from_millis(50);
        let stuck = within(near, std::future::pending::<Result<(), CallError>>());
        assert_eq!(pooled(), before, "the pooled timer was taken");
        let started = tokio::time::Instant::now();
        assert!(matches!(stuck.await, Err(CallError::Timeout)));
        // The paused clock counts whole milliseconds, rounding the deadline up.
        let waited = started.elapsed();
        assert!((50..=51).contains(&waited.as_millis()), "{waited:?}");
    }

    #[test]
    fn a_timer_of_another_runtime_is_not_reused() {
        let run = |deadline: Duration| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(async {
                let deadline = Instant::now() + deadline;
                within(deadline, std::future::pending::<Result<(), CallError>>()).await
            })
        };
        // The first runtime's timer is pooled on this thread, then its runtime is dropped; the
        // second must time out on a timer of its own.
        assert!(matches!(
            run(Duration::from_millis(5)),
            Err(CallError::Timeout)
        ));
        assert!(matches!(
            run(Duration::from_millis(5)),
            Err(CallError::Timeout)
        ));
    }
}
