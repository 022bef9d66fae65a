//! A REST or gRPC proxy's fallback per operation ([`ProxyFallback`]), armed for each call of
//! that operation ([`Armed`]), and [`served`], which tells its answers from the service's.

use super::{Served, falls_back, remember_bounded};
use crate::CallError;
use crate::call::OperationInfo;
use crate::metrics::Metrics;
use bytes::Bytes;
use std::any::Any;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

tokio::task_local! {
    /// Set when a proxy's fallback answered a call awaited inside [`served`].
    static SERVED_BY_FALLBACK: Cell<bool>;
}

/// Awaits one proxy call and says who answered it: [`Served::Fallback`] when the proxy's
/// [`ProxyFallback`] did, else [`Served::Live`].
pub async fn served<T, E>(call: impl Future<Output = Result<T, E>>) -> Result<Served<T>, E> {
    SERVED_BY_FALLBACK
        .scope(Cell::new(false), async {
            let answer = call.await?;
            Ok(match SERVED_BY_FALLBACK.with(Cell::get) {
                true => Served::Fallback(answer),
                false => Served::Live(answer),
            })
        })
        .await
}

/// The fallback a proxy answers one operation with when the service cannot
/// (`Proxy::with_fallback`): a value, or the last good reply to the same request.
#[derive(Clone)]
pub struct ProxyFallback {
    answer: Answer,
}

#[derive(Clone)]
enum Answer {
    /// Makes the value (a clone of the one given) as the operation's output type, erased.
    Value {
        make: Arc<dyn Fn() -> Box<dyn Any + Send> + Send + Sync>,
        type_name: &'static str,
    },
    /// The reply as it travelled (JSON over REST, protobuf over gRPC), by request.
    LastGood { max_age: Duration },
}

impl std::fmt::Debug for ProxyFallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.answer {
            Answer::Value { type_name, .. } => write!(f, "ProxyFallback::value::<{type_name}>"),
            Answer::LastGood { max_age } => write!(f, "ProxyFallback::last_good({max_age:?})"),
        }
    }
}

impl ProxyFallback {
    /// Answers `value`, which must be of the operation's output type (a call answered with a
    /// value of another type fails with an internal error naming both).
    pub fn value<T: Clone + Send + Sync + 'static>(value: T) -> Self {
        ProxyFallback {
            answer: Answer::Value {
                make: Arc::new(move || Box::new(value.clone())),
                type_name: std::any::type_name::<T>(),
            },
        }
    }

    /// Answers the last good reply to the same request (the same path, query, headers and
    /// body over REST; the same message over gRPC) if it is at most `max_age` old, else lets
    /// the failure through. At most 1024 requests are remembered per operation, the oldest
    /// forgotten first.
    pub fn last_good(max_age: Duration) -> Self {
        ProxyFallback {
            answer: Answer::LastGood { max_age },
        }
    }
}

/// The fallbacks of one proxy, by operation. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fallbacks {
    ops: Arc<Vec<Arc<OpFallback>>>,
}

#[derive(Debug)]
struct OpFallback {
    op: &'static OperationInfo,
    fallback: ProxyFallback,
    /// The last good replies, by request (for `LastGood`).
    replies: Mutex<HashMap<Vec<u8>, (Instant, Bytes)>>,
}

impl Fallbacks {
    /// These fallbacks and `fallback` for `op` (replacing one it had).
    pub(crate) fn with(&self, op: &'static OperationInfo, fallback: ProxyFallback) -> Self {
        let mut ops: Vec<_> = self
            .ops
            .iter()
            .filter(|entry| !same_op(entry.op, op))
            .cloned()
            .collect();
        ops.push(Arc::new(OpFallback {
            op,
            fallback,
            replies: Mutex::new(HashMap::new()),
        }));
        Fallbacks { ops: Arc::new(ops) }
    }

    /// The fallback of a call of `op`, when it has one; `key` names the request (asked only
    /// for a last-good fallback).
    pub(crate) fn arm(
        &self,
        op: &'static OperationInfo,
        key: impl FnOnce() -> Vec<u8>,
    ) -> Option<Armed> {
        let entry = self.ops.iter().find(|entry| same_op(entry.op, op))?;
        let key = match entry.fallback.answer {
            Answer::LastGood { .. } => key(),
            Answer::Value { .. } => Vec::new(),
        };
        Some(Armed {
            entry: Arc::clone(entry),
            key,
        })
    }
}

fn same_op(a: &OperationInfo, b: &OperationInfo) -> bool {
    std::ptr::eq(a, b) || (a.service == b.service && a.name == b.name)
}

/// One call's fallback, armed before the call goes out.
#[derive(Debug)]
pub(crate) struct Armed {
    entry: Arc<OpFallback>,
    key: Vec<u8>,
}

impl Armed {
    fn entry(&self) -> &OpFallback {
        &self.entry
    }

    /// Whether a good reply is kept (so the transport should hand it over as bytes).
    pub(crate) fn keeps_replies(&self) -> bool {
        matches!(self.entry().fallback.answer, Answer::LastGood { .. })
    }

    /// A good reply to this call's request, as it travelled.
    pub(crate) fn remember(&self, reply: Bytes) {
        if !self.keeps_replies() {
            return;
        }
        let mut replies = self
            .entry()
            .replies
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        remember_bounded(&mut replies, self.key.clone(), reply);
    }

    /// The fallback's answer to a call that failed with `error`, when it [`falls_back`] and
    /// the fallback has one (`decode` reads a remembered reply); else `error`. An answer is
    /// counted in `accord_fallbacks_total` and seen by [`served`].
    pub(crate) fn answer<O: 'static>(
        self,
        error: CallError,
        metrics: Option<&Metrics>,
        decode: impl FnOnce(&[u8]) -> Result<O, String>,
    ) -> Result<O, CallError> {
        if !falls_back(&error) {
            return Err(error);
        }
        let entry = self.entry();
        let output = match &entry.fallback.answer {
            Answer::Value { make, type_name } => {
                make().downcast::<O>().map(|o| *o).map_err(|_| {
                    CallError::Internal(format!(
                        "the fallback of {}.{} is a {type_name}, the operation answers a {}",
                        entry.op.service,
                        entry.op.name,
                        std::any::type_name::<O>()
                    ))
                })?
            }
            Answer::LastGood { max_age } => {
                let replies = entry.replies.lock().unwrap_or_else(|e| e.into_inner());
                let Some(reply) = replies
                    .get(&self.key)
                    .filter(|(at, _)| at.elapsed() <= *max_age)
                    .map(|(_, reply)| reply.clone())
                else {
                    return Err(error);
                };
                drop(replies);
                decode(&reply).map_err(CallError::Decode)?
            }
        };
        if let Some(metrics) = metrics {
            metrics.fallback_served(entry.op.service, entry.op.name);
        }
        let _outside_served = SERVED_BY_FALLBACK.try_with(|served| served.set(true));
        Ok(output)
    }
}
