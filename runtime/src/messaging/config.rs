//! How a broker connection behaves ([`BrokerConfig`]) and the backoff between attempts
//! ([`Backoff`]): what every backend reads.

use std::time::Duration;

/// Exponential backoff: `initial`, doubling per attempt, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after failed attempt `attempt` (1 = the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }
}

/// How a broker connection behaves; the defaults suit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// Connection attempts at start-up before [`Broker::connect`](super::Broker::connect) gives up (at least 1).
    pub connect_attempts: u32,
    /// The wait between start-up attempts, and between reconnection attempts mid-run.
    pub connect_backoff: Backoff,
    /// The longest any single operation (connect attempt, publish with its confirmation,
    /// declaration, ack) may take before it fails with [`BrokerError::Timeout`](super::BrokerError::Timeout).
    pub operation_timeout: Duration,
    /// Unacknowledged messages a consumer may hold (AMQP prefetch, JetStream pull batch and
    /// `max_ack_pending`).
    pub prefetch: u16,
    /// Capacity of each embedded broker queue; a publisher to a full queue waits (back-pressure)
    /// up to `operation_timeout`.
    pub buffer: usize,
    /// Deliveries of one message to a consumer group before the broker gives up on it
    /// (at least 2; default 10): JetStream's `max_deliver`, RabbitMQ's quorum-queue
    /// `x-delivery-limit` (one less: it counts redeliveries). The consumer policy dead-letters a
    /// message at its last delivery at the latest, without running its handler again, so a
    /// message that keeps failing or keeps losing its consumer is never redelivered forever.
    pub max_deliveries: u32,
    /// NATS: how long JetStream waits for a durable consumer's acknowledgement before it
    /// redelivers (default 60 s: longer than a message's retries with the default backoff, so
    /// a slow retry is not mistaken for a dead consumer).
    pub ack_wait: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            connect_attempts: 10,
            connect_backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(5),
            },
            operation_timeout: Duration::from_secs(5),
            prefetch: 64,
            buffer: 4096,
            max_deliveries: 10,
            ack_wait: Duration::from_secs(60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let waits: Vec<_> = (1..=6).map(|a| b.delay(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }
}
