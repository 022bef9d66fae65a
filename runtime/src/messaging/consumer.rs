//! The consumer policy every backend shares, written once: at-least-once handling (ack after
//! the handler returns), retries with backoff up to a number of attempts, dead letters to
//! `<address>.dlq` with an `error` header, per-key order, a bound on messages in flight, and a
//! bound on deliveries: a delivery past the handler's attempts or the broker's last one is
//! dead-lettered without running the handler, so no message is redelivered forever.
//!
//! A failed handler is retried here, in process, with the delivery still unacknowledged, rather
//! than nacked back to the broker: the broker would hand the message's successors with the same
//! key to another consumer meanwhile, breaking per-key order. If the process dies mid-retry the
//! broker redelivers (the delivery was never acknowledged), and the attempt count resumes from
//! the broker's delivery count where the broker keeps one.

use super::broker::{Broker, Consumer, Delivery};
use super::config::Backoff;
use super::message::{Channel, Message, header};
use crate::metrics::{MessagingCall, Metrics};
use futures::FutureExt as _;
use futures::StreamExt as _;
use futures::future::OptionFuture;
use futures::stream::FuturesUnordered;
use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Mutex;
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

/// Why a message was dead-lettered: the `reason` of `accord_dead_letters_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Its handler failed on every attempt (or panicked).
    Failed,
    /// Its handler said it can never be handled (undecodable, unknown type).
    Undeliverable,
    /// The broker delivered it too often without an acknowledgement (its consumers stopped,
    /// lost the broker or outlived the ack wait).
    Redelivered,
}

impl Reason {
    fn label(self) -> &'static str {
        match self {
            Reason::Failed => "failed",
            Reason::Undeliverable => "undeliverable",
            Reason::Redelivered => "redelivered",
        }
    }
}

impl Consumer {
    /// Counts each message [`Consumer::serve`] dead-letters in `metrics`
    /// (`accord_dead_letters_total`, by system, address and reason).
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

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
        let max_in_flight = config.max_in_flight.max(1);
        let policy = Policy {
            last_delivery: self.broker.config().max_deliveries.max(2),
            broker: self.broker.clone(),
            channel: self.channel.clone(),
            config,
            unsent: Mutex::default(),
            metrics: self.metrics.take(),
        };
        // The future of each message stays small (it is moved once per message): a first run
        // and an ack without I/O. Acks over the network, retries, dead letters and their
        // futures live in boxed futures, built only when needed.
        let handle = |delivery: Delivery, key: Option<String>| {
            let (handler, policy) = (&handler, &policy);
            async move {
                if policy.spent(&delivery) {
                    Box::pin(policy.refuse_redelivery(delivery)).await;
                    return key;
                }
                match run(handler, delivery.message()).await {
                    Ok(()) => {
                        if let Err(delivery) = delivery.ack_now() {
                            Box::pin(acknowledge(delivery, &policy.channel)).await
                        }
                    }
                    Err(first) => Box::pin(policy.after_failure(delivery, first, handler)).await,
                }
                key
            }
        };

        // Messages being handled: one in place (no allocation; with handlers that finish at
        // their first poll it is the only one used), the others in `running`.
        let mut inline = pin!(OptionFuture::from(None));
        let mut inline_busy = false;
        let mut running = FuturesUnordered::new();
        macro_rules! start {
            ($future:expr) => {
                if inline_busy {
                    running.push($future);
                } else {
                    inline.set(Some($future).into());
                    inline_busy = true;
                }
            };
        }
        // Keys with a message running, and the messages waiting behind it.
        let mut waiting: HashMap<String, VecDeque<Delivery>> = HashMap::new();
        let mut held = 0usize;
        let mut open = true;
        loop {
            let done = tokio::select! {
                biased;
                key = &mut inline, if inline_busy => {
                    inline.set(None.into());
                    inline_busy = false;
                    key.expect("the slot is busy")
                }
                Some(key) = running.next(), if !running.is_empty() => key,
                delivery = self.next(), if open && held < max_in_flight => {
                    let Some(delivery) = delivery else {
                        open = false;
                        continue;
                    };
                    held += 1;
                    match &delivery.message().key {
                        None => start!(handle(delivery, None)),
                        Some(key) => match waiting.get_mut(key) {
                            Some(queue) => queue.push_back(delivery),
                            None => {
                                let key = key.clone();
                                waiting.insert(key.clone(), VecDeque::new());
                                start!(handle(delivery, Some(key)));
                            }
                        },
                    }
                    continue;
                }
                else => break,
            };
            // A message is done: the next one waiting behind its key starts.
            held -= 1;
            let Some(key) = done else { continue };
            match waiting.get_mut(&key).and_then(VecDeque::pop_front) {
                Some(next) => start!(handle(next, Some(key))),
                None => {
                    waiting.remove(&key);
                }
            }
        }
    }
}

