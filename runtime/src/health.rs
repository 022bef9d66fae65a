//! Liveness and readiness: a registry of named checks that a service or the runtime fills in,
//! read by the REST routes `/health/live` and `/health/ready` (`docs/wire.md`, "Health") and
//! by the gRPC health service.
//!
//! ```ignore
//! let health = Health::new();
//! health.register("broker", broker.clone());          // a `Broker` is a check
//! health.register_fn("database", move || pool.is_up()); // any probe
//! let ready = health.readiness().await;               // every check, each bounded in time
//! ```
//!
//! Liveness needs no check: a process that answers is live. Readiness is the conjunction of
//! the checks: one dependency down and the instance should get no traffic. A check reports
//! [`Status::Up`] or [`Status::Down`] with a short reason of its own words; the answer carries
//! only the check's name and that state, never an address, credential or error text of a
//! dependency (the routes need no token, so they must leak nothing).

use futures::future::BoxFuture;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long one check may take before it counts as down: a readiness probe must answer
/// quickly even when a dependency hangs.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The state of one dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Usable.
    Up,
    /// Not usable now; the reason is a fixed phrase (`"disconnected"`, `"stopped"`,
    /// `"timed out"`), never a dependency's own error text.
    Down(&'static str),
}

impl Status {
    /// `"up"` or `"down"`, as the JSON answer says it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Down(_) => "down",
        }
    }
}

/// Something readiness depends on.
pub trait Check: Send + Sync + 'static {
    /// Its state now. Bounded by [`CHECK_TIMEOUT`] by the registry.
    fn check(&self) -> BoxFuture<'_, Status>;
}

/// A probe that answers at once: `true` is up.
struct Probe<F>(F, &'static str);

impl<F: Fn() -> bool + Send + Sync + 'static> Check for Probe<F> {
    fn check(&self) -> BoxFuture<'_, Status> {
        let status = if (self.0)() {
            Status::Up
        } else {
            Status::Down(self.1)
        };
        Box::pin(futures::future::ready(status))
    }
}

/// The registry of a service's checks. Cheap to clone; clones share the checks, so the
/// runtime and the service can register into the one the routes read.
#[derive(Clone, Default)]
pub struct Health {
    checks: Arc<RwLock<Vec<Named>>>,
}

/// A check and its name.
type Named = (String, Arc<dyn Check>);

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checks = self.checks.read().unwrap_or_else(|e| e.into_inner());
        let names: Vec<_> = checks.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Health").field("checks", &names).finish()
    }
}

/// The answer of [`Health::readiness`]: each check's state, in registration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// `(name, state)` per check.
    pub checks: Vec<(String, Status)>,
}

impl Readiness {
    /// Ready: every check is up (so a service without checks is ready).
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|(_, status)| *status == Status::Up)
    }

    /// The JSON body of `/health/ready`:
    /// `{"status":"up","checks":{"broker":{"status":"up"}}}`, with a `reason` for a check
    /// that is down.
    pub fn to_json(&self) -> serde_json::Value {
        let checks: serde_json::Map<_, _> = self
            .checks
            .iter()
            .map(|(name, status)| {
                let mut entry = serde_json::json!({ "status": status.label() });
                if let Status::Down(reason) = status {
                    entry["reason"] = (*reason).into();
                }
                (name.clone(), entry)
            })
            .collect();
        let status = if self.ready() { "up" } else { "down" };
        serde_json::json!({ "status": status, "checks": checks })
    }
}

impl Health {
    /// An empty registry: always ready.
    pub fn new() -> Self {
        Health::default()
    }

    /// Adds `check` under `name` (`"broker"`, `"database"`, `"messaging.OrderService"`). A
    /// second check with the same name replaces the first.
    pub fn register(&self, name: impl Into<String>, check: impl Check) {
        let name = name.into();
        let mut checks = self.checks.write().unwrap_or_else(|e| e.into_inner());
        checks.retain(|(n, _)| *n != name);
        checks.push((name, Arc::new(check)));
    }

    /// Adds a probe that answers at once (`true` is up; down says `"unavailable"`).
    pub fn register_fn(
        &self,
        name: impl Into<String>,
        probe: impl Fn() -> bool + Send + Sync + 'static,
    ) {
        self.register(name, Probe(probe, "unavailable"));
    }

    /// Every check's state, run concurrently, each bounded by [`CHECK_TIMEOUT`].
    pub async fn readiness(&self) -> Readiness {
        let checks: Vec<_> = {
            let checks = self.checks.read().unwrap_or_else(|e| e.into_inner());
            checks.iter().map(|(n, c)| (n.clone(), c.clone())).collect()
        };
        let states = futures::future::join_all(checks.iter().map(|(_, check)| async move {
            tokio::time::timeout(CHECK_TIMEOUT, check.check())
                .await
                .unwrap_or(Status::Down("timed out"))
        }))
        .await;
        let names = checks.into_iter().map(|(name, _)| name);
        Readiness {
            checks: names.zip(states).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Hangs;

    impl Check for Hangs {
        fn check(&self) -> BoxFuture<'_, Status> {
            Box::pin(futures::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn readiness_is_every_check_up_and_a_hanging_check_is_down() {
        let health = Health::new();
        assert!(health.readiness().await.ready(), "no checks: ready");
        let up = Arc::new(AtomicBool::new(true));
        let probe = up.clone();
        health.register_fn("broker", move || probe.load(Ordering::Relaxed));
        assert!(health.readiness().await.ready());
        up.store(false, Ordering::Relaxed);
        let readiness = health.readiness().await;
        assert!(!readiness.ready());
        assert_eq!(
            readiness.to_json(),
            serde_json::json!({
                "status": "down",
                "checks": {"broker": {"status": "down", "reason": "unavailable"}}
            })
        );
        up.store(true, Ordering::Relaxed);
        health.register("slow", Hangs);
        let readiness = health.readiness().await;
        assert_eq!(
            readiness.checks,
            [
                ("broker".to_owned(), Status::Up),
                ("slow".to_owned(), Status::Down("timed out"))
            ]
        );
    }
}
