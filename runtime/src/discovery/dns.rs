//! `dns://name:port` endpoints: the platform's server-side discovery (a Kubernetes headless
//! service, Consul's DNS interface). A name is resolved to its A and AAAA records, each an
//! endpoint on `port`; a name starting with `_` (`_http._tcp.consumers.svc`) to its SRV
//! records, each target's addresses on the record's port. The list is resolved again when
//! its TTL runs out (at least 1 s, at most 5 min later); while resolution fails the last list
//! stays. `dns://server:53/name:port` (gRPC's form, RFC 4501's authority) asks that server
//! instead of the system's.

use super::endpoint::{Endpoint, Endpoints, SourceError};
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::{ResolveError, TokioResolver};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The shortest and longest wait before resolving again, whatever the TTL says.
const MIN_REFRESH: Duration = Duration::from_secs(1);
const MAX_REFRESH: Duration = Duration::from_secs(300);

/// A name to resolve, its port, and which server to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsName {
    host: String,
    port: u16,
    server: Option<SocketAddr>,
}

impl DnsName {
    /// Reads what follows `dns://`: `name:port`, `/name:port` or `server:port/name:port`.
    pub fn parse(rest: &str) -> Result<DnsName, SourceError> {
        let bad = |why: &str| SourceError(format!("dns://{rest}: {why}"));
        let (server, target) = match rest.split_once('/') {
            None => (None, rest),
            Some(("", target)) => (None, target),
            Some((server, target)) => {
                let server: SocketAddr = server
                    .parse()
                    .map_err(|_| bad("the DNS server must be ip:port"))?;
                (Some(server), target)
            }
        };
        let (host, port) = target
            .rsplit_once(':')
            .ok_or_else(|| bad("expected name:port"))?;
        let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Err(bad("the name is not a DNS name"));
        }
        Ok(DnsName {
            host: host.to_owned(),
            port,
            server,
        })
    }

    fn resolver(&self) -> Result<TokioResolver, SourceError> {
        let provider = TokioConnectionProvider::default();
        let mut builder = match self.server {
            Some(server) => {
                let servers =
                    NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
                let config = ResolverConfig::from_parts(None, Vec::new(), servers);
                TokioResolver::builder_with_config(config, provider)
            }
            None => TokioResolver::builder(provider)
                .map_err(|e| SourceError(format!("the system's DNS settings: {e}")))?,
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = Duration::from_secs(2);
        options.attempts = 2;
        Ok(builder.build())
    }

    /// The endpoints the name resolves to, resolved again on their TTL by a task that ends
    /// when every receiver is dropped. The first resolution happens here: a name that cannot
    /// be resolved at all is the caller's error.
    pub async fn watch(&self) -> Result<Endpoints, SourceError> {
        let resolver = self.resolver()?;
        let (first, valid_until) = self
            .resolve(&resolver)
            .await
            .map_err(|e| SourceError(format!("dns://{}:{}: {e}", self.host, self.port)))?;
        let (sender, receiver) = watch::channel(first);
        let name = self.clone();
        tokio::spawn(async move { name.follow(resolver, sender, valid_until).await });
        Ok(receiver)
    }

    async fn follow(
        self,
        resolver: TokioResolver,
        sender: watch::Sender<Arc<[Endpoint]>>,
        mut valid_until: Instant,
    ) {
        loop {
            let wait = valid_until
                .saturating_duration_since(Instant::now())
                .clamp(MIN_REFRESH, MAX_REFRESH);
            tokio::select! {
                () = sender.closed() => return,
                () = tokio::time::sleep(wait) => {}
            }
            match self.resolve(&resolver).await {
                Ok((list, until)) => {
                    valid_until = until;
                    sender.send_if_modified(|current| {
                        let changed = **current != *list;
                        if changed {
                            *current = list;
                        }
                        changed
                    });
                }
                Err(e) => {
                    tracing::warn!(name = %self.host, "resolving again: {e}");
                    valid_until = Instant::now();
                }
            }
        }
    }

    /// The endpoints now and until when they hold. A name that exists without records has no
    /// endpoints (every instance gone); other failures are errors.
    async fn resolve(
        &self,
        resolver: &TokioResolver,
    ) -> Result<(Arc<[Endpoint]>, Instant), ResolveError> {
        let found = if self.host.starts_with('_') {
            self.resolve_srv(resolver).await
        } else {
            let lookup = resolver.lookup_ip(self.fqdn(&self.host)).await;
            lookup.map(|ips| {
                let urls = ips.iter().map(|ip| url_of(ip, self.port)).collect();
                (urls, ips.valid_until())
            })
        };
        let (mut urls, until): (Vec<String>, Instant) = match found {
            Ok(found) => found,
            Err(e) if e.is_no_records_found() => (Vec::new(), Instant::now() + MIN_REFRESH),
            Err(e) => return Err(e),
        };
        // A stable order: a pool keeps members by URL whatever order the answer came in.
        urls.sort();
        urls.dedup();
        let endpoints = urls.iter().map(|u| Endpoint::of_url(u)).collect();
        Ok((endpoints, until))
    }

    async fn resolve_srv(
        &self,
        resolver: &TokioResolver,
    ) -> Result<(Vec<String>, Instant), ResolveError> {
        let records = resolver.srv_lookup(self.fqdn(&self.host)).await?;
        let mut until = records.as_lookup().valid_until();
        let mut urls = Vec::new();
        for record in records.iter() {
            let target = record.target().to_ascii();
            let ips = resolver.lookup_ip(target).await?;
            until = until.min(ips.valid_until());
            urls.extend(ips.iter().map(|ip| url_of(ip, record.port())));
        }
        Ok((urls, until))
    }

    /// The name as asked: fully qualified, so no search domain is tried.
    fn fqdn(&self, host: &str) -> String {
        if host.ends_with('.') {
            host.to_owned()
        } else {
            format!("{host}.")
        }
    }
}

fn url_of(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_servers_and_ports_are_read_or_refused() {
        let plain = DnsName::parse("consumers.svc:8080").unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.server),
            ("consumers.svc", 8080, None)
        );
        let srv = DnsName::parse("/_http._tcp.consumers:0").unwrap();
        assert_eq!(srv.host, "_http._tcp.consumers");
        let asked = DnsName::parse("127.0.0.1:5353/consumers:8080").unwrap();
        assert_eq!(asked.server, Some("127.0.0.1:5353".parse().unwrap()));
        for bad in ["consumers", "consumers:x", "host:53/c:1", ":80", "a b:80"] {
            assert!(DnsName::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(url_of("::1".parse().unwrap(), 80), "http://[::1]:80");
    }
}
