//! etcd as the registry, over etcd v3's JSON gateway (`/v3/kv/put`, `/v3/kv/range`,
//! `/v3/lease/grant`, `/v3/lease/keepalive`, `/v3/lease/revoke`, `/v3/watch`; keys and values
//! base64) with the HTTP client the runtime already has. The `etcd-client` crate would bring
//! a second HTTP/2 stack and run protoc in every user's build.
//!
//! A registration is a key on a lease (TTL 10 s by default) kept alive by a heartbeat every
//! third of the TTL; a process that dies stops the heartbeat and etcd deletes the key when the
//! lease expires. When etcd no longer knows the lease (it was restarted without its data, or
//! the lease expired while it could not be reached) the instance registers again. A watch is a
//! range (the list now and its revision) followed by the gateway's streamed events from the
//! next revision on; when the stream breaks the watch starts again from a new range.

use super::{Instance, Registration, Registry, RegistryError, View, key_of, prefix_of};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::StreamExt as _;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// The registry's settings.
#[derive(Debug, Clone, Copy)]
pub struct EtcdConfig {
    /// The lease of each registration: how long a dead instance stays listed.
    pub ttl: Duration,
    /// The bound on one request to etcd.
    pub request_timeout: Duration,
    /// The pause before trying again after etcd could not be reached.
    pub retry: Duration,
}

impl Default for EtcdConfig {
    /// A 10 s lease, 3 s per request, 1 s between tries.
    fn default() -> Self {
        EtcdConfig {
            ttl: Duration::from_secs(10),
            request_timeout: Duration::from_secs(3),
            retry: Duration::from_secs(1),
        }
    }
}

/// The largest answer read from etcd (a range of a service's instances).
const MAX_ANSWER: usize = 4 << 20;

/// etcd's JSON gateway at one endpoint. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EtcdRegistry {
    inner: Arc<Gateway>,
}

#[derive(Debug)]
struct Gateway {
    base: reqwest::Url,
    http: reqwest::Client,
    config: EtcdConfig,
}

impl EtcdRegistry {
    /// The registry at `etcd://host:port` (or `http://host:port`) with the default settings.
    pub fn new(url: &str) -> Result<EtcdRegistry, RegistryError> {
        Self::with_config(url, EtcdConfig::default())
    }

    /// The registry at `url` with `config`.
    pub fn with_config(url: &str, config: EtcdConfig) -> Result<EtcdRegistry, RegistryError> {
        let bad = |why: &str| RegistryError(format!("etcd URL {url:?}: {why}"));
        let http_url = match url.strip_prefix("etcd://") {
            Some(rest) => format!("http://{rest}"),
            None => url.to_owned(),
        };
        let base = reqwest::Url::parse(&http_url).map_err(|e| bad(&e.to_string()))?;
        if base.scheme() != "http" || base.host().is_none() || base.path() != "/" {
            return Err(bad("expected etcd://host:port"));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(EtcdRegistry {
            inner: Arc::new(Gateway { base, http, config }),
        })
    }
}

impl Registry for EtcdRegistry {
    fn register(
        &self,
        service: &str,
        instance: Instance,
    ) -> BoxFuture<'static, Result<Registration, RegistryError>> {
        let gateway = Arc::clone(&self.inner);
        let key = key_of(service, &instance.id).map_err(|e| RegistryError(e.0));
        Box::pin(async move {
            let key = key?;
            let value = instance.to_json();
            let lease = gateway.put_on_new_lease(&key, &value).await?;
            let (stop, stopped) = oneshot::channel();
            let kept = Arc::new(AtomicBool::new(true));
            let keeping = Kept {
                key,
                value,
                lease,
                kept: Arc::clone(&kept),
            };
            let task = tokio::spawn(keep_alive(gateway, keeping, stopped));
            Ok(Registration::new(stop, task, kept))
        })
    }

