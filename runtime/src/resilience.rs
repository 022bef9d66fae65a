//! Proxy resilience: every call has a deadline, outstanding calls are bounded (failing fast, no
//! queue), and a circuit breaker stops calling a remote that keeps failing. The call core's
//! [`Caller`](crate::call::outbound::Caller) runs every proxy call through it.
//!
//! tower's `ConcurrencyLimit` queues and it has no breaker, so both are small pieces here;
//! deadlines are [`within`] (pooled tokio timers, see `deadline.rs`). Every proxy call passes
//! through here, so the path of a healthy call touches only atomics (a mutex and a semaphore
//! permit per call showed in the REST bench's profile).

use crate::call::MetadataPolicy;
pub use crate::deadline::within;
use crate::error::CallError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Resilience settings of one proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Deadline of a call whose request and operation set none.
    pub default_timeout: Duration,
    /// Calls in flight at once; one more fails with [`CallError::Overloaded`].
    pub max_outstanding: usize,
    /// Circuit breaker settings; `None` disables the breaker.
    pub breaker: Option<BreakerConfig>,
    /// Which of a context's metadata the proxy sends; credentials only when named.
    pub metadata: MetadataPolicy,
    /// Records every call's duration (`http_client_request_duration_seconds`,
    /// `rpc_client_call_duration_seconds`, `messaging_client_sent_messages_total`) and the
    /// calls awaiting their answer; `None` (the default) records nothing.
    pub metrics: Option<crate::metrics::Metrics>,
}

impl Default for ProxyConfig {
    /// 30 s timeout, 256 outstanding calls, breaker opening after 5 failures for 5 s, every
    /// metadata name but the credentials.
    fn default() -> Self {
        ProxyConfig {
            default_timeout: Duration::from_secs(30),
            max_outstanding: 256,
            breaker: Some(BreakerConfig::default()),
            metadata: MetadataPolicy::default(),
            metrics: None,
        }
    }
}

/// When the circuit breaker opens and when it tries again.
#[derive(Debug, Clone, Copy)]
pub struct BreakerConfig {
    /// Consecutive remote failures that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before letting one probe call through.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            cool_down: Duration::from_secs(5),
        }
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass; counting consecutive failures.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// Calls fail fast until the instant has passed.
    Open {
        /// End of the cool-down.
        until: Instant,
    },
    /// One probe call is allowed; its outcome closes or reopens the breaker.
    HalfOpen {
        /// Whether the probe is in flight.
        probing: bool,
    },
}

/// Closed → open after `failure_threshold` consecutive failures → half-open after `cool_down`,
/// letting one probe through: success closes, failure reopens.
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: Mutex<BreakerState>,
    /// True exactly while the state is `Closed { failures: 0 }`, so that admitting a call and
    /// recording a success, nearly every call, read one atomic instead of taking the lock.
    healthy: AtomicBool,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        CircuitBreaker {
            config,
            state: Mutex::new(BreakerState::Closed { failures: 0 }),
            healthy: AtomicBool::new(true),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        // A panic while holding this lock cannot leave the state inconsistent: it is plain data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `next` and keeps `healthy` in step with it (under the lock).
    fn set(&self, state: &mut BreakerState, next: BreakerState) {
        *state = next;
        let healthy = next == BreakerState::Closed { failures: 0 };
        self.healthy.store(healthy, Ordering::Release);
    }

    /// Asks to make a call at `now`; `Err(CircuitOpen)` when it must fail fast.
    /// `Ok(true)` means the call is the half-open probe.
    pub fn try_acquire_at(&self, now: Instant) -> Result<bool, CallError> {
        if self.healthy.load(Ordering::Acquire) {
            return Ok(false);
        }
        let mut state = self.lock();
        match *state {
            BreakerState::Closed { .. } => Ok(false),
            BreakerState::Open { until } if now >= until => {
                self.set(&mut state, BreakerState::HalfOpen { probing: true });
                Ok(true)
            }
            BreakerState::HalfOpen { probing: false } => {
                self.set(&mut state, BreakerState::HalfOpen { probing: true });
                Ok(true)
            }
            _ => Err(CallError::CircuitOpen),
        }
    }

    /// Asks to make a call now; a healthy breaker reads no clock (asked on every call).
    pub fn try_acquire(&self) -> Result<bool, CallError> {
        if self.healthy.load(Ordering::Acquire) {
            return Ok(false);
        }
        self.try_acquire_at(Instant::now())
    }

    /// Records an outcome now; a success on a healthy breaker reads no clock.
    pub fn record(&self, success: bool) {
        if !(success && self.healthy.load(Ordering::Acquire)) {
            self.record_at(success, Instant::now());
        }
    }

    /// Records the outcome of a call admitted at `now`.
    pub fn record_at(&self, success: bool, now: Instant) {
        // A success on a healthy breaker changes nothing.
        if success && self.healthy.load(Ordering::Acquire) {
            return;
        }
        let mut state = self.lock();
        let next = match (*state, success) {
            (_, true) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, false)
                if failures + 1 < self.config.failure_threshold =>
            {
                BreakerState::Closed {
                    failures: failures + 1,
                }
            }
            (BreakerState::Open { until }, false) => BreakerState::Open { until },
            (_, false) => BreakerState::Open {
                until: now + self.config.cool_down,
            },
        };
        self.set(&mut state, next);
    }

    /// A probe ended without a verdict (the caller gave up): let another probe through.
    pub fn abandon_probe(&self) {
        let mut state = self.lock();
        if let BreakerState::HalfOpen { .. } = *state {
            self.set(&mut state, BreakerState::HalfOpen { probing: false });
        }
    }
}

