//! The endpoints one proxy balances over, each with its own circuit breaker.
//!
//! A [`Pool`] holds a [`Member`] per endpoint its [`Source`](super::Source) lists, kept across
//! updates of the list (an instance that stays keeps its breaker and its count of calls in
//! flight). [`Pool::pick`] chooses a member for one attempt (round robin, or the fewest
//! outstanding calls) and skips the ejected ones; the [`Pick`] reports the attempt's outcome.
//!
//! Per instance, a breaker: `failure_threshold` consecutive failures eject the instance for
//! `cool_off` (open); then one probe call is let through (half-open): success brings it back,
//! failure ejects it again. Ejection is bounded (gRPC's outlier detection, A50): at most
//! `max_ejected_share` of the members (at least one) are out at once, so a fault on the
//! caller's side cannot empty the pool.
//!
//! The path of a call to a healthy pool reads no clock and takes no lock but the list's read
//! lock: a few atomics per pick.

use super::endpoint::Endpoint;
use crate::CallError;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;
use tokio::sync::watch;
// tokio's clock: paused in tests, the same as std's otherwise.
use tokio::time::Instant;

/// How a pool chooses among its healthy members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Balance {
    /// Each in turn (the default).
    #[default]
    RoundRobin,
    /// The one with the fewest calls in flight (ties in turn): slow instances get less.
    LeastOutstanding,
}

/// A pool's balancing and per-instance breaker settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// How a member is chosen.
    pub balance: Balance,
    /// Consecutive remote failures of one instance that eject it.
    pub failure_threshold: u32,
    /// How long an ejected instance stays out before one probe call is let through.
    pub cool_off: Duration,
    /// The largest share of the members ejected at once (at least one may always be).
    pub max_ejected_share: f64,
}

impl Default for PoolConfig {
    /// Round robin; an instance is ejected after 3 consecutive failures for 5 s; at most half
    /// of the instances at once.
    fn default() -> Self {
        PoolConfig {
            balance: Balance::RoundRobin,
            failure_threshold: 3,
            cool_off: Duration::from_secs(5),
            max_ejected_share: 0.5,
        }
    }
}

/// A breaker's state, as the `accord_breaker_state` gauge shows it (0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed = 0,
    /// Ejected: no call until the cool-off ends.
    Open = 1,
    /// The cool-off ended: the next call is a probe.
    HalfOpen = 2,
}

/// One endpoint of a pool, with the transport's handle to it (`T`: a parsed base URL, a gRPC
/// channel).
#[derive(Debug)]
pub struct Member<T> {
    id: String,
    url: String,
    target: T,
    outstanding: AtomicUsize,
    failures: AtomicU32,
    /// End of the ejection in nanoseconds after the pool's epoch; 0 while in the pool.
    ejected_until: AtomicU64,
    /// A probe is in flight (half-open).
    probing: AtomicBool,
}

impl<T> Member<T> {
    /// The instance's id (its URL for static and DNS endpoints).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The transport's handle to it.
    pub fn target(&self) -> &T {
        &self.target
    }

    /// Calls in flight to it.
    pub fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Relaxed)
    }
}