    fn watch(&self, service: &str) -> BoxFuture<'static, Result<View, RegistryError>> {
        let gateway = Arc::clone(&self.inner);
        let prefix = prefix_of(service).map_err(|e| RegistryError(e.0));
        Box::pin(async move {
            let prefix = prefix?;
            // The first range here, so that an unreachable etcd is the caller's error.
            let (revision, known) = gateway.range(&prefix).await?;
            let (sender, receiver) = watch::channel(listed(&known));
            tokio::spawn(follow(gateway, prefix, sender, revision, known));
            Ok(receiver)
        })
    }
}

/// One registration as its heartbeat keeps it.
struct Kept {
    key: String,
    value: Vec<u8>,
    lease: String,
    /// Whether etcd holds it, as the last heartbeat said.
    kept: Arc<AtomicBool>,
}

/// Heartbeats until `stopped`, registering again whenever etcd has lost the lease; then
/// revokes the lease, which deletes the key.
async fn keep_alive(gateway: Arc<Gateway>, keeping: Kept, mut stopped: oneshot::Receiver<()>) {
    let Kept {
        key,
        value,
        mut lease,
        kept,
    } = keeping;
    let beat = gateway.config.ttl / 3;
    let mut pause = beat;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            () = tokio::time::sleep(pause) => {}
        }
        let alive = match gateway.keep_lease(&lease).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                tracing::warn!(%key, "etcd lost the registration's lease: registering again");
                gateway
                    .put_on_new_lease(&key, &value)
                    .await
                    .map(|new| lease = new)
            }
            Err(e) => Err(e),
        };
        kept.store(alive.is_ok(), Ordering::Release);
        pause = match alive {
            Ok(()) => beat,
            Err(e) => {
                tracing::warn!(%key, "keeping the registration: {e}");
                gateway.config.retry.min(beat)
            }
        };
    }
    if let Err(e) = gateway.revoke(&lease).await {
        tracing::warn!(%key, "withdrawing the registration: {e}");
    }
}

/// Keeps `sender`'s list current until every receiver is gone: watch from `revision` on,
/// and start again from a fresh range when the stream breaks.
async fn follow(
    gateway: Arc<Gateway>,
    prefix: String,
    sender: watch::Sender<Arc<[Instance]>>,
    mut revision: i64,
    mut known: BTreeMap<String, Instance>,
) {
    loop {
        tokio::select! {
            () = sender.closed() => return,
            broken = gateway.watch_from(&prefix, revision, &mut known, &sender) => {
                tracing::debug!(%prefix, "etcd watch ended: {}", broken.0);
            }
        }
        tokio::select! {
            () = sender.closed() => return,
            () = tokio::time::sleep(gateway.config.retry) => {}
        }
        match gateway.range(&prefix).await {
            Ok((now, listed_now)) => {
                (revision, known) = (now, listed_now);
                publish(&sender, &known);
            }
            Err(e) => tracing::debug!(%prefix, "etcd range: {e}"),
        }
    }
}

fn listed(known: &BTreeMap<String, Instance>) -> Arc<[Instance]> {
    known.values().cloned().collect()
}

fn publish(sender: &watch::Sender<Arc<[Instance]>>, known: &BTreeMap<String, Instance>) {
    let list = listed(known);
    sender.send_if_modified(|current| {
        let changed = **current != *list;
        if changed {
            *current = list;
        }
        changed
    });
}

impl Gateway {
    /// POSTs `body` to the gateway's `path` and reads its JSON answer (an `error` member is a
    /// failure).
    async fn post(&self, path: &str, body: Value) -> Result<Value, RegistryError> {
        let failed = |why: String| RegistryError(format!("etcd at {}: {path}: {why}", self.base));
        let url = self.base.join(path).map_err(|e| failed(e.to_string()))?;
        let call = async {
            let response = self.http.post(url).json(&body).send().await?;
            let status = response.status();
            let bytes = bounded(response).await?;
            Ok::<_, reqwest::Error>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.config.request_timeout, call)
            .await
            .map_err(|_| failed("no answer in time".into()))?
            .map_err(|e| failed(without_url(e)))?;
        let bytes = bytes.ok_or_else(|| failed("answer too large".into()))?;
        let answer: Value =
            serde_json::from_slice(&bytes).map_err(|e| failed(format!("not JSON: {e}")))?;
        if let Some(error) = answer.get("error").or(answer.get("message")) {
            return Err(failed(error.as_str().unwrap_or("error").to_owned()));
        }
        if !status.is_success() {
            return Err(failed(format!("status {status}")));
        }
        Ok(answer)
    }

