//! The in-process registry: the default for tests and single-process deployments.

use super::{Instance, Registration, Registry, RegistryError, View, prefix_of};
use futures::future::{self, BoxFuture};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch};

/// Instances registered in this process, watched by proxies in this process. Cheap to clone;
/// clones share the instances.
#[derive(Debug, Clone, Default)]
pub struct MemoryRegistry {
    services: Arc<Mutex<HashMap<String, Listing>>>,
}

/// One service's instances, and whoever watches them.
type Listing = watch::Sender<Arc<[Instance]>>;

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The list of `service`, made on first use.
    fn sender(&self, service: &str) -> Listing {
        let mut services = self.services.lock().unwrap_or_else(|e| e.into_inner());
        services
            .entry(service.to_owned())
            .or_insert_with(|| watch::channel(Arc::from(Vec::new())).0)
            .clone()
    }
}

impl Registry for MemoryRegistry {
    fn register(
        &self,
        service: &str,
        instance: Instance,
    ) -> BoxFuture<'static, Result<Registration, RegistryError>> {
        if let Err(e) = prefix_of(service).and_then(|_| super::key_of(service, &instance.id)) {
            return Box::pin(future::ready(Err(RegistryError(e.0))));
        }
        let sender = self.sender(service);
        let id = instance.id.clone();
        sender.send_modify(|list| *list = replaced(list, Some(instance), &id));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _ = stopped.await;
            sender.send_modify(|list| *list = replaced(list, None, &id));
        });
        let kept = Arc::new(std::sync::atomic::AtomicBool::new(true));
        Box::pin(future::ready(Ok(Registration::new(stop, task, kept))))
    }

    fn watch(&self, service: &str) -> BoxFuture<'static, Result<View, RegistryError>> {
        let view = prefix_of(service)
            .map(|_| self.sender(service).subscribe())
            .map_err(|e| RegistryError(e.0));
        Box::pin(future::ready(view))
    }
}

/// `list` without the instance `id`, with `instance` added when given.
fn replaced(list: &[Instance], instance: Option<Instance>, id: &str) -> Arc<[Instance]> {
    let kept = list.iter().filter(|i| i.id != id).cloned();
    kept.chain(instance).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn registrations_show_in_the_watch_until_withdrawn_or_dropped() {
        let registry = MemoryRegistry::new();
        let mut view = registry.watch("s.S").await.unwrap();
        assert!(view.borrow().is_empty());
        let a = registry
            .register("s.S", Instance::rest("a", "http://a"))
            .await
            .unwrap();
        let b = registry
            .register("s.S", Instance::rest("b", "http://b"))
            .await
            .unwrap();
        let ids = |v: &mut View| {
            v.borrow_and_update()
                .iter()
                .map(|i| i.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&mut view), ["a", "b"]);
        a.withdraw().await;
        assert_eq!(ids(&mut view), ["b"]);
        drop(b);
        view.changed().await.unwrap();
        assert!(ids(&mut view).is_empty());
        let bad = registry
            .register("a/b", Instance::rest("a", "http://a"))
            .await;
        assert!(bad.is_err());
    }
}
