//! The attempts of one call over a balanced set of instances: the piece of the outbound
//! pipeline between the caller's admission and the transport's exchange, the same for REST and
//! gRPC. [`Balanced::attempts`] picks an instance from the [`Pool`] (its breaker says whether
//! it may be called), runs the transport's attempt on it, reports the outcome to that
//! instance's breaker, and tries again where `call::retry` says it is safe, while the budget
//! and the deadline allow.
//!
//! ```ignore
//! balanced.attempts(op.idempotent, call.deadline, |base: &Url| send(base.clone(), …)).await
//! ```

use super::retry::{RetryBudget, RetryPolicy, backoff, retryable};
use crate::CallError;
use crate::discovery::{Member, Pick, Pool, PoolConfig, Source, SourceError};
use crate::metrics::Metrics;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A failed attempt, and whether anything of it was sent (a connection that could not be
/// opened sent nothing, so any operation may be tried again elsewhere).
#[derive(Debug)]
pub struct Failed {
    /// Why it failed.
    pub error: CallError,
    /// Nothing reached the instance.
    pub not_sent: bool,
}

impl From<CallError> for Failed {
    fn from(error: CallError) -> Self {
        Failed {
            error,
            not_sent: false,
        }
    }
}

/// How a balanced proxy spreads, ejects and retries.
#[derive(Debug, Clone, Copy, Default)]
pub struct BalanceConfig {
    /// Balancing and the breaker of each instance.
    pub pool: PoolConfig,
    /// Retries and their budget.
    pub retry: RetryPolicy,
}

/// The instances of one service a proxy calls, with its retry budget. Cheap to clone (clones
/// share the pool and the budget).
pub struct Balanced<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    service: String,
    pool: Pool<T>,
    policy: RetryPolicy,
    budget: RetryBudget,
    metrics: Option<Metrics>,
}

