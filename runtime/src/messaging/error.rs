//! [`BrokerError`]: what a broker operation can fail with, and how it becomes a [`CallError`].

use crate::CallError;
use std::fmt;

/// A failed broker operation. Every operation fails with one of these rather than hang.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrokerError {
    /// The URL or the configuration is unusable (unknown scheme, feature not compiled in).
    Config(String),
    /// The broker cannot be reached: down at start-up after every retry, or lost mid-run.
    Unavailable(String),
    /// The operation did not complete in time (the broker is slow, down, or applying
    /// back-pressure).
    Timeout,
    /// The broker answered but refused (a publish not confirmed, a declaration refused).
    Rejected(String),
}

impl fmt::Display for BrokerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokerError::Config(m) => write!(f, "broker configuration: {m}"),
            BrokerError::Unavailable(m) => write!(f, "broker unavailable: {m}"),
            BrokerError::Timeout => f.write_str("broker operation timed out"),
            BrokerError::Rejected(m) => write!(f, "broker refused: {m}"),
        }
    }
}

impl std::error::Error for BrokerError {}

impl From<BrokerError> for CallError {
    fn from(e: BrokerError) -> Self {
        match e {
            BrokerError::Timeout => CallError::Timeout,
            BrokerError::Unavailable(_) | BrokerError::Rejected(_) => {
                CallError::Connect(e.to_string())
            }
            BrokerError::Config(_) => CallError::Internal(e.to_string()),
        }
    }
}

/// Runs `op` under `timeout`; an elapsed timeout is [`BrokerError::Timeout`].
///
/// A combinator rather than an `async fn`, which would keep `op` beside the `Timeout` made of
/// it: twice the room, copied whole wherever the future is boxed (a publish is, every time).
pub(crate) fn timed<T>(
    timeout: std::time::Duration,
    op: impl Future<Output = Result<T, BrokerError>>,
) -> impl Future<Output = Result<T, BrokerError>> {
    use futures::FutureExt as _;
    tokio::time::timeout(timeout, op).map(|done| done.unwrap_or(Err(BrokerError::Timeout)))
}

/// `From<BrokerError>` for an operation's error enum (written by `errors!`), so a handler that
/// publishes can use `?` on the publish.
#[doc(hidden)]
#[macro_export]
macro_rules! __from_broker_error {
    ($name:ident, $call:ident) => {
        impl ::core::convert::From<$crate::messaging::BrokerError> for $name {
            fn from(error: $crate::messaging::BrokerError) -> Self {
                Self::$call(error.into())
            }
        }
    };
}
