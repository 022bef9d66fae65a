//! The embedded in-process broker (`memory:`): bounded queues with the semantics of the real
//! brokers, so a service behaves the same with zero setup.
//!
//! The layout mirrors AMQP's: a point-to-point address is one queue of that name; a
//! publish-subscribe address fans out to one queue per subscriber group, `<address>.<group>`,
//! created by the group's first subscription and kept for the broker's lifetime (a message
//! published before any group exists reaches nobody). Consumers of one queue compete. A
//! publisher to a full queue waits (back-pressure) up to the operation timeout. Nacked and
//! dropped deliveries go back to the front of their queue with their delivery count.

use super::backend::{Backend, BackendConsumer, BackendInbox, Received, Settle};
use super::config::BrokerConfig;
use super::error::{BrokerError, timed};
use super::message::{Channel, ChannelKind, Message};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone)]
pub(crate) struct MemoryBroker {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    timeout: Duration,
    /// Every queue by name: point-to-point addresses, `<address>.<group>`, inboxes.
    queues: Mutex<HashMap<String, Arc<Queue>>>,
    /// The group queues of each publish-subscribe address, replaced (not edited) when a group
    /// appears, so a publish takes a snapshot with one reference count.
    topics: Mutex<HashMap<String, Arc<[Arc<Queue>]>>>,
}

impl MemoryBroker {
    pub(crate) fn new(config: &BrokerConfig) -> Self {
        MemoryBroker {
            inner: Arc::new(Inner {
                capacity: config.buffer.max(1),
                timeout: config.operation_timeout,
                queues: Mutex::default(),
                topics: Mutex::default(),
            }),
        }
    }

    /// The process-wide broker called `name` (`""` for `memory:`), created by its first use
    /// with that use's configuration.
    pub(crate) fn named(name: &str, config: &BrokerConfig) -> Self {
        static NAMED: OnceLock<Mutex<HashMap<String, MemoryBroker>>> = OnceLock::new();
        let mut named = NAMED.get_or_init(Mutex::default).lock().unwrap();
        named
            .entry(name.to_owned())
            .or_insert_with(|| MemoryBroker::new(config))
            .clone()
    }

    fn queue(&self, name: &str) -> Arc<Queue> {
        let mut queues = self.inner.queues.lock().unwrap();
        if let Some(q) = queues.get(name) {
            return q.clone();
        }
        let q = Arc::new(Queue::new(self.inner.capacity));
        queues.insert(name.to_owned(), q.clone());
        q
    }

    pub(crate) async fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> Result<(), BrokerError> {
        match channel.kind {
            ChannelKind::PointToPoint => {
                // The usual publish adds the message under the map's lock and takes no
                // reference to the queue; only a full queue makes it hold one and wait.
                let (queue, message) = {
                    let mut queues = self.inner.queues.lock().unwrap();
                    let queue = match queues.get(&*channel.address) {
                        Some(queue) => queue,
                        None => queues
                            .entry(channel.address.to_string())
                            .or_insert_with(|| Arc::new(Queue::new(self.inner.capacity))),
                    };
                    match queue.try_push(message, false) {
                        Ok(()) => return Ok(()),
                        Err(message) => (queue.clone(), message),
                    }
                };
                // Boxed: the waiting future (timer, notification) is large, and inline it
                // would make every publish future as large, copied at each move.
                Box::pin(queue.wait_to_push(message, self.inner.timeout)).await
            }
            ChannelKind::PublishSubscribe => {
                let groups = self
                    .inner
                    .topics
                    .lock()
                    .unwrap()
                    .get(&*channel.address)
                    .cloned();
                let Some(groups) = groups else { return Ok(()) };
                if let Some((last, others)) = groups.split_last() {
                    for queue in others {
                        queue.push(message.clone(), self.inner.timeout).await?;
                    }
                    last.push(message, self.inner.timeout).await?;
                }
                Ok(())
            }
        }
    }

    pub(crate) async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
        let queue = self.inner.queues.lock().unwrap().get(to).cloned();
        match queue {
            Some(queue) => queue.push(message, self.inner.timeout).await,
            None => {
                tracing::debug!(inbox = to, "reply to an inbox that is gone: dropped");
                Ok(())
            }
        }
    }

    pub(crate) fn subscribe(&self, channel: &Channel, group: &str) -> Consumer {
        let queue = match channel.kind {
            ChannelKind::PointToPoint => self.queue(&channel.address),
            ChannelKind::PublishSubscribe => {
                let name = format!("{}.{group}", channel.address);
                // The topics lock is held across the lookup so that two first subscribers of
                // one group create one queue.
                let mut topics = self.inner.topics.lock().unwrap();
                let queue = self.queue(&name);
                let groups = topics
                    .entry(channel.address.to_string())
                    .or_insert_with(|| Arc::new([]));
                if !groups.iter().any(|q| Arc::ptr_eq(q, &queue)) {
                    let mut grown = groups.to_vec();
                    grown.push(queue.clone());
                    *groups = grown.into();
                }
                queue
            }
        };
        Consumer { queue }
    }

    pub(crate) fn reply_inbox(&self) -> Inbox {
        let address = format!("_INBOX.{}", uuid::Uuid::new_v4().simple());
        let queue = self.queue(&address);
        Inbox {
            address,
            consumer: Consumer { queue },
            broker: Arc::downgrade(&self.inner),
        }
    }
}

