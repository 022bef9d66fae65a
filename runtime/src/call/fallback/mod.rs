//! Fallbacks: what a caller gets instead of a failure when the service cannot answer.
//!
//! A REST or gRPC proxy takes a [`ProxyFallback`] per operation (`Proxy::with_fallback`):
//! when a call of that operation fails because the service is unavailable (no connection,
//! `UNAVAILABLE`, every instance ejected or the breaker open, the outstanding bound full) or
//! timed out, the proxy answers the fallback's value, or the last good reply to the same
//! request if it is younger than the bound; every other answer, a declared error too, passes
//! through as it came. The proxy's method still returns the operation's output: wrap the call
//! in [`served`] to tell a fallback from a live answer.
//!
//! ```ignore
//! let consumers = rest::Proxy::connect(url)?
//!     .with_fallback(&ops::GET_CONSUMER, ProxyFallback::last_good(Duration::from_secs(60)));
//! match fallback::served(consumers.get_consumer(request)).await? {
//!     Served::Live(consumer) => …,
//!     Served::Fallback(consumer) => … // stale, say so
//! }
//! ```
//!
//! [`Fallback`] does the same around any future (a messaging proxy's call too), keyed by the
//! caller.

use crate::metrics::Metrics;
use crate::{CallError, Code, ErrorEncoding, ServiceError};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The fallbacks REST and gRPC proxies take per operation.
#[cfg(any(feature = "rest", feature = "grpc"))]
mod proxy;

#[cfg(any(feature = "rest", feature = "grpc"))]
pub(crate) use proxy::{Armed, Fallbacks};
#[cfg(any(feature = "rest", feature = "grpc"))]
pub use proxy::{ProxyFallback, served};

/// An answer, and whether the service gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Served<T> {
    /// The service's reply.
    Live(T),
    /// The fallback's (a fixed value, or a cached earlier reply).
    Fallback(T),
}

impl<T> Served<T> {
    /// Whether the fallback answered.
    pub fn is_fallback(&self) -> bool {
        matches!(self, Served::Fallback(_))
    }

    /// The value, whoever gave it.
    pub fn into_inner(self) -> T {
        match self {
            Served::Live(value) | Served::Fallback(value) => value,
        }
    }
}

/// Whether `error` means the service could not answer (so a fallback may): unavailable,
/// breaker open, overloaded, or timed out.
pub fn falls_back(error: &CallError) -> bool {
    match error {
        CallError::Timeout
        | CallError::CircuitOpen
        | CallError::Overloaded
        | CallError::Connect(_) => true,
        CallError::Status(status) => status.code == Code::Unavailable,
        _ => false,
    }
}

/// The most keys a last-good cache keeps: when full, the oldest entry goes.
const MAX_ENTRIES: usize = 1024;

/// Keeps `value` as the last good reply for `key`, now; past [`MAX_ENTRIES`] a new key pushes
/// out the oldest one, so a cache of replies by request stays bounded whatever callers send.
fn remember_bounded<K: Hash + Eq + Clone, T>(
    replies: &mut HashMap<K, (Instant, T)>,
    key: K,
    value: T,
) {
    if replies.len() >= MAX_ENTRIES && !replies.contains_key(&key) {
        let oldest = replies
            .iter()
            .min_by_key(|(_, (at, _))| *at)
            .map(|(k, _)| k.clone());
        if let Some(oldest) = oldest {
            replies.remove(&oldest);
        }
    }
    replies.insert(key, (Instant::now(), value));
}

/// The fallback of one operation.
#[derive(Debug)]
pub struct Fallback<K, T> {
    kind: Kind<K, T>,
    metrics: Option<(Metrics, &'static str, &'static str)>,
}

#[derive(Debug)]
enum Kind<K, T> {
    Value(T),
    LastGood {
        max_age: Duration,
        replies: Mutex<HashMap<K, (Instant, T)>>,
    },
}

impl<K: Hash + Eq + Clone, T: Clone> Fallback<K, T> {
    /// Answers `value` when the service cannot.
    pub fn value(value: T) -> Self {
        Fallback {
            kind: Kind::Value(value),
            metrics: None,
        }
    }