impl<T> Clone for Balanced<T> {
    fn clone(&self) -> Self {
        Balanced {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for Balanced<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balanced")
            .field("service", &self.inner.service)
            .field("pool", &self.inner.pool)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> Balanced<T> {
    /// The instances of `service` (its qualified name) that `source` lists for `transport`,
    /// each made into the transport's handle by `connect`; with `metrics`, each instance's
    /// breaker is shown in `accord_breaker_state` and retries are counted.
    pub async fn new(
        service: &str,
        transport: &str,
        source: &Source,
        config: BalanceConfig,
        metrics: Option<Metrics>,
        connect: impl Fn(&str) -> Result<T, String> + Send + Sync + 'static,
    ) -> Result<Balanced<T>, SourceError> {
        let endpoints = source.watch(service, transport).await?;
        let observer = metrics.clone().map(|metrics| {
            let service = service.to_owned();
            Box::new(move |url: &str, state: crate::discovery::BreakerState| {
                metrics.breaker_state(&service, url, state as i64)
            }) as crate::discovery::Observer
        });
        let pool = Pool::with_observer(service, config.pool, endpoints, connect, observer);
        if let Some(metrics) = &metrics {
            for member in pool.members() {
                metrics.breaker_state(service, member.url(), 0);
            }
        }
        Ok(Balanced {
            inner: Arc::new(Inner {
                service: service.to_owned(),
                pool,
                policy: config.retry,
                budget: RetryBudget::new(&config.retry),
                metrics,
            }),
        })
    }

    /// The pool (its members and their breakers).
    pub fn pool(&self) -> &Pool<T> {
        &self.inner.pool
    }

    /// Runs `attempt` on instances of the pool until one answers, or the failure may not be
    /// retried (`call::retry`), or the attempts, the budget or the time before `deadline` are
    /// spent. An attempt that sent nothing goes at once to another instance; other retries
    /// wait a jittered backoff first.
    pub async fn attempts<R, F, Fut>(
        &self,
        idempotent: bool,
        deadline: Instant,
        mut attempt: F,
    ) -> Result<R, CallError>
    where
        F: FnMut(&T) -> Fut,
        Fut: Future<Output = Result<R, Failed>>,
    {
        let inner = &*self.inner;
        inner.budget.deposit();
        // Filled only when a call is retried: a call that succeeds first allocates nothing.
        let mut tried: Vec<Arc<Member<T>>> = Vec::new();
        let mut made = 1;
        loop {
            let pick = inner.pool.pick(&tried)?;
            let failed = match attempt(pick.target()).await {
                Ok(answer) => {
                    pick.record(false);
                    return Ok(answer);
                }
                Err(failed) => failed,
            };
            let member = Arc::clone(pick.member());
            pick.record(failed.error.is_remote_failure());
            let Some(wait) = self.may_retry(made, &failed, idempotent, deadline) else {
                return Err(failed.error);
            };
            tracing::debug!(service = %inner.service, instance = %member.url(), error = %failed.error, "retrying");
            tried.push(member);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            made += 1;
        }
    }

    /// An instance whose connection `open` could make ready, and its [`Pick`] (report the
    /// call's outcome on it): for a call that sends its inputs as they come (a gRPC stream), only
    /// the opening is tried again, on another instance, when it fails (nothing was sent).
    pub async fn opened<R, F, Fut>(
        &self,
        deadline: Instant,
        mut open: F,
    ) -> Result<(R, Pick<T>), CallError>
    where
        F: FnMut(&T) -> Fut,
        Fut: Future<Output = Result<R, CallError>>,
    {
        let inner = &*self.inner;
        inner.budget.deposit();
        let mut tried: Vec<Arc<Member<T>>> = Vec::new();
        let mut made = 1;
        loop {
            let pick = inner.pool.pick(&tried)?;
            let error = match open(pick.target()).await {
                Ok(opened) => return Ok((opened, pick)),
                Err(error) => error,
            };
            let member = Arc::clone(pick.member());
            pick.record(error.is_remote_failure());
            let failed = Failed {
                error,
                not_sent: true,
            };
            if self.may_retry(made, &failed, false, deadline).is_none() {
                return Err(failed.error);
            }
            tried.push(member);
            made += 1;
        }
    }

    /// The wait before attempt `made + 1` after `failed`, if there may be one: the failure is
    /// retryable, attempts are left, the wait ends before the deadline and the budget has a
    /// retry (taken from it, and counted).
    fn may_retry(
        &self,
        made: u32,
        failed: &Failed,
        idempotent: bool,
        deadline: Instant,
    ) -> Option<Duration> {
        let inner = &*self.inner;
        if made >= inner.policy.max_attempts
            || !retryable(&failed.error, failed.not_sent, idempotent)
        {
            return None;
        }
        let wait = if failed.not_sent {
            Duration::ZERO
        } else {
            backoff(&inner.policy, made)
        };
        if Instant::now() + wait >= deadline {
            return None;
        }
        if !inner.budget.withdraw() {
            if let Some(metrics) = &inner.metrics {
                metrics.retry_budget_exhausted(&inner.service);
            }
            return None;
        }
        if let Some(metrics) = &inner.metrics {
            metrics.retried(&inner.service);
        }
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use crate::discovery::BreakerState;
    use std::sync::Mutex;

    async fn balanced(
        urls: &str,
        config: BalanceConfig,
        metrics: Option<Metrics>,
    ) -> Balanced<String> {
        let source = Source::parse(urls).unwrap();
        Balanced::new(
            "s.S",
            "rest",
            &source,
            config,
            metrics,
            |u| Ok(u.to_owned()),
        )
        .await
        .unwrap()
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(30)
    }

    #[tokio::test]
    async fn a_connection_refused_goes_to_another_instance_for_any_operation() {
        let b = balanced("http://down,http://up", BalanceConfig::default(), None).await;
        for _ in 0..10 {
            let got = b
                .attempts(false, far(), |url: &String| {
                    let url = url.clone();
                    async move {
                        if url == "http://down" {
                            Err(Failed {
                                error: CallError::Connect("refused".into()),
                                not_sent: true,
                            })
                        } else {
                            Ok(url)
                        }
                    }
                })
                .await;
            assert_eq!(got.unwrap(), "http://up");
        }
        assert_eq!(b.pool().state_of("http://down"), Some(BreakerState::Open));
    }

    #[tokio::test]
    async fn unavailable_is_retried_only_for_idempotent_operations() {
        let b = balanced("http://a,http://b", BalanceConfig::default(), None).await;
        let calls = Mutex::new(0);
        let unavailable = || {
            *calls.lock().unwrap() += 1;
            async { Err::<(), _>(Failed::from(CallError::status(Code::Unavailable, "busy"))) }
        };
        assert!(b.attempts(false, far(), |_| unavailable()).await.is_err());
        assert_eq!(*calls.lock().unwrap(), 1);
        *calls.lock().unwrap() = 0;
        assert!(b.attempts(true, far(), |_| unavailable()).await.is_err());
        assert_eq!(*calls.lock().unwrap(), 3, "max_attempts");
    }

    #[tokio::test]
    async fn the_budget_stops_retries_and_says_so() {
        let config = BalanceConfig {
            retry: RetryPolicy {
                min_per_second: 0,
                base_backoff: Duration::from_micros(10),
                ..RetryPolicy::default()
            },
            ..BalanceConfig::default()
        };
        let metrics = Metrics::new();
        let b = balanced("http://a,http://b,http://c", config, Some(metrics.clone())).await;
        let attempts = Mutex::new(0u32);
        for _ in 0..100 {
            let _ = b
                .attempts(true, far(), |_| {
                    *attempts.lock().unwrap() += 1;
                    async { Err::<(), _>(Failed::from(CallError::status(Code::Unavailable, "x"))) }
                })
                .await;
        }
        let extra = *attempts.lock().unwrap() - 100;
        assert!(
            (19..=21).contains(&extra),
            "about 20% extra, not 200%: {extra}"
        );
        let text = metrics.encode();
        let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
        let count =
            |family: &str| match &parsed.families[family].iter_samples().next().unwrap().value {
                openmetrics_parser::OpenMetricsValue::Counter(c) => c.value.as_f64(),
                other => panic!("{other:?}"),
            };
        assert_eq!(count("accord_retries"), f64::from(extra));
        assert!(count("accord_retry_budget_exhausted") >= 70.0, "{text}");
        assert!(parsed.families.contains_key("accord_breaker_state"));
    }

    #[tokio::test]
    async fn no_retry_past_the_deadline() {
        let config = BalanceConfig {
            retry: RetryPolicy {
                base_backoff: Duration::from_secs(10),
                max_backoff: Duration::from_secs(10),
                ..RetryPolicy::default()
            },
            ..BalanceConfig::default()
        };
        let b = balanced("http://a,http://b", config, None).await;
        let calls = Mutex::new(0);
        let soon = Instant::now();
        let failed = b
            .attempts(true, soon, |_| {
                *calls.lock().unwrap() += 1;
                async { Err::<(), _>(Failed::from(CallError::status(Code::Unavailable, "x"))) }
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(*calls.lock().unwrap(), 1);
    }
}
