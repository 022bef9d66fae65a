//! The `accord_*` metrics of proxies' resilience, which the OpenTelemetry conventions lack:
//! each instance's breaker, retries and the budget refusing them, fallbacks served.
//!
//! | metric | labels |
//! | --- | --- |
//! | `accord_breaker_state` (gauge: 0 closed, 1 open, 2 half-open) | `service`, `instance` (its URL) |
//! | `accord_retries_total` (counter) | `service` |
//! | `accord_retry_budget_exhausted_total` (counter) | `service` |
//! | `accord_fallbacks_total` (counter) | `service`, `operation` |

use super::Sparse;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct InstanceLabels {
    service: String,
    instance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ServiceLabels {
    service: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OperationLabels {
    service: String,
    operation: String,
}

/// The families, each shown once it has a series.
#[derive(Debug)]
pub(super) struct Resilience {
    breaker: Sparse<Family<InstanceLabels, Gauge>>,
    retries: Sparse<Family<ServiceLabels, Counter>>,
    exhausted: Sparse<Family<ServiceLabels, Counter>>,
    fallbacks: Sparse<Family<OperationLabels, Counter>>,
}

impl Resilience {
    pub(super) fn new() -> Self {
        Resilience {
            breaker: Sparse::new(
                "accord_breaker_state",
                "Circuit breaker of each instance a proxy calls: 0 closed, 1 open (ejected), 2 half-open",
                Family::default(),
            ),
            retries: Sparse::new(
                "accord_retries",
                "Attempts a proxy made again after a failure",
                Family::default(),
            ),
            exhausted: Sparse::new(
                "accord_retry_budget_exhausted",
                "Retries the retry budget refused",
                Family::default(),
            ),
            fallbacks: Sparse::new(
                "accord_fallbacks",
                "Calls answered by their fallback instead of the service",
                Family::default(),
            ),
        }
    }

    pub(super) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        self.breaker.encode(encoder)?;
        self.retries.encode(encoder)?;
        self.exhausted.encode(encoder)?;
        self.fallbacks.encode(encoder)
    }
}

impl super::Metrics {
    /// An instance's breaker changed: `state` 0 closed, 1 open, 2 half-open.
    pub fn breaker_state(&self, service: &str, instance: &str, state: i64) {
        let labels = InstanceLabels {
            service: service.to_owned(),
            instance: instance.to_owned(),
        };
        self.inner
            .resilience
            .breaker
            .get()
            .get_or_create(&labels)
            .set(state);
    }

    /// A proxy of `service` tried a call again.
    pub fn retried(&self, service: &str) {
        let labels = ServiceLabels {
            service: service.to_owned(),
        };
        self.inner
            .resilience
            .retries
            .get()
            .get_or_create(&labels)
            .inc();
    }

    /// The retry budget of a proxy of `service` refused a retry.
    pub fn retry_budget_exhausted(&self, service: &str) {
        let labels = ServiceLabels {
            service: service.to_owned(),
        };
        self.inner
            .resilience
            .exhausted
            .get()
            .get_or_create(&labels)
            .inc();
    }

    /// A call of `service`'s `operation` was answered by its fallback.
    pub fn fallback_served(&self, service: &str, operation: &str) {
        let labels = OperationLabels {
            service: service.to_owned(),
            operation: operation.to_owned(),
        };
        self.inner
            .resilience
            .fallbacks
            .get()
            .get_or_create(&labels)
            .inc();
    }
}
