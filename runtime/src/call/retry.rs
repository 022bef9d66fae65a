//! Retries, only where they are safe, and never a storm.
//!
//! - Which failures: an attempt whose connection could not be opened sent nothing, so it is
//!   retried on another instance for any operation; an idempotent operation (GET, PUT, DELETE,
//!   `@idempotent`, and their gRPC equivalents) is also retried after `UNAVAILABLE` (503).
//!   Nothing else is: a timeout has spent the deadline, a declared error is an answer.
//! - When: after a backoff with full jitter (a random wait up to `base · 2^attempt`, capped),
//!   and only if the wait ends before the call's deadline.
//! - How many: at most `max_attempts` in all, under a [`RetryBudget`] shared by every call of
//!   the proxy: retries may add about `ratio` (20%) to the calls made, plus a floor of
//!   `min_per_second` so a proxy making few calls can still retry (Finagle's and Linkerd's
//!   budget; gRPC's retry throttling, A6, plays the same part).

use crate::CallError;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// Retry settings of one proxy.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call in all (1 turns retries off).
    pub max_attempts: u32,
    /// The first backoff's upper bound.
    pub base_backoff: Duration,
    /// No backoff longer than this.
    pub max_backoff: Duration,
    /// Retries allowed per call made (0.2: 20% extra load).
    pub ratio: f64,
    /// Retries allowed per second whatever the ratio.
    pub min_per_second: u32,
}

impl Default for RetryPolicy {
    /// Three attempts, backoff from up to 25 ms to at most 1 s, a budget of 20% plus 10/s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(25),
            max_backoff: Duration::from_secs(1),
            ratio: 0.2,
            min_per_second: 10,
        }
    }
}

/// Thousandths of a retry: a call deposits `ratio · 1000`, a retry withdraws 1000.
const TOKEN: i64 = 1000;

/// The most the ratio part may save up, in retries: after a long healthy spell an outage gets
/// this many retries at once, then 20% of its calls.
const MAX_SAVED: i64 = 100;

/// The retries a proxy may still make: deposits from the calls it makes, and a floor that
/// refills with time.
#[derive(Debug)]
pub struct RetryBudget {
    deposit: i64,
    balance: AtomicI64,
    min_per_second: u32,
    /// The floor's tokens (thousandths) and when they were last counted; retries are rare, so
    /// a lock here costs nothing a healthy call pays.
    floor: Mutex<(i64, Instant)>,
}

impl RetryBudget {
    /// An empty budget for `policy` (its floor full).
    pub fn new(policy: &RetryPolicy) -> Self {
        let floor = i64::from(policy.min_per_second) * TOKEN;
        RetryBudget {
            deposit: (policy.ratio.clamp(0.0, 1.0) * TOKEN as f64) as i64,
            balance: AtomicI64::new(0),
            min_per_second: policy.min_per_second,
            floor: Mutex::new((floor, Instant::now())),
        }
    }

    /// A call was made: one atomic add.
    pub fn deposit(&self) {
        if self.deposit > 0 {
            self.balance.fetch_add(self.deposit, Ordering::Relaxed);
        }
    }

    /// Takes one retry from the budget; `false` when it is spent.
    pub fn withdraw(&self) -> bool {
        let cap = MAX_SAVED * TOKEN;
        let taken = self
            .balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                let b = b.min(cap);
                (b >= TOKEN).then_some(b - TOKEN)
            });
        taken.is_ok() || self.withdraw_floor(Instant::now())
    }

    fn withdraw_floor(&self, now: Instant) -> bool {
        let mut floor = self.floor.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, at) = *floor;
        let full = i64::from(self.min_per_second) * TOKEN;
        let per_milli = i64::from(self.min_per_second); // thousandths of a retry per ms
        let elapsed =
            i64::try_from(now.saturating_duration_since(at).as_millis()).unwrap_or(i64::MAX);
        let refilled = tokens
            .saturating_add(elapsed.saturating_mul(per_milli))
            .min(full);
        if refilled >= TOKEN {
            *floor = (refilled - TOKEN, now);
            true
        } else {
            *floor = (refilled, now);
            false
        }
    }
}

/// Whether a failed attempt may be tried again: `not_sent` when the connection could not be
/// opened (any operation), else only an idempotent operation's `UNAVAILABLE` or lost
/// connection (reset or closed after the request went out, before an answer: the server may
/// or may not have acted on it, which only an idempotent operation makes harmless).
pub fn retryable(error: &CallError, not_sent: bool, idempotent: bool) -> bool {
    if not_sent {
        return true;
    }
    idempotent
        && match error {
            CallError::Status(status) => status.code == crate::Code::Unavailable,
            CallError::Connect(_) => true,
            _ => false,
        }
}

/// The wait before retry number `retry` (1 for the first): uniformly random up to
/// `base · 2^(retry-1)`, capped (full jitter).
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
    let ceiling = policy
        .base_backoff
        .saturating_mul(doubling)
        .min(policy.max_backoff);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    #[test]
    fn the_budget_allows_about_the_ratio_plus_the_floor() {
        let policy = RetryPolicy {
            min_per_second: 2,
            ..RetryPolicy::default()
        };
        let budget = RetryBudget::new(&policy);
        (0..100).for_each(|_| budget.deposit());
        let allowed = (0..1000).take_while(|_| budget.withdraw()).count();
        assert_eq!(allowed, 20 + 2, "20% of 100 calls, and the floor of 2");
        assert!(!budget.withdraw());
        let later = Instant::now() + Duration::from_millis(500);
        assert!(
            budget.withdraw_floor(later),
            "the floor refills: 1 per 500 ms at 2/s"
        );
        assert!(!budget.withdraw_floor(later));
    }

    #[test]
    fn savings_are_capped() {
        let budget = RetryBudget::new(&RetryPolicy {
            min_per_second: 0,
            ..RetryPolicy::default()
        });
        (0..10_000).for_each(|_| budget.deposit());
        let allowed = (0..1000).take_while(|_| budget.withdraw()).count();
        assert_eq!(allowed as i64, MAX_SAVED);
    }

    #[test]
    fn only_unsent_attempts_or_unavailable_or_lost_idempotent_calls_are_retried() {
        let refused = CallError::Connect("refused".into());
        assert!(retryable(&refused, true, false));
        let lost = CallError::Connect("connection closed before message completed".into());
        assert!(
            !retryable(&lost, false, false),
            "maybe sent, not idempotent"
        );
        assert!(retryable(&lost, false, true), "maybe sent, idempotent");
        let unavailable = CallError::status(Code::Unavailable, "down");
        assert!(retryable(&unavailable, false, true));
        assert!(!retryable(&unavailable, false, false));
        let internal = CallError::status(Code::Internal, "bug");
        assert!(!retryable(&internal, false, true));
        assert!(!retryable(&CallError::Timeout, false, true));
    }

    #[test]
    fn backoff_is_jittered_under_its_doubling_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..8 {
            let ceiling = (policy.base_backoff * 2u32.pow(retry - 1)).min(policy.max_backoff);
            let waits: Vec<_> = (0..50).map(|_| backoff(&policy, retry)).collect();
            assert!(waits.iter().all(|w| *w <= ceiling));
            assert!(waits.iter().any(|w| *w != waits[0]), "jittered");
        }
    }
}