/// Endpoints with breakers, shared by every clone of one proxy.
pub struct Pool<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Pool<T> {
    fn clone(&self) -> Self {
        Pool {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members = self.inner.members();
        let urls: Vec<&str> = members.iter().map(|m| m.url.as_str()).collect();
        f.debug_struct("Pool").field("members", &urls).finish()
    }
}

type Members<T> = Arc<[Arc<Member<T>>]>;

/// Makes the transport's handle of an endpoint URL.
type Connect<T> = Box<dyn Fn(&str) -> Result<T, String> + Send + Sync>;

/// Told each change of an instance's breaker: its URL and new state.
pub type Observer = Box<dyn Fn(&str, BreakerState) + Send + Sync>;

struct Inner<T> {
    config: PoolConfig,
    /// What the pool balances over: which service, for errors and metrics.
    service: String,
    members: RwLock<Members<T>>,
    next: AtomicUsize,
    /// Members ejected now: while 0, a pick reads no clock.
    ejected: AtomicUsize,
    epoch: Instant,
    connect: Connect<T>,
    observer: Option<Observer>,
}

impl<T> Inner<T> {
    fn members(&self) -> Members<T> {
        // Plain data behind the lock: a panic elsewhere cannot leave it half-written.
        Arc::clone(&self.members.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn now(&self) -> u64 {
        let nanos = self.epoch.elapsed().as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX).max(1)
    }

    fn max_ejected(&self, members: usize) -> usize {
        let share = (members as f64 * self.config.max_ejected_share).floor() as usize;
        share.max(1)
    }

    fn observe(&self, member: &Member<T>, state: BreakerState) {
        if let Some(observer) = &self.observer {
            observer(&member.url, state);
        }
    }
}

impl<T: Send + Sync + 'static> Pool<T> {
    /// A pool over `endpoints`, kept current as the watch changes (from a task on the current
    /// tokio runtime, which ends with the pool or the watch). `connect` makes the transport's
    /// handle of an endpoint URL; an endpoint it refuses is left out (and logged).
    pub fn new(
        service: impl Into<String>,
        config: PoolConfig,
        endpoints: watch::Receiver<Arc<[Endpoint]>>,
        connect: impl Fn(&str) -> Result<T, String> + Send + Sync + 'static,
    ) -> Pool<T> {
        Self::with_observer(service, config, endpoints, connect, None)
    }

    /// As [`Pool::new`], telling `observer` each change of an instance's breaker (its URL and
    /// new state): the metrics' gauge.
    pub fn with_observer(
        service: impl Into<String>,
        config: PoolConfig,
        mut endpoints: watch::Receiver<Arc<[Endpoint]>>,
        connect: impl Fn(&str) -> Result<T, String> + Send + Sync + 'static,
        observer: Option<Observer>,
    ) -> Pool<T> {
        let inner = Arc::new(Inner {
            config,
            service: service.into(),
            members: RwLock::new(Arc::from(Vec::new())),
            next: AtomicUsize::new(0),
            ejected: AtomicUsize::new(0),
            epoch: Instant::now(),
            connect: Box::new(connect),
            observer,
        });
        let current = Arc::clone(&endpoints.borrow_and_update());
        update(&inner, &current);
        // A static list never changes: its sender is gone already and no task is needed.
        if endpoints.has_changed().is_ok() {
            tokio::spawn(follow(Arc::downgrade(&inner), endpoints));
        }
        Pool { inner }
    }

    /// The members now.
    pub fn members(&self) -> Vec<Arc<Member<T>>> {
        self.inner.members().to_vec()
    }

    /// The breaker state of the member with `url`, if there is one.
    pub fn state_of(&self, url: &str) -> Option<BreakerState> {
        let members = self.inner.members();
        let member = members.iter().find(|m| m.url == url)?;
        Some(state(&self.inner, member))
    }

