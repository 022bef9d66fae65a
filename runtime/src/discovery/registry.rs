//! The registry seam: register an instance, watch a service's instances.

use super::Instance;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// A live view of a service's instances: the current list, and a signal when it changes.
pub type View = watch::Receiver<Arc<[Instance]>>;

/// Where instances register and clients find them.
pub trait Registry: Send + Sync + std::fmt::Debug + 'static {
    /// Registers `instance` of `service` (a qualified name) until the [`Registration`] is
    /// withdrawn or dropped; kept alive meanwhile (heartbeats, and registering again after
    /// the registry lost it).
    fn register(
        &self,
        service: &str,
        instance: Instance,
    ) -> BoxFuture<'static, Result<Registration, RegistryError>>;

    /// The instances of `service`, kept current until every receiver is dropped. While the
    /// registry cannot be reached the last list known stays.
    fn watch(&self, service: &str) -> BoxFuture<'static, Result<View, RegistryError>>;
}

/// A registry could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError(pub String);

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegistryError {}

/// One instance registered: kept alive by a task until withdrawn. Dropping it withdraws too,
/// without waiting (the task deletes the registration in the background).
#[derive(Debug)]
pub struct Registration {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    kept: Arc<AtomicBool>,
}

impl Registration {
    /// A registration kept by `task`, which withdraws it when `stop` fires (or is dropped) and
    /// says in `kept` whether the registry holds it now (its last heartbeat or registration
    /// went through).
    pub fn new(
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
        kept: Arc<AtomicBool>,
    ) -> Registration {
        Registration {
            stop: Some(stop),
            task: Some(task),
            kept,
        }
    }

    /// Whether the registry holds the registration now, as its last heartbeat said.
    pub fn is_kept(&self) -> bool {
        self.kept.load(Ordering::Acquire)
    }

    /// A readiness check (`accord::health`): down while the registry cannot be reached or has
    /// lost the registration (callers that know the instance still reach it; new ones do not
    /// find it).
    pub fn check(&self) -> impl crate::health::Check + use<> {
        KeptCheck(Arc::clone(&self.kept))
    }

    /// Withdraws the instance and waits (at most 2 s) until the registry has forgotten it:
    /// call it on graceful shutdown, before the servers stop.
    pub async fn withdraw(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }

    /// Whether its task is still keeping it (false once withdrawn, or if the task ended).
    pub fn is_active(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }
}

struct KeptCheck(Arc<AtomicBool>);

impl crate::health::Check for KeptCheck {
    fn check(&self) -> futures::future::BoxFuture<'_, crate::health::Status> {
        let status = if self.0.load(Ordering::Acquire) {
            crate::health::Status::Up
        } else {
            crate::health::Status::Down("not registered")
        };
        Box::pin(futures::future::ready(status))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
