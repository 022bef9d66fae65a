//! The consumer policy every backend shares, written once: at-least-once handling (ack after
//! the handler returns), retries with backoff up to a number of attempts, dead letters to
//! `<address>.dlq` with an `error` header, per-key order and a bound on messages in flight.
//!
//! A failed handler is retried here, in process, with the delivery still unacknowledged, rather
//! than nacked back to the broker: the broker would hand the message's successors with the same
//! key to another consumer meanwhile, breaking per-key order. If the process dies mid-retry the
//! broker redelivers (the delivery was never acknowledged), and the attempt count resumes from
//! the broker's delivery count where the broker keeps one.

use super::broker::{Backoff, Consumer, Delivery};
use super::message::{Message, header};
use futures::FutureExt as _;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// How [`Consumer::serve`] handles failures and load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// Handler runs per message before it is dead-lettered (at least 1; default 5).
    pub max_attempts: u32,
    /// The wait before each retry (default 100 ms doubling up to 10 s).
    pub retry_backoff: Backoff,
    /// Messages taken from the broker and not yet acknowledged, running or waiting behind an
    /// earlier message with the same key (default 64). Beyond it the consumer stops taking
    /// messages, and the broker holds them.
    pub max_in_flight: usize,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            max_attempts: 5,
            retry_backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(10),
            },
            max_in_flight: 64,
        }
    }
}

/// Why a handler did not handle a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError {
    /// A failure worth retrying (a downstream call failed): retried with backoff, then
    /// dead-lettered. A panicking handler counts as this.
    Failed(String),
    /// The message can never be handled (undecodable payload, unknown message type):
    /// dead-lettered at once.
    Undeliverable(String),
}

impl Consumer {
    /// Serves this subscription with `handler` until it ends (see [`Consumer::next`]); spawn
    /// it, and abort the task to stop.
    ///
    /// `handler` is called with each message and returns a future that owns what it needs,
    /// so a retry calls it again with the same message. Messages with a key (`message_key`)
    /// are handled one at a time per key in arrival order; others concurrently, all within
    /// `max_in_flight`.
    pub async fn serve<H, F>(mut self, config: ConsumerConfig, handler: H)
    where
        H: Fn(&Message) -> F,
        F: Future<Output = Result<(), HandlerError>>,
    {
        let broker = self.broker.clone();
        let channel = self.channel.clone();
        let max_in_flight = config.max_in_flight.max(1);
        let handle = |delivery: Delivery, key: Option<String>| {
            let (handler, config) = (&handler, &config);
            let (broker, channel) = (&broker, &channel);
            async move {
                let (delivery, outcome) = attempts(delivery, handler, config).await;
                match outcome {
                    Ok(()) => {
                        if let Err(e) = delivery.ack().await {
                            // The broker redelivers it: at least once.
                            tracing::warn!(channel = %channel.address, "ack failed: {e}");
                        }
                    }
                    Err((why, attempts)) => {
                        let mut letter = delivery.message().clone();
                        letter.headers.insert(header::ERROR.into(), why);
                        letter
                            .headers
                            .insert(header::ATTEMPTS.into(), attempts.to_string());
                        match broker.publish(&channel.dead_letters(), letter).await {
                            Ok(()) => {
                                if let Err(e) = delivery.ack().await {
                                    tracing::warn!(channel = %channel.address, "ack failed: {e}");
                                }
                            }
                            Err(e) => {
                                tracing::warn!(channel = %channel.address, "dead letter not sent, handing the message back: {e}");
                                let wait = config.retry_backoff.delay(attempts);
                                let _ = delivery.nack(wait).await;
                            }
                        }
                    }
                }
                key
            }
        };

        let mut running = FuturesUnordered::new();
        // Keys with a message running, and the messages waiting behind it.
        let mut waiting: HashMap<String, VecDeque<Delivery>> = HashMap::new();
        let mut held = 0usize;
        let mut open = true;
        loop {
            tokio::select! {
                biased;
                Some(key) = running.next(), if !running.is_empty() => {
                    held -= 1;
                    let Some(key) = key else { continue };
                    match waiting.get_mut(&key).and_then(VecDeque::pop_front) {
                        Some(next) => running.push(handle(next, Some(key))),
                        None => {
                            waiting.remove(&key);
                        }
                    }
                }
                delivery = self.next(), if open && held < max_in_flight => {
                    let Some(delivery) = delivery else {
                        open = false;
                        continue;
                    };
                    held += 1;
                    match &delivery.message().key {
                        None => running.push(handle(delivery, None)),
                        Some(key) => match waiting.get_mut(key) {
                            Some(queue) => queue.push_back(delivery),
                            None => {
                                let key = key.clone();
                                waiting.insert(key.clone(), VecDeque::new());
                                running.push(handle(delivery, Some(key)));
                            }
                        },
                    }
                }
                else => break,
            }
        }
    }
}

/// Runs the handler until it succeeds, gives up, or attempts run out; on failure, why and
/// after how many runs.
async fn attempts<H, F>(
    delivery: Delivery,
    handler: &H,
    config: &ConsumerConfig,
) -> (Delivery, Result<(), (String, u32)>)
where
    H: Fn(&Message) -> F,
    F: Future<Output = Result<(), HandlerError>>,
{
    let mut attempt = delivery.attempt().max(1);
    loop {
        let run = AssertUnwindSafe(async { handler(delivery.message()).await });
        let why = match run.catch_unwind().await {
            Ok(Ok(())) => return (delivery, Ok(())),
            Ok(Err(HandlerError::Undeliverable(why))) => return (delivery, Err((why, 0))),
            Ok(Err(HandlerError::Failed(why))) => why,
            Err(panic) => format!("handler panicked: {}", panic_message(&*panic)),
        };
        if attempt >= config.max_attempts.max(1) {
            return (delivery, Err((why, attempt)));
        }
        tracing::debug!(attempt, "handler failed, retrying: {why}");
        tokio::time::sleep(config.retry_backoff.delay(attempt)).await;
        attempt += 1;
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}