    /// A member for one attempt: the next healthy one not in `tried` (the ids this call has
    /// tried already), else a healthy one tried before. `Connect` when the pool is empty,
    /// `CircuitOpen` when every member is ejected.
    pub fn pick(&self, tried: &[Arc<Member<T>>]) -> Result<Pick<T>, CallError> {
        let inner = &self.inner;
        let members = inner.members();
        if members.is_empty() {
            return Err(CallError::Connect(format!(
                "no instance of {} is known",
                inner.service
            )));
        }
        let now = (inner.ejected.load(Ordering::Acquire) > 0).then(|| inner.now());
        let fresh = |m: &Arc<Member<T>>| !tried.iter().any(|t| Arc::ptr_eq(t, m));
        let chosen =
            choose(inner, &members, now, fresh).or_else(|| choose(inner, &members, now, |_| true));
        let (member, probe) = chosen.ok_or(CallError::CircuitOpen)?;
        member.outstanding.fetch_add(1, Ordering::AcqRel);
        Ok(Pick {
            member,
            pool: Arc::clone(inner),
            probe,
            recorded: false,
        })
    }
}

/// The member to call among `members` that pass `eligible`: in turn, or the least loaded; a
/// member whose cool-off ended is taken as the probe (`true`) when no probe is in flight.
fn choose<T>(
    inner: &Inner<T>,
    members: &[Arc<Member<T>>],
    now: Option<u64>,
    eligible: impl Fn(&Arc<Member<T>>) -> bool,
) -> Option<(Arc<Member<T>>, bool)> {
    let n = members.len();
    let start = inner.next.fetch_add(1, Ordering::Relaxed) % n;
    let mut best: Option<(&Arc<Member<T>>, bool)> = None;
    for member in members[start..].iter().chain(&members[..start]) {
        if !eligible(member) {
            continue;
        }
        let until = member.ejected_until.load(Ordering::Acquire);
        let probe = until != 0;
        if probe {
            let ended = now.is_some_and(|now| now >= until);
            if !ended || member.probing.load(Ordering::Acquire) {
                continue;
            }
        }
        match inner.config.balance {
            Balance::RoundRobin => {
                best = Some((member, probe));
                break;
            }
            Balance::LeastOutstanding => {
                let fewer = best.is_none_or(|(b, _)| member.outstanding() < b.outstanding());
                if fewer {
                    best = Some((member, probe));
                }
            }
        }
    }
    let (member, probe) = best?;
    // Only one probe at a time: whoever flips the flag first is it.
    if probe && member.probing.swap(true, Ordering::AcqRel) {
        return None;
    }
    Some((Arc::clone(member), probe))
}

fn state<T>(inner: &Inner<T>, member: &Member<T>) -> BreakerState {
    match member.ejected_until.load(Ordering::Acquire) {
        0 => BreakerState::Closed,
        until if inner.now() < until => BreakerState::Open,
        _ => BreakerState::HalfOpen,
    }
}

/// One attempt on one member: its slot in the member's count of calls in flight until
/// dropped; report the outcome with [`Pick::record`].
pub struct Pick<T> {
    member: Arc<Member<T>>,
    pool: Arc<Inner<T>>,
    probe: bool,
    recorded: bool,
}

impl<T> std::fmt::Debug for Pick<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pick")
            .field("url", &self.member.url)
            .field("probe", &self.probe)
            .finish()
    }
}

impl<T> Pick<T> {
    /// The member chosen.
    pub fn member(&self) -> &Arc<Member<T>> {
        &self.member
    }

    /// The transport's handle to it.
    pub fn target(&self) -> &T {
        &self.member.target
    }

    /// Reports the attempt's outcome to the member's breaker: `failed` for a remote failure
    /// (`CallError::is_remote_failure`); an answer of any other kind, even a declared error,
    /// says the instance is up.
    pub fn record(mut self, failed: bool) {
        self.recorded = true;
        let (pool, member) = (&*self.pool, &*self.member);
        if !failed {
            member.failures.store(0, Ordering::Release);
            if member.ejected_until.swap(0, Ordering::AcqRel) != 0 {
                pool.ejected.fetch_sub(1, Ordering::AcqRel);
                member.probing.store(false, Ordering::Release);
                pool.observe(member, BreakerState::Closed);
            }
            return;
        }
        if self.probe {
            // The probe failed: out for another cool-off (still counted as ejected).
            member
                .ejected_until
                .store(pool.now() + cool_off(pool), Ordering::Release);
            member.probing.store(false, Ordering::Release);
            pool.observe(member, BreakerState::Open);
            return;
        }
        let failures = member.failures.fetch_add(1, Ordering::AcqRel) + 1;
        if failures >= pool.config.failure_threshold {
            eject(pool, member);
        }
    }
}

fn cool_off<T>(pool: &Inner<T>) -> u64 {
    u64::try_from(pool.config.cool_off.as_nanos()).unwrap_or(u64::MAX / 2)
}