/// The resilience layer of one proxy: bound, breaker and deadline around each call.
#[derive(Debug, Clone)]
pub struct Resilience {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    max_outstanding: usize,
    /// Calls admitted and not yet dropped. The bound fails fast and never queues, so a counter
    /// is all it needs (tokio's `Semaphore` and owned permit did the same with more machinery).
    outstanding: AtomicUsize,
    breaker: Option<CircuitBreaker>,
}

/// Admission of one call: holds its outstanding slot; report the outcome with [`Admission::record`].
#[derive(Debug)]
pub struct Admission {
    shared: Arc<Shared>,
    /// This call is the breaker's half-open probe and has not reported yet.
    probe: bool,
    /// The outcome has not been reported yet.
    pending: bool,
}

impl Admission {
    /// Reports the call's outcome to the breaker (once; later reports are ignored). The
    /// outstanding slot stays held until the admission is dropped.
    pub fn record<T>(&mut self, outcome: &Result<T, CallError>) {
        let failed = matches!(outcome, Err(e) if e.is_remote_failure());
        if let Some(breaker) = self.shared.breaker.as_ref().filter(|_| self.pending) {
            breaker.record(!failed);
        }
        self.pending = false;
        self.probe = false;
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(breaker) = self.shared.breaker.as_ref().filter(|_| self.probe) {
            breaker.abandon_probe();
        }
        self.shared.outstanding.fetch_sub(1, Ordering::Release);
    }
}

impl Resilience {
    /// The layer for `config`.
    pub fn new(config: &ProxyConfig) -> Self {
        let shared = Shared {
            max_outstanding: config.max_outstanding,
            outstanding: AtomicUsize::new(0),
            breaker: config.breaker.map(CircuitBreaker::new),
        };
        Resilience {
            shared: Arc::new(shared),
        }
    }

    /// Free outstanding slots: how many more calls would be admitted right now.
    pub fn available(&self) -> usize {
        let used = self.shared.outstanding.load(Ordering::Acquire);
        self.shared.max_outstanding.saturating_sub(used)
    }

    /// The breaker, if enabled.
    pub fn breaker(&self) -> Option<&CircuitBreaker> {
        self.shared.breaker.as_ref()
    }

    /// Admits a call or fails fast with `CircuitOpen` or `Overloaded`.
    pub fn admit(&self) -> Result<Admission, CallError> {
        let shared = &self.shared;
        let max = shared.max_outstanding;
        let taken = shared
            .outstanding
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        if taken.is_err() {
            return Err(CallError::Overloaded);
        }
        // From here the admission owns a slot: its drop gives the slot back, even on CircuitOpen.
        let mut admission = Admission {
            shared: Arc::clone(shared),
            probe: false,
            pending: true,
        };
        if let Some(breaker) = &shared.breaker {
            admission.probe = breaker.try_acquire()?;
        }
        Ok(admission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            failure_threshold: 3,
            cool_down: Duration::from_secs(10),
        })
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let (b, t0) = (breaker(), Instant::now());
        b.record_at(false, t0);
        b.record_at(false, t0);
        b.record_at(true, t0);
        b.record_at(false, t0);
        b.record_at(false, t0);
        assert_eq!(b.state(), BreakerState::Closed { failures: 2 });
        b.record_at(false, t0);
        assert_eq!(b.try_acquire_at(t0), Err(CallError::CircuitOpen));
        assert_eq!(
            b.try_acquire_at(t0 + Duration::from_secs(9)),
            Err(CallError::CircuitOpen)
        );
    }

    #[test]
    fn half_open_lets_one_probe_through() {
        let (b, t0) = (breaker(), Instant::now());
        (0..3).for_each(|_| b.record_at(false, t0));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(b.try_acquire_at(later), Ok(true));
        assert_eq!(b.try_acquire_at(later), Err(CallError::CircuitOpen));
        b.record_at(false, later);
        assert_eq!(
            b.state(),
            BreakerState::Open {
                until: later + Duration::from_secs(10)
            }
        );
        let again = later + Duration::from_secs(10);
        assert_eq!(b.try_acquire_at(again), Ok(true));
        b.record_at(true, again);
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
        assert_eq!(b.try_acquire_at(again), Ok(false));
    }

    #[test]
    fn an_abandoned_probe_frees_the_slot() {
        let (b, t0) = (breaker(), Instant::now());
        (0..3).for_each(|_| b.record_at(false, t0));
        let later = t0 + Duration::from_secs(11);
        assert_eq!(b.try_acquire_at(later), Ok(true));
        b.abandon_probe();
        assert_eq!(b.try_acquire_at(later), Ok(true));
    }

    #[test]
    fn a_call_refused_by_the_open_breaker_gives_its_slot_back() {
        let layer = Resilience::new(&ProxyConfig {
            max_outstanding: 1,
            breaker: Some(BreakerConfig {
                failure_threshold: 1,
                cool_down: Duration::from_secs(60),
            }),
            ..ProxyConfig::default()
        });
        let mut call = layer.admit().unwrap();
        call.record::<()>(&Err(CallError::Timeout));
        drop(call);
        assert_eq!(layer.admit().err(), Some(CallError::CircuitOpen));
        assert_eq!(layer.available(), 1);
        let breaker = layer.breaker().unwrap();
        breaker.record_at(true, Instant::now());
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 });
        assert!(layer.admit().is_ok());
    }
}