/// One run of the handler; a panic counts as [`HandlerError::Failed`].
async fn run<H, F>(handler: &H, message: &Message) -> Result<(), HandlerError>
where
    H: Fn(&Message) -> F,
    F: Future<Output = Result<(), HandlerError>>,
{
    let run = AssertUnwindSafe(async { handler(message).await });
    match run.catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => Err(HandlerError::Failed(format!(
            "handler panicked: {}",
            panic_message(&*panic)
        ))),
    }
}

async fn acknowledge(delivery: Delivery, channel: &Channel) {
    if let Err(e) = delivery.ack().await {
        // The broker redelivers it: at least once.
        tracing::warn!(channel = %channel.address, "ack failed: {e}");
    }
}

/// What one served subscription needs past a message's first run.
struct Policy {
    broker: Broker,
    channel: Channel,
    config: ConsumerConfig,
    /// The broker's last delivery of a message (`max_deliveries`): never spent on the handler.
    last_delivery: u32,
    /// Messages whose dead letter could not be sent, by `message_id`: why they failed and
    /// after how many runs, so their redelivery is dead-lettered with that, not run again.
    unsent: Mutex<Unsent>,
    metrics: Option<Metrics>,
}

/// Why a message is dead-lettered, in words and as a reason, after how many runs.
type Failure = (Reason, String, u32);

/// A bounded memory of failures whose dead letter is still to be sent.
#[derive(Default)]
struct Unsent {
    failures: HashMap<String, Failure>,
    order: VecDeque<String>,
}

/// How many failures [`Unsent`] remembers; the oldest is forgotten first (its message is then
/// dead-lettered as redelivered too often, without the reason).
const UNSENT_REMEMBERED: usize = 1024;

/// The longest `message_id` [`Unsent`] keeps (a UUID is 36 bytes).
const MAX_REMEMBERED_ID: usize = 128;

impl Policy {
    /// Whether `delivery` must not run its handler again: the handler ran on as many
    /// deliveries as it has attempts, or this is the broker's last delivery, or its dead
    /// letter is due already.
    fn spent(&self, delivery: &Delivery) -> bool {
        let attempt = delivery.attempt();
        attempt > self.config.max_attempts.max(1)
            || attempt >= self.last_delivery
            // Only a redelivery can be remembered: a first delivery takes no lock.
            || (attempt > 1 && self.remembered(delivery).is_some())
    }

    fn remembered(&self, delivery: &Delivery) -> Option<Failure> {
        let unsent = self.unsent.lock().unwrap_or_else(|e| e.into_inner());
        let id = &delivery.message().message_id;
        unsent.failures.get(id).cloned()
    }

    /// A redelivered message that must not run: dead-lettered with its last error if this
    /// consumer saw it, else as redelivered too often (its consumers kept stopping, losing the
    /// broker or outliving the ack wait before they acknowledged it).
    async fn refuse_redelivery(&self, delivery: Delivery) {
        let failure = self.remembered(&delivery).unwrap_or_else(|| {
            let n = delivery.attempt();
            let why = format!(
                "delivered {n} times without being acknowledged (its consumers stopped, lost \
                 the broker or outlived the ack wait); not run again"
            );
            (Reason::Redelivered, why, n.saturating_sub(1))
        });
        self.dead_letter(delivery, failure).await;
    }

    /// After a failed first run: retries, then the dead letter.
    async fn after_failure<H, F>(&self, delivery: Delivery, first: HandlerError, handler: &H)
    where
        H: Fn(&Message) -> F,
        F: Future<Output = Result<(), HandlerError>>,
    {
        match retries(&delivery, first, handler, &self.config).await {
            Ok(()) => acknowledge(delivery, &self.channel).await,
            Err(failure) => self.dead_letter(delivery, failure).await,
        }
    }