/// Ejects `member` unless as many members as the bound allows are out already.
fn eject<T>(pool: &Inner<T>, member: &Member<T>) {
    let members = pool.members();
    // A member the source has dropped since the call began is no longer counted.
    if !members.iter().any(|m| std::ptr::eq(&**m, member)) {
        return;
    }
    let bound = pool.max_ejected(members.len());
    let taken = pool
        .ejected
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < bound).then_some(n + 1)
        });
    if taken.is_err() {
        return;
    }
    let until = pool.now() + cool_off(pool);
    if member
        .ejected_until
        .compare_exchange(0, until, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        // Ejected meanwhile by another failing call: one ejection counts once.
        pool.ejected.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    tracing::warn!(service = %pool.service, instance = %member.url, "instance ejected");
    pool.observe(member, BreakerState::Open);
}

impl<T> Drop for Pick<T> {
    fn drop(&mut self) {
        self.member.outstanding.fetch_sub(1, Ordering::AcqRel);
        if self.probe && !self.recorded {
            // The probe ended without a verdict (its caller gave up): let another through.
            self.member.probing.store(false, Ordering::Release);
        }
    }
}

/// Follows the endpoints' changes until the pool or the source goes away.
async fn follow<T>(pool: Weak<Inner<T>>, mut endpoints: watch::Receiver<Arc<[Endpoint]>>) {
    while endpoints.changed().await.is_ok() {
        let Some(inner) = pool.upgrade() else { return };
        let current = Arc::clone(&endpoints.borrow_and_update());
        update(&inner, &current);
    }
}

