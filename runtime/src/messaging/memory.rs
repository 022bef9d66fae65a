//! The embedded in-process broker (`memory:`): bounded queues with the semantics of the real
//! brokers, so a service behaves the same with zero setup.
//!
//! The layout mirrors AMQP's: a point-to-point address is one queue of that name; a
//! publish-subscribe address fans out to one queue per subscriber group, `<address>.<group>`,
//! created by the group's first subscription and kept for the broker's lifetime (a message
//! published before any group exists reaches nobody). Consumers of one queue compete. A
//! publisher to a full queue waits (back-pressure) up to the operation timeout. Nacked and
//! dropped deliveries go back to the front of their queue with their delivery count.

use super::broker::{Acker as AnyAcker, BrokerConfig, Delivery};
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
                let queue = self.queue(&channel.address);
                queue.push(message, self.inner.timeout).await
            }
            ChannelKind::PublishSubscribe => {
                let groups = self
                    .inner
                    .topics
                    .lock()
                    .unwrap()
                    .get(&channel.address)
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
                    .entry(channel.address.clone())
                    .or_insert_with(|| Arc::new([]));
                if !groups.iter().any(|q| Arc::ptr_eq(q, &queue)) {
                    let mut grown = groups.to_vec();
                    grown.push(queue.clone());
                    *groups = grown.into();
                }
                queue
            }
        };
        Consumer {
            queue,
            timeout: self.inner.timeout,
        }
    }

    pub(crate) fn reply_inbox(&self) -> Inbox {
        let address = format!("_INBOX.{}", uuid::Uuid::new_v4().simple());
        let queue = self.queue(&address);
        Inbox {
            address,
            consumer: Consumer {
                queue,
                timeout: self.inner.timeout,
            },
            broker: Arc::downgrade(&self.inner),
        }
    }
}

struct Queue {
    capacity: usize,
    ready: Mutex<VecDeque<Entry>>,
    /// Signalled when a message is added (consumers wait on it).
    readable: Notify,
    /// Signalled when a message is taken (publishers to a full queue wait on it).
    writable: Notify,
}

struct Entry {
    message: Message,
    /// Times handed to a consumer so far.
    deliveries: u32,
}

impl Queue {
    fn new(capacity: usize) -> Self {
        Queue {
            capacity,
            ready: Mutex::default(),
            readable: Notify::new(),
            writable: Notify::new(),
        }
    }

    /// Hands the message back when the queue is full (by value: no allocation on the hot path).
    #[allow(clippy::result_large_err)]
    fn try_push(&self, message: Message) -> Result<(), Message> {
        let mut ready = self.ready.lock().unwrap();
        if ready.len() >= self.capacity {
            return Err(message);
        }
        ready.push_back(Entry {
            message,
            deliveries: 0,
        });
        drop(ready);
        // Notify stores a permit when nobody waits, so a consumer between its empty check and
        // its wait still wakes.
        self.readable.notify_one();
        Ok(())
    }

    async fn push(&self, message: Message, timeout: Duration) -> Result<(), BrokerError> {
        // The fast path takes no timer; only a full queue makes the publisher wait.
        let Err(message) = self.try_push(message) else {
            return Ok(());
        };
        let wait = async {
            let mut message = message;
            loop {
                let writable = self.writable.notified();
                tokio::pin!(writable);
                writable.as_mut().enable();
                match self.try_push(message) {
                    Ok(()) => return Ok(()),
                    Err(m) => message = m,
                }
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
        self.ready.lock().unwrap().push_front(entry);
        self.readable.notify_one();
    }

    fn try_pop(&self) -> Option<Entry> {
        let entry = self.ready.lock().unwrap().pop_front()?;
        self.writable.notify_one();
        Some(entry)
    }

    /// Takes the next message, waiting for one. Cancel-safe: a message is taken only in the
    /// poll that returns it.
    async fn pop(&self) -> Entry {
        loop {
            if let Some(entry) = self.try_pop() {
                return entry;
            }
            let readable = self.readable.notified();
            tokio::pin!(readable);
            readable.as_mut().enable();
            if let Some(entry) = self.try_pop() {
                return entry;
            }
            readable.await;
        }
    }
}

pub(crate) struct Consumer {
    queue: Arc<Queue>,
    timeout: Duration,
}

impl Consumer {
    pub(crate) async fn next(&mut self) -> Option<Delivery> {
        let mut entry = self.queue.pop().await;
        entry.deliveries += 1;
        let acker = Acker {
            queue: self.queue.clone(),
            deliveries: entry.deliveries,
        };
        let acker = AnyAcker::Memory(acker);
        Some(Delivery::new(
            entry.message,
            entry.deliveries,
            acker,
            self.timeout,
        ))
    }
}

/// What a memory delivery needs to go back to its queue.
pub(crate) struct Acker {
    queue: Arc<Queue>,
    deliveries: u32,
}

impl Acker {
    pub(crate) fn nack(self, message: Message, delay: Duration) {
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

impl Inbox {
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    pub(crate) async fn next(&mut self) -> Option<Message> {
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