/// `memory:` is the process's embedded broker, `memory://name` (or `memory:name`) a named one.
impl Backend for MemoryBroker {
    type Consumer = Consumer;
    type Acker = Acker;
    type Inbox = Inbox;

    async fn connect(url: &str, config: &Arc<BrokerConfig>) -> Result<Self, BrokerError> {
        let rest = url.split_once(':').map_or("", |(_, rest)| rest);
        let name = rest.strip_prefix("//").unwrap_or(rest);
        Ok(MemoryBroker::named(name, config))
    }

    // Awaited inline: the embedded broker applies the timeout only when it must wait (a full
    // queue), and boxes only that wait.
    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        MemoryBroker::publish(self, channel, message)
    }

    fn reply(
        &self,
        to: &str,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        MemoryBroker::reply(self, to, message)
    }

    async fn subscribe(&self, channel: &Channel, group: &str) -> Result<Consumer, BrokerError> {
        Ok(MemoryBroker::subscribe(self, channel, group))
    }

    async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        Ok(MemoryBroker::reply_inbox(self))
    }

    async fn connected(&self) -> bool {
        true
    }

    fn system(&self) -> &'static str {
        "memory"
    }
}

struct Queue {
    capacity: usize,
    state: Mutex<State>,
    /// Signalled when a message is added and a consumer waits.
    readable: Notify,
    /// Signalled when a message taken from a full queue makes room and a publisher waits.
    writable: Notify,
}

#[derive(Default)]
struct State {
    ready: VecDeque<Entry>,
    /// Consumers between finding the queue empty and being woken: a publisher signals
    /// `readable` only when there is one, so the usual publish wakes nobody.
    waiting_consumers: usize,
    /// Publishers between finding the queue full and being woken, likewise for `writable`.
    waiting_publishers: usize,
}

struct Entry {
    message: Message,
    /// Times handed to a consumer so far.
    deliveries: u32,
}

/// Who waits on a queue.
#[derive(Clone, Copy)]
enum Side {
    Consumer,
    Publisher,
}

/// Counts a waiter in [`State`] while it lives, also when its future is dropped mid-wait.
struct Waiting<'a> {
    queue: &'a Queue,
    side: Side,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut state = self.queue.state.lock().unwrap();
        match self.side {
            Side::Consumer => state.waiting_consumers -= 1,
            Side::Publisher => state.waiting_publishers -= 1,
        }
    }
}

impl Queue {
    fn new(capacity: usize) -> Self {
        Queue {
            capacity,
            state: Mutex::default(),
            readable: Notify::new(),
            writable: Notify::new(),
        }
    }

    /// Adds the message unless the queue is full; then hands it back (by value: no allocation
    /// on the hot path) and, with `waiter`, counts the caller as a waiting publisher.
    #[allow(clippy::result_large_err)]
    fn try_push(&self, message: Message, waiter: bool) -> Result<(), Message> {
        let mut state = self.state.lock().unwrap();
        if state.ready.len() >= self.capacity {
            state.waiting_publishers += usize::from(waiter);
            return Err(message);
        }
        state.ready.push_back(Entry {
            message,
            deliveries: 0,
        });
        let wake_consumer = state.waiting_consumers > 0;
        // A consumer wakes one publisher when it makes room in a full queue; with room left,
        // each publisher passes the wake on to the next waiting one.
        let wake_publisher = state.waiting_publishers > 0 && state.ready.len() < self.capacity;
        drop(state);
        if wake_consumer {
            self.readable.notify_one();
        }
        if wake_publisher {
            self.writable.notify_one();
        }
        Ok(())
    }

    async fn push(&self, message: Message, timeout: Duration) -> Result<(), BrokerError> {
        // The fast path takes no timer; only a full queue makes the publisher wait.
        match self.try_push(message, false) {
            Ok(()) => Ok(()),
            Err(message) => Box::pin(self.wait_to_push(message, timeout)).await,
        }
    }