    /// Answers the last good reply for the same key, if it is at most `max_age` old (else
    /// the failure passes through).
    pub fn last_good(max_age: Duration) -> Self {
        Fallback {
            kind: Kind::LastGood {
                max_age,
                replies: Mutex::new(HashMap::new()),
            },
            metrics: None,
        }
    }

    /// Counts each fallback served in `accord_fallbacks_total{service, operation}`.
    pub fn metrics(
        mut self,
        metrics: Metrics,
        service: &'static str,
        operation: &'static str,
    ) -> Self {
        self.metrics = Some((metrics, service, operation));
        self
    }

    /// Awaits `call`; on a failure that [`falls_back`], the fallback's answer if it has one.
    /// `key` names the request for the last-good cache (an id; `()` when there is one answer).
    pub async fn call<E>(
        &self,
        key: K,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<Served<T>, E>
    where
        E: ServiceError + Clone,
    {
        match call.await {
            Ok(value) => {
                self.remember(key, &value);
                Ok(Served::Live(value))
            }
            Err(error) => match self.answer(&key, &error) {
                Some(value) => {
                    if let Some((metrics, service, operation)) = &self.metrics {
                        metrics.fallback_served(service, operation);
                    }
                    Ok(Served::Fallback(value))
                }
                None => Err(error),
            },
        }
    }

    fn remember(&self, key: K, value: &T) {
        let Kind::LastGood { replies, .. } = &self.kind else {
            return;
        };
        let mut replies = replies.lock().unwrap_or_else(|e| e.into_inner());
        remember_bounded(&mut replies, key, value.clone());
    }

    fn answer<E: ServiceError + Clone>(&self, key: &K, error: &E) -> Option<T> {
        // Only the failures of the call itself, never a declared error (an answer).
        let ErrorEncoding::Call(failure) = error.clone().encode() else {
            return None;
        };
        if !falls_back(&failure) {
            return None;
        }
        match &self.kind {
            Kind::Value(value) => Some(value.clone()),
            Kind::LastGood { max_age, replies } => {
                let replies = replies.lock().unwrap_or_else(|e| e.into_inner());
                let (at, value) = replies.get(key)?;
                (at.elapsed() <= *max_age).then(|| value.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_last_good_reply_answers_while_fresh_and_only_for_unavailability() {
        let fallback = Fallback::<u32, String>::last_good(Duration::from_secs(60));
        let down = || async { Err::<String, _>(CallError::Connect("refused".into())) };
        assert_eq!(
            fallback.call(1, down()).await,
            Err(CallError::Connect("refused".into()))
        );
        let live = fallback
            .call(1, async { Ok::<_, CallError>("one".to_owned()) })
            .await;
        assert_eq!(live, Ok(Served::Live("one".into())));
        let served = fallback.call(1, down()).await.unwrap();
        assert!(served.is_fallback());
        assert_eq!(served.into_inner(), "one");
        assert!(
            fallback.call(2, down()).await.is_err(),
            "another key has no reply yet"
        );
        let refused = CallError::status(Code::NotFound, "no such");
        let passed = fallback
            .call(1, async { Err::<String, _>(refused.clone()) })
            .await;
        assert_eq!(passed, Err(refused), "an answer is not replaced");
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(fallback.call(1, down()).await.is_err(), "too old");
    }

    #[tokio::test]
    async fn a_value_answers_a_timeout_and_an_open_breaker_and_is_counted() {
        let metrics = Metrics::new();
        let fallback = Fallback::<(), u8>::value(7).metrics(metrics.clone(), "s.S", "op");
        for failure in [CallError::Timeout, CallError::CircuitOpen] {
            let got = fallback.call((), async { Err::<u8, _>(failure) }).await;
            assert_eq!(got, Ok(Served::Fallback(7)));
        }
        let text = metrics.encode();
        let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
        let family = &exposition.families["accord_fallbacks"];
        let sample = family.iter_samples().next().unwrap();
        let labels = sample.get_labelset().unwrap();
        assert_eq!(labels.get_label_value("operation"), Some("op"));
        match &sample.value {
            openmetrics_parser::OpenMetricsValue::Counter(c) => assert_eq!(c.value.as_f64(), 2.0),
            other => panic!("{other:?}"),
        }
    }
}
