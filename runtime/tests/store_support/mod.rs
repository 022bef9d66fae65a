//! What the store's tests share: stores on both databases, a sink that records what a relay
//! publishes (and refuses what it is told to), waiting with a bound.

#![allow(dead_code)]

pub mod postgres;

use accord::messaging::{BrokerError, Channel, Message};
use accord::store::{Sink, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A store on a fresh SQLite file in a temp folder (kept alive by the returned guard).
pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("service.db").to_str().unwrap())
        .await
        .expect("open sqlite");
    (store, dir)
}

/// A store on a fresh database of the shared PostgreSQL server; `None` when it is missing.
pub async fn postgres() -> Option<Store> {
    let url = postgres::fresh_database().await?;
    Some(Store::open(&url).await.expect("open postgres"))
}

/// Whether the sink refuses a message to an address, and how.
pub type Rule = dyn Fn(&str, &Message) -> Option<BrokerError> + Send + Sync;

/// Records every publish (channel address, message) in order; `refuse` decides failures.
#[derive(Clone, Default)]
pub struct Recorder {
    pub published: Arc<Mutex<Vec<(String, Message)>>>,
    refuse: Option<Arc<Rule>>,
    delay: Duration,
}

impl Recorder {
    pub fn refusing(
        rule: impl Fn(&str, &Message) -> Option<BrokerError> + Send + Sync + 'static,
    ) -> Self {
        Recorder {
            refuse: Some(Arc::new(rule)),
            ..Recorder::default()
        }
    }

    pub fn slow(delay: Duration) -> Self {
        Recorder {
            delay,
            ..Recorder::default()
        }
    }

    pub fn all(&self) -> Vec<(String, Message)> {
        self.published.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.published.lock().unwrap().len()
    }

    /// The payloads published per key, in publish order.
    pub fn by_key(&self) -> HashMap<String, Vec<String>> {
        let mut keys: HashMap<String, Vec<String>> = HashMap::new();
        for (_, m) in self.all() {
            let payload = String::from_utf8(m.payload.to_vec()).unwrap();
            keys.entry(m.key.clone().unwrap_or_default())
                .or_default()
                .push(payload);
        }
        keys
    }
}

impl Sink for Recorder {
    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        let refused = self
            .refuse
            .as_ref()
            .and_then(|rule| rule(&channel.address, &message));
        let address = channel.address.to_string();
        let published = self.published.clone();
        let delay = self.delay;
        async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if let Some(e) = refused {
                return Err(e);
            }
            published.lock().unwrap().push((address, message));
            Ok(())
        }
    }
}

/// Waits until `done` holds, at most `limit`; panics with `what` otherwise.
pub async fn until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Commits one message per transaction: `payload` on `channel` with `key`.
pub async fn commit(store: &Store, channel: &Channel, key: Option<&str>, payload: &str) -> Message {
    let mut message = Message::new("test.Event", payload.to_owned());
    if let Some(key) = key {
        message = message.with_key(key);
    }
    let mut tx = store.begin().await.unwrap();
    tx.publish(channel, &message).await.unwrap();
    tx.commit().await.unwrap();
    message
}

/// Waits until the relay has marked every published row (nothing pending), at most `limit`.
pub async fn drained(store: &Store, limit: Duration) {
    let started = Instant::now();
    while store.outbox_stats().await.unwrap().pending > 0 {
        assert!(
            started.elapsed() < limit,
            "timed out waiting for the outbox to drain"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A sink in a file, one line per publish (`message_id key payload`), for a relay in a child
/// process the test kills: the lines written before the kill stay in the file.
pub struct FileSink {
    file: Mutex<std::fs::File>,
    delay: Duration,
}

impl FileSink {
    pub fn new(path: std::path::PathBuf, delay: Duration) -> Self {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        FileSink {
            file: Mutex::new(file),
            delay,
        }
    }

    /// The messages in the file (a line cut by the kill is left out).
    pub fn read(path: &std::path::Path) -> Vec<Message> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .map(|line| {
                let mut parts = line.trim_end().splitn(3, ' ');
                let (id, key, payload) = (
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                );
                let mut message = Message::new("test.Event", payload.to_owned()).with_key(key);
                message.message_id = id.to_owned();
                message
            })
            .collect()
    }
}

impl Sink for FileSink {
    async fn publish(&self, _: &Channel, message: Message) -> Result<(), BrokerError> {
        tokio::time::sleep(self.delay).await;
        use std::io::Write as _;
        let line = format!(
            "{} {} {}\n",
            message.message_id,
            message.key.as_deref().unwrap_or("-"),
            String::from_utf8_lossy(&message.payload)
        );
        self.file
            .lock()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        Ok(())
    }
}
