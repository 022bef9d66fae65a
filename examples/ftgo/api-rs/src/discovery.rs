//! Service discovery for the FTGO binaries: `--register etcd://HOST:PORT` (with `--advertise
//! URL`, default the listen address) registers the instance under
//! `/accord/services/<qualified service name>/<instance id>` until it stops, and a proxy's
//! setting (`--consumer-service`) may be a URL, `dns://name:port` or `etcd://host:port`.

use accord::discovery::{EtcdRegistry, Instance, Registration, Registry, Source};
use accord::metrics::Metrics;
use accord::rest::client::RestClient;
use accord::{ProxyConfig, Shutdown};
use std::net::SocketAddr;

/// Registers this instance of `service` in the registry `register` names (`etcd://host:port`),
/// published at `advertise` (else `http://<bound>`), with `version`. The registration lasts
/// until withdrawn (see [`withdrawn_on_signals`]) or the process dies (then its lease expires).
pub async fn register(
    register: &str,
    advertise: Option<&str>,
    bound: SocketAddr,
    service: &str,
    version: &str,
) -> Result<Registration, String> {
    if !register.starts_with("etcd://") {
        return Err(format!("--register {register}: expected etcd://host:port"));
    }
    let registry =
        EtcdRegistry::new(register).map_err(|e| format!("--register {register}: {e}"))?;
    let url = match advertise {
        Some(url) => checked_url(url)?,
        None => format!("http://{bound}"),
    };
    // The advertised address is unique among live instances; the pid tells restarts apart.
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or(&url)
        .trim_end_matches('/');
    let id = format!("{}-{}", authority.replace('/', "_"), std::process::id());
    let instance = Instance::rest(id, url).with_version(version);
    registry
        .register(service, instance)
        .await
        .map_err(|e| format!("cannot register in {register}: {e}"))
}

fn checked_url(url: &str) -> Result<String, String> {
    let valid = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "http://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(url.trim_end_matches('/').to_owned())
    } else {
        Err(format!("--advertise {url}: expected http(s)://host:port"))
    }
}

/// Stops on SIGTERM or SIGINT, withdrawing `registration` first: callers stop choosing this
/// instance before it drains its calls.
pub fn withdrawn_on_signals(registration: Option<Registration>) -> Shutdown {
    Shutdown::on(async move {
        Shutdown::on_signals().signalled().await;
        if let Some(registration) = registration {
            registration.withdraw().await;
        }
    })
}

/// A REST client of `service` at `spec` (a URL, several comma-separated, `dns://name:port` or
/// `etcd://host:port`), balanced over its instances, its calls and breakers counted in
/// `metrics`.
pub async fn rest_client(
    spec: &str,
    service: &str,
    metrics: Metrics,
) -> Result<RestClient, String> {
    let config = ProxyConfig {
        metrics: Some(metrics),
        ..ProxyConfig::default()
    };
    let source = Source::parse(spec).map_err(|e| e.to_string())?;
    RestClient::builder("")
        .source(source)
        .service(service)
        .config(config)
        .discover()
        .await
        .map_err(|e| e.to_string())
}

/// The URL of a setting that names one URL (links can point there).
pub fn single_url(spec: &str) -> Option<&str> {
    let one = !spec.contains(',') && (spec.starts_with("http://") || spec.starts_with("https://"));
    one.then_some(spec)
}
