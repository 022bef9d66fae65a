//! Where a proxy finds its endpoints: [`Source`], and the live list it gives.

use super::endpoint::{Endpoint, Endpoints, SourceError};
use super::{Instance, Registry, RegistryError};
use std::sync::Arc;
use tokio::sync::watch;

/// Where a proxy's endpoints come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Fixed URLs (`http://a:8080` or `http://a:8080,http://b:8080`).
    Static(Vec<String>),
    /// `dns://name:port`: the addresses `name` resolves to (A/AAAA; SRV records when `name`
    /// starts with `_`, their own ports then), re-resolved when their TTL runs out. The
    /// platform's server-side discovery (a Kubernetes headless service, Consul's DNS).
    #[cfg(feature = "dns")]
    Dns(super::dns::DnsName),
    /// The instances registered in a registry (client-side discovery).
    Registry(Arc<dyn Registry>),
}

impl From<RegistryError> for SourceError {
    fn from(e: RegistryError) -> Self {
        SourceError(e.0)
    }
}

impl Source {
    /// Reads a proxy's endpoint setting: `http(s)://…` (a comma-separated list for several),
    /// `dns://name:port` (feature `dns`) or `etcd://host:port` (feature `rest`).
    pub fn parse(spec: &str) -> Result<Source, SourceError> {
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("dns://") {
            return dns(rest);
        }
        if spec.starts_with("etcd://") {
            return etcd(spec);
        }
        let urls: Vec<String> = spec.split(',').map(|u| u.trim().to_owned()).collect();
        if urls
            .iter()
            .any(|u| !(u.starts_with("http://") || u.starts_with("https://")))
        {
            return Err(SourceError(format!(
                "{spec:?}: expected http(s)://host:port (a comma-separated list for several), \
                 dns://name:port or etcd://host:port"
            )));
        }
        Ok(Source::Static(urls))
    }

    /// The base URL of a static source with one URL (links to the service can point there).
    pub fn single_url(&self) -> Option<&str> {
        match self {
            Source::Static(urls) if urls.len() == 1 => Some(&urls[0]),
            _ => None,
        }
    }

    /// The endpoints of `service` for `transport` (`rest`, `grpc`), kept current by a task on
    /// the current tokio runtime until every receiver is dropped. For a registry, only the
    /// instances that have a URL for `transport`.
    pub async fn watch(&self, service: &str, transport: &str) -> Result<Endpoints, SourceError> {
        match self {
            Source::Static(urls) => {
                let list: Vec<Endpoint> = urls.iter().map(|u| Endpoint::of_url(u)).collect();
                // The sender goes at once: a static list never changes.
                Ok(watch::channel(Arc::from(list)).1)
            }
            #[cfg(feature = "dns")]
            Source::Dns(name) => name.watch().await,
            Source::Registry(registry) => {
                let view = registry.watch(service).await?;
                Ok(from_view(view, transport.to_owned()))
            }
        }
    }
}

#[cfg(feature = "dns")]
fn dns(rest: &str) -> Result<Source, SourceError> {
    super::dns::DnsName::parse(rest).map(Source::Dns)
}

#[cfg(not(feature = "dns"))]
fn dns(_: &str) -> Result<Source, SourceError> {
    Err(SourceError(
        "dns:// endpoints need the runtime's `dns` feature".into(),
    ))
}

#[cfg(feature = "rest")]
fn etcd(spec: &str) -> Result<Source, SourceError> {
    let registry = super::EtcdRegistry::new(spec).map_err(|e| SourceError(e.0))?;
    Ok(Source::Registry(Arc::new(registry)))
}

#[cfg(not(feature = "rest"))]
fn etcd(_: &str) -> Result<Source, SourceError> {
    Err(SourceError(
        "etcd:// endpoints need the runtime's `rest` feature (its HTTP client)".into(),
    ))
}

/// The endpoints for `transport` of a registry's view, following it.
fn from_view(mut view: super::View, transport: String) -> Endpoints {
    let endpoints = move |instances: &[Instance]| -> Arc<[Endpoint]> {
        let with_url = instances.iter().filter_map(|i| {
            let url = i.url(&transport)?;
            Some(Endpoint {
                id: i.id.clone(),
                url: url.to_owned(),
            })
        });
        with_url.collect()
    };
    let first = endpoints(&view.borrow_and_update());
    let (sender, receiver) = watch::channel(first);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = view.changed() => if changed.is_err() { return },
                () = sender.closed() => return,
            }
            let list = endpoints(&view.borrow_and_update());
            if sender.send(list).is_err() {
                return;
            }
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::MemoryRegistry;

    #[test]
    fn specs_are_read_or_refused_clearly() {
        let one = Source::parse("http://a:8080").unwrap();
        assert_eq!(one.single_url(), Some("http://a:8080"));
        let two = Source::parse("http://a:1, https://b:2").unwrap();
        assert!(matches!(two, Source::Static(ref urls) if urls.len() == 2));
        let bad = Source::parse("ftp://a").unwrap_err();
        assert!(bad.0.contains("dns://name:port"), "{bad}");
        assert!(Source::parse("http://a,").is_err());
    }

    #[tokio::test]
    async fn a_registry_source_follows_its_instances_for_one_transport() {
        let registry = MemoryRegistry::new();
        let source = Source::Registry(Arc::new(registry.clone()));
        let mut endpoints = source.watch("s.S", "grpc").await.unwrap();
        assert!(endpoints.borrow_and_update().is_empty());
        let rest_only = registry
            .register("s.S", Instance::rest("a", "http://a"))
            .await
            .unwrap();
        let both = Instance::rest("b", "http://b").with_url("grpc", "http://b:9");
        let _b = registry.register("s.S", both).await.unwrap();
        let want = [Endpoint {
            id: "b".into(),
            url: "http://b:9".into(),
        }];
        let got = tokio::time::timeout(std::time::Duration::from_secs(1), async {
            loop {
                endpoints.changed().await.unwrap();
                let now = endpoints.borrow_and_update().to_vec();
                if !now.is_empty() {
                    return now;
                }
            }
        });
        assert_eq!(got.await.unwrap(), want);
        drop(rest_only);
    }
}