    /// Pushes the message handed back by a full queue once a consumer makes room, or fails
    /// with [`BrokerError::Timeout`] after `timeout`.
    async fn wait_to_push(&self, message: Message, timeout: Duration) -> Result<(), BrokerError> {
        let wait = async {
            let mut message = message;
            loop {
                // Registered before the second look, and counted under the lock by that look
                // when it fails: a consumer taking a message after it sees the count and wakes
                // this publisher.
                let writable = self.writable.notified();
                tokio::pin!(writable);
                writable.as_mut().enable();
                match self.try_push(message, true) {
                    Ok(()) => return Ok(()),
                    Err(m) => message = m,
                }
                let _waiting = Waiting {
                    queue: self,
                    side: Side::Publisher,
                };
                writable.await;
            }
        };
        timed(timeout, wait).await
    }

    /// Puts a handed-back message at the front, past the capacity: it was already admitted.
    fn requeue(&self, message: Message, deliveries: u32) {
        let entry = Entry {
            message,
            deliveries,
        };
        let mut state = self.state.lock().unwrap();
        state.ready.push_front(entry);
        let wake = state.waiting_consumers > 0;
        drop(state);
        if wake {
            self.readable.notify_one();
        }
    }

    /// Takes the next message if there is one; otherwise, with `waiter`, counts the caller as
    /// a waiting consumer.
    fn try_pop(&self, waiter: bool) -> Option<Entry> {
        let mut state = self.state.lock().unwrap();
        let Some(entry) = state.ready.pop_front() else {
            state.waiting_consumers += usize::from(waiter);
            return None;
        };
        // Only taking from a full queue makes room a publisher may wait for; a woken publisher
        // wakes the next (see `try_push`).
        let wake = state.waiting_publishers > 0 && state.ready.len() + 1 == self.capacity;
        drop(state);
        if wake {
            self.writable.notify_one();
        }
        Some(entry)
    }

    /// Takes the next message, waiting for one. Cancel-safe: a message is taken only in the
    /// poll that returns it.
    async fn pop(&self) -> Entry {
        loop {
            if let Some(entry) = self.try_pop(false) {
                return entry;
            }
            let readable = self.readable.notified();
            tokio::pin!(readable);
            readable.as_mut().enable();
            if let Some(entry) = self.try_pop(true) {
                return entry;
            }
            let _waiting = Waiting {
                queue: self,
                side: Side::Consumer,
            };
            readable.await;
        }
    }
}

pub(crate) struct Consumer {
    queue: Arc<Queue>,
}

impl BackendConsumer for Consumer {
    type Acker = Acker;

    async fn next(&mut self) -> Option<Received<Acker>> {
        let mut entry = self.queue.pop().await;
        entry.deliveries += 1;
        let acker = Acker {
            queue: self.queue.clone(),
            deliveries: entry.deliveries,
        };
        Some(Received {
            message: entry.message,
            attempt: entry.deliveries,
            acker,
        })
    }
}

/// What a memory delivery needs to go back to its queue.
pub(crate) struct Acker {
    queue: Arc<Queue>,
    deliveries: u32,
}

/// Nothing to acknowledge or give up (the message has left its queue); a nacked or dropped
/// delivery goes back to the front of its queue.
impl Settle for Acker {
    fn ack_is_free(&self) -> bool {
        true
    }

    async fn ack(self, _: Duration) -> Result<(), BrokerError> {
        Ok(())
    }

    async fn nack(self, message: Message, delay: Duration, _: Duration) -> Result<(), BrokerError> {
        self.requeue(message, delay);
        Ok(())
    }

    async fn give_up(self, _: Duration) -> Result<(), BrokerError> {
        Ok(())
    }

    fn release(self, message: Message) {
        self.requeue(message, Duration::ZERO);
    }
}

impl Acker {
    fn requeue(self, message: Message, delay: Duration) {
        if delay.is_zero() {
            return self.queue.requeue(message, self.deliveries);
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(delay).await;
                    self.queue.requeue(message, self.deliveries);
                });
            }
            // Outside a runtime (a delivery dropped late): back at once rather than lost.
            Err(_) => self.queue.requeue(message, self.deliveries),
        }
    }
}

pub(crate) struct Inbox {
    address: String,
    consumer: Consumer,
    broker: Weak<Inner>,
}

impl BackendInbox for Inbox {
    fn address(&self) -> &str {
        &self.address
    }

    async fn next(&mut self) -> Option<Message> {
        let entry = self.consumer.queue.pop().await;
        Some(entry.message)
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        // Later replies to this address are dropped, as a real broker drops them.
        if let Some(inner) = self.broker.upgrade() {
            inner.queues.lock().unwrap().remove(&self.address);
        }
    }
}