    async fn put_on_new_lease(&self, key: &str, value: &[u8]) -> Result<String, RegistryError> {
        let ttl = self.config.ttl.as_secs().max(1);
        let granted = self.post("v3/lease/grant", json!({ "TTL": ttl })).await?;
        let lease = granted["ID"]
            .as_str()
            .ok_or_else(|| RegistryError("etcd granted no lease id".into()))?
            .to_owned();
        let put =
            json!({ "key": BASE64.encode(key), "value": BASE64.encode(value), "lease": lease });
        self.post("v3/kv/put", put).await?;
        Ok(lease)
    }

    /// Renews `lease`: `false` when etcd no longer knows it.
    async fn keep_lease(&self, lease: &str) -> Result<bool, RegistryError> {
        let kept = self
            .post("v3/lease/keepalive", json!({ "ID": lease }))
            .await?;
        let ttl = kept["result"]["TTL"]
            .as_str()
            .and_then(|t| t.parse::<i64>().ok());
        Ok(ttl.is_some_and(|t| t > 0))
    }

    async fn revoke(&self, lease: &str) -> Result<(), RegistryError> {
        self.post("v3/lease/revoke", json!({ "ID": lease }))
            .await
            .map(drop)
    }

    /// The instances under `prefix` now, by key, and the revision they are at.
    async fn range(
        &self,
        prefix: &str,
    ) -> Result<(i64, BTreeMap<String, Instance>), RegistryError> {
        let answer = self.post("v3/kv/range", range_of(prefix)).await?;
        let revision = answer["header"]["revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| RegistryError("etcd's range has no revision".into()))?;
        let mut known = BTreeMap::new();
        for kv in answer["kvs"].as_array().into_iter().flatten() {
            if let Some((key, instance)) = instance_of(kv) {
                known.insert(key, instance);
            }
        }
        Ok((revision, known))
    }

    /// Streams the changes under `prefix` after `revision` into `known` and `sender`; returns
    /// why it stopped (it never ends well: etcd went away, or the revision was compacted).
    async fn watch_from(
        &self,
        prefix: &str,
        revision: i64,
        known: &mut BTreeMap<String, Instance>,
        sender: &watch::Sender<Arc<[Instance]>>,
    ) -> RegistryError {
        let mut create = range_of(prefix);
        create["start_revision"] = json!((revision + 1).to_string());
        let body = json!({ "create_request": create });
        let url = match self.base.join("v3/watch") {
            Ok(url) => url,
            Err(e) => return RegistryError(e.to_string()),
        };
        let response = match self.http.post(url).json(&body).send().await {
            Ok(response) => response,
            Err(e) => return RegistryError(without_url(e)),
        };
        let mut chunks = response.bytes_stream();
        let mut line = Vec::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => return RegistryError(without_url(e)),
            };
            for &byte in chunk.iter() {
                if byte != b'\n' {
                    line.push(byte);
                    if line.len() > MAX_ANSWER {
                        return RegistryError("a watch event too large".into());
                    }
                    continue;
                }
                if let Err(e) = apply(&line, known) {
                    return e;
                }
                line.clear();
                publish(sender, known);
            }
        }
        RegistryError("the watch stream ended".into())
    }
}