/// The members for `endpoints`: the ones already known kept (breaker, load), new ones added.
fn update<T>(inner: &Inner<T>, endpoints: &[Endpoint]) {
    let old = inner.members();
    let mut members = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        if let Some(kept) = old
            .iter()
            .find(|m| m.url == endpoint.url && m.id == endpoint.id)
        {
            members.push(Arc::clone(kept));
            continue;
        }
        match (inner.connect)(&endpoint.url) {
            Ok(target) => members.push(Arc::new(Member {
                id: endpoint.id.clone(),
                url: endpoint.url.clone(),
                target,
                outstanding: AtomicUsize::new(0),
                failures: AtomicU32::new(0),
                ejected_until: AtomicU64::new(0),
                probing: AtomicBool::new(false),
            })),
            Err(why) => {
                tracing::warn!(service = %inner.service, url = %endpoint.url, "endpoint left out: {why}")
            }
        }
    }
    // Members that left take their ejection with them (cleared, so that a call still in
    // flight to one cannot count it out twice).
    let gone = old
        .iter()
        .filter(|m| !members.iter().any(|k| Arc::ptr_eq(k, m)))
        .filter(|m| m.ejected_until.swap(0, Ordering::AcqRel) != 0)
        .count();
    *inner.members.write().unwrap_or_else(|e| e.into_inner()) = Arc::from(members);
    if gone > 0 {
        inner.ejected.fetch_sub(gone, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(urls: &[&str]) -> watch::Receiver<Arc<[Endpoint]>> {
        let list: Vec<Endpoint> = urls.iter().map(|u| Endpoint::of_url(u)).collect();
        let (sender, receiver) = watch::channel(Arc::from(list));
        drop(sender);
        receiver
    }

    fn pool(urls: &[&str], config: PoolConfig) -> Pool<String> {
        Pool::new("s.S", config, endpoints(urls), |url| Ok(url.to_owned()))
    }

    fn pick_url(pool: &Pool<String>) -> Result<String, CallError> {
        let pick = pool.pick(&[])?;
        let url = pick.target().clone();
        pick.record(false);
        Ok(url)
    }

    #[tokio::test]
    async fn round_robin_takes_each_in_turn_and_least_outstanding_the_idlest() {
        let p = pool(&["http://a", "http://b", "http://c"], PoolConfig::default());
        let mut got: Vec<String> = (0..6).map(|_| pick_url(&p).unwrap()).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "http://a", "http://a", "http://b", "http://b", "http://c", "http://c"
            ]
        );
        let config = PoolConfig {
            balance: Balance::LeastOutstanding,
            ..PoolConfig::default()
        };
        let p = pool(&["http://a", "http://b"], config);
        let held = p.pick(&[]).unwrap();
        for _ in 0..4 {
            let other = p.pick(&[]).unwrap();
            assert_ne!(other.target(), held.target(), "the busy one is avoided");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_instance_is_ejected_for_its_cool_off_then_probed() {
        let config = PoolConfig {
            failure_threshold: 2,
            cool_off: Duration::from_secs(5),
            ..PoolConfig::default()
        };
        let p = pool(&["http://a", "http://b", "http://c", "http://d"], config);
        let a = |p: &Pool<String>| {
            p.members()
                .into_iter()
                .find(|m| m.url() == "http://a")
                .unwrap()
        };
        for _ in 0..2 {
            let pick = p.pick(&[a(&p)]).unwrap();
            assert_ne!(pick.target(), "http://a");
            drop(pick);
        }
        // Fail `a` twice: ejected.
        let mut fails = 0;
        while fails < 2 {
            let pick = p.pick(&[]).unwrap();
            let is_a = pick.target() == "http://a";
            pick.record(is_a);
            fails += usize::from(is_a);
        }
        assert_eq!(p.state_of("http://a"), Some(BreakerState::Open));
        for _ in 0..12 {
            assert_ne!(pick_url(&p).unwrap(), "http://a");
        }
        tokio::time::advance(Duration::from_millis(5_001)).await;
        assert_eq!(p.state_of("http://a"), Some(BreakerState::HalfOpen));
        let probe = (0..4)
            .map(|_| p.pick(&[]).unwrap())
            .find(|pick| pick.target() == "http://a")
            .expect("the probe goes to a");
        probe.record(false);
        assert_eq!(p.state_of("http://a"), Some(BreakerState::Closed));
    }

    #[tokio::test]
    async fn ejection_is_bounded_to_a_share_of_the_instances() {
        let config = PoolConfig {
            failure_threshold: 1,
            ..PoolConfig::default()
        };
        let p = pool(&["http://a", "http://b"], config);
        for _ in 0..4 {
            if let Ok(pick) = p.pick(&[]) {
                pick.record(true);
            }
        }
        let states: Vec<_> = ["http://a", "http://b"]
            .map(|u| p.state_of(u).unwrap())
            .into();
        assert_eq!(
            states.iter().filter(|s| **s == BreakerState::Open).count(),
            1,
            "one of two at most: {states:?}"
        );
        assert!(pick_url(&p).is_ok(), "the other stays in the pool");
        let single = pool(&["http://a"], config);
        single.pick(&[]).unwrap().record(true);
        assert_eq!(single.pick(&[]).err(), Some(CallError::CircuitOpen));
        let empty = pool(&[], config);
        assert!(matches!(empty.pick(&[]), Err(CallError::Connect(_))));
    }

    #[tokio::test]
    async fn members_keep_their_state_across_updates() {
        let first: Vec<Endpoint> = ["http://a", "http://b"]
            .iter()
            .map(|u| Endpoint::of_url(u))
            .collect();
        let (sender, receiver) = watch::channel(Arc::<[Endpoint]>::from(first));
        let config = PoolConfig {
            failure_threshold: 1,
            ..PoolConfig::default()
        };
        let p = Pool::new("s.S", config, receiver, |url| Ok(url.to_owned()));
        loop {
            let pick = p.pick(&[]).unwrap();
            let is_a = pick.target() == "http://a";
            pick.record(is_a);
            if is_a {
                break;
            }
        }
        let second: Vec<Endpoint> = ["http://a", "http://c"]
            .iter()
            .map(|u| Endpoint::of_url(u))
            .collect();
        sender.send(Arc::from(second)).unwrap();
        for _ in 0..100 {
            if p.state_of("http://c").is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(p.state_of("http://b"), None);
        assert_eq!(p.state_of("http://a"), Some(BreakerState::Open));
        assert_eq!(pick_url(&p).unwrap(), "http://c");
    }
}