    /// Sends the message to `<address>.dlq` with why and after how many runs, then acks it.
    /// A dead letter that cannot be sent hands the message back (remembering why, so its
    /// redelivery is not run again), and on the broker's last delivery gives it up.
    async fn dead_letter(&self, delivery: Delivery, (reason, why, attempts): Failure) {
        let mut letter = delivery.message().clone();
        letter.headers.insert(header::ERROR.into(), one_line(&why));
        letter
            .headers
            .insert(header::ATTEMPTS.into(), attempts.to_string());
        let channel = &self.channel;
        let id = letter.message_id.clone();
        match self.broker.publish(&channel.dead_letters(), letter).await {
            Ok(()) => {
                self.forget(&id);
                self.count(reason);
                acknowledge(delivery, channel).await
            }
            Err(e) if delivery.attempt() >= self.last_delivery => {
                tracing::error!(channel = %channel.address, message_id = %id, "dead letter not sent at the last delivery, giving the message up: {e}; it failed with: {why}");
                self.forget(&id);
                if let Err(e) = delivery.give_up().await {
                    tracing::warn!(channel = %channel.address, "giving up failed: {e}");
                }
            }
            Err(e) => {
                tracing::warn!(channel = %channel.address, "dead letter not sent, handing the message back: {e}");
                self.remember(id, (reason, why, attempts));
                let wait = self.config.retry_backoff.delay(attempts.max(1));
                let _ = delivery.nack(wait).await;
            }
        }
    }

    /// Counts a dead letter sent, when there are metrics.
    fn count(&self, reason: Reason) {
        if let Some(metrics) = &self.metrics {
            let call = MessagingCall {
                system: self.broker.system(),
                destination: self.channel.address.clone(),
                operation: "process",
            };
            metrics.dead_lettered(call, reason.label());
        }
    }

    fn remember(&self, id: String, (reason, why, attempts): Failure) {
        // A `message_id` is the sender's to choose: a long one is not kept (its redelivery is
        // then dead-lettered by its delivery count alone), so the memory stays small.
        if id.len() > MAX_REMEMBERED_ID {
            return;
        }
        let why = one_line(&why);
        let mut unsent = self.unsent.lock().unwrap_or_else(|e| e.into_inner());
        if unsent
            .failures
            .insert(id.clone(), (reason, why, attempts))
            .is_none()
        {
            unsent.order.push_back(id);
        }
        while unsent.order.len() > UNSENT_REMEMBERED {
            if let Some(oldest) = unsent.order.pop_front() {
                unsent.failures.remove(&oldest);
            }
        }
    }

    fn forget(&self, id: &str) {
        let mut unsent = self.unsent.lock().unwrap_or_else(|e| e.into_inner());
        if unsent.failures.remove(id).is_some() {
            unsent.order.retain(|kept| kept != id);
        }
    }
}

/// The longest `error` header: a reason is for a person to read, and a handler's error text is
/// not bounded.
const MAX_ERROR_BYTES: usize = 1024;

/// `why` as an `error` header: control characters (line breaks) as spaces, at most
/// [`MAX_ERROR_BYTES`].
fn one_line(why: &str) -> String {
    let mut line: String = why
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.len() > MAX_ERROR_BYTES {
        let mut end = MAX_ERROR_BYTES - '…'.len_utf8();
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    line
}

/// Retries the handler after the failed run `outcome` until it succeeds, gives up, or attempts
/// run out; on failure, why and after how many runs.
async fn retries<H, F>(
    delivery: &Delivery,
    mut outcome: HandlerError,
    handler: &H,
    config: &ConsumerConfig,
) -> Result<(), Failure>
where
    H: Fn(&Message) -> F,
    F: Future<Output = Result<(), HandlerError>>,
{
    let mut attempt = delivery.attempt().max(1);
    loop {
        let why = match outcome {
            HandlerError::Undeliverable(why) => return Err((Reason::Undeliverable, why, 0)),
            HandlerError::Failed(why) => why,
        };
        if attempt >= config.max_attempts.max(1) {
            return Err((Reason::Failed, why, attempt));
        }
        tracing::debug!(attempt, "handler failed, retrying: {why}");
        tokio::time::sleep(config.retry_backoff.delay(attempt)).await;
        attempt += 1;
        match run(handler, delivery.message()).await {
            Ok(()) => return Ok(()),
            Err(e) => outcome = e,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_headers_are_one_bounded_line() {
        assert_eq!(one_line("oven\r\ncold\t!"), "oven  cold !");
        let long = "é".repeat(MAX_ERROR_BYTES);
        let line = one_line(&long);
        assert!(line.len() <= MAX_ERROR_BYTES, "{}", line.len());
        assert!(line.ends_with('…'));
        assert_eq!(one_line("fine"), "fine");
    }
}