/// One line of the watch stream applied to `known`.
fn apply(line: &[u8], known: &mut BTreeMap<String, Instance>) -> Result<(), RegistryError> {
    let message: Value = serde_json::from_slice(line)
        .map_err(|e| RegistryError(format!("a watch line that is not JSON: {e}")))?;
    if let Some(error) = message.get("error") {
        return Err(RegistryError(format!("watch: {error}")));
    }
    let result = &message["result"];
    if result["canceled"] == json!(true) || result.get("compact_revision").is_some() {
        return Err(RegistryError("the watch was cancelled or compacted".into()));
    }
    for event in result["events"].as_array().into_iter().flatten() {
        let kv = &event["kv"];
        let Some(key) = text_of(&kv["key"]) else {
            continue;
        };
        if event["type"] == json!("DELETE") {
            known.remove(&key);
        } else if let Some((key, instance)) = instance_of(kv) {
            known.insert(key, instance);
        }
    }
    Ok(())
}

/// A range request over every key under `prefix`.
fn range_of(prefix: &str) -> Value {
    // The end of a prefix range: the prefix with its last byte plus one (`/` + 1 is `0`).
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    json!({ "key": BASE64.encode(prefix), "range_end": BASE64.encode(end) })
}

fn text_of(encoded: &Value) -> Option<String> {
    let bytes = BASE64.decode(encoded.as_str()?).ok()?;
    String::from_utf8(bytes).ok()
}

/// A key and its instance; whatever does not read as one is left out (and logged): the
/// registry is shared and is not trusted.
fn instance_of(kv: &Value) -> Option<(String, Instance)> {
    let key = text_of(&kv["key"])?;
    let value = BASE64.decode(kv["value"].as_str()?).ok()?;
    match Instance::from_json(&value) {
        Ok(instance) if key.ends_with(&format!("/{}", instance.id)) => Some((key, instance)),
        Ok(_) => {
            tracing::warn!(%key, "an instance registered under another instance's key: left out");
            None
        }
        Err(e) => {
            tracing::warn!(%key, "left out: {e}");
            None
        }
    }
}

/// A response's body, `None` past [`MAX_ANSWER`].
async fn bounded(response: reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > MAX_ANSWER {
            return Ok(None);
        }
    }
    Ok(Some(body))
}

/// reqwest's error and its causes, without the URL (which names only the gateway, said once
/// already).
fn without_url(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        message = format!("{message}: {e}");
        source = e.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_or_refused() {
        assert!(EtcdRegistry::new("etcd://127.0.0.1:2379").is_ok());
        assert!(EtcdRegistry::new("http://127.0.0.1:2379").is_ok());
        assert!(EtcdRegistry::new("etcd://127.0.0.1:2379/x").is_err());
        assert!(EtcdRegistry::new("https://127.0.0.1:2379").is_err());
    }

    #[test]
    fn a_prefix_range_ends_after_the_prefix() {
        let range = range_of("/accord/services/s.S/");
        let end = BASE64.decode(range["range_end"].as_str().unwrap()).unwrap();
        assert_eq!(end, b"/accord/services/s.S0");
    }

    #[test]
    fn watch_lines_put_and_delete_instances() {
        let mut known = BTreeMap::new();
        let key = BASE64.encode("/accord/services/s.S/a");
        let value = BASE64.encode(Instance::rest("a", "http://a").to_json());
        let put = json!({"result":{"events":[{"kv":{"key":key,"value":value}}]}});
        apply(put.to_string().as_bytes(), &mut known).unwrap();
        assert_eq!(known.len(), 1);
        let foreign = BASE64.encode(Instance::rest("b", "http://b").to_json());
        let wrong = json!({"result":{"events":[{"kv":{"key":key,"value":foreign}}]}});
        apply(wrong.to_string().as_bytes(), &mut known).unwrap();
        assert_eq!(
            known.values().next().unwrap().id,
            "a",
            "b under a's key is refused"
        );
        let delete = json!({"result":{"events":[{"type":"DELETE","kv":{"key":key}}]}});
        apply(delete.to_string().as_bytes(), &mut known).unwrap();
        assert!(known.is_empty());
        let compacted = json!({"result":{"compact_revision":"5"}});
        assert!(apply(compacted.to_string().as_bytes(), &mut known).is_err());
    }
}
