//! Discovery against real things: an etcd the test starts on private ports (registration,
//! heartbeats, withdrawal, lease expiry of a dead instance, registering again after etcd
//! restarts without its data) and a DNS server the test runs (A and SRV records, re-resolved
//! on their TTL). Every wait is bounded.

mod etcd;

use accord::discovery::{EtcdConfig, EtcdRegistry, Instance, Registry, View};

use std::time::{Duration, Instant};

const SERVICE: &str = "test.discovery.Consumers";

fn config(ttl_secs: u64) -> EtcdConfig {
    EtcdConfig {
        ttl: Duration::from_secs(ttl_secs),
        request_timeout: Duration::from_secs(2),
        retry: Duration::from_millis(200),
    }
}

fn registry(etcd: &etcd::Etcd, ttl_secs: u64) -> EtcdRegistry {
    EtcdRegistry::with_config(&etcd.url(), config(ttl_secs)).unwrap()
}

fn ids(view: &View) -> Vec<String> {
    let mut ids: Vec<String> = view.borrow().iter().map(|i| i.id.clone()).collect();
    ids.sort();
    ids
}

/// Waits (at most `limit`) until the view lists exactly `want`; how long it took.
async fn until_listed(view: &mut View, want: &[&str], limit: Duration) -> Duration {
    let started = Instant::now();
    let waited = tokio::time::timeout(limit, async {
        while ids(view) != want {
            view.changed().await.expect("the watch goes on");
        }
    });
    waited
        .await
        .unwrap_or_else(|_| panic!("after {limit:?} the view is {:?}, not {want:?}", ids(view)));
    started.elapsed()
}

#[tokio::test]
async fn etcd_registrations_are_watched_kept_alive_and_withdrawn() {
    let Some(etcd) = etcd::Etcd::start() else {
        return;
    };
    let registry = registry(&etcd, 2);
    let mut view = registry.watch(SERVICE).await.unwrap();
    assert!(ids(&view).is_empty());
    let a = Instance::rest("a", "http://127.0.0.1:1").with_version("1.0.0");
    let a = registry.register(SERVICE, a).await.unwrap();
    let b = registry
        .register(SERVICE, Instance::rest("b", "http://127.0.0.1:2"))
        .await
        .unwrap();
    until_listed(&mut view, &["a", "b"], Duration::from_secs(5)).await;
    let listed = view.borrow().iter().find(|i| i.id == "a").cloned().unwrap();
    assert_eq!(
        (listed.url("rest"), listed.version.as_str()),
        (Some("http://127.0.0.1:1"), "1.0.0")
    );
    // Three lease lifetimes: the heartbeats keep both.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(ids(&view), ["a", "b"]);
    a.withdraw().await;
    let took = until_listed(&mut view, &["b"], Duration::from_secs(2)).await;
    assert!(
        took < Duration::from_secs(1),
        "a withdrawal is seen at once: {took:?}"
    );
    let stored = etcd.range_json("/accord/services/");
    assert_eq!(stored.matches("\"key\"").count(), 1, "{stored}");
    drop(b);
}

#[tokio::test]
async fn a_dead_instance_leaves_when_its_lease_expires() {
    let Some(etcd) = etcd::Etcd::start() else {
        return;
    };
    let registry = registry(&etcd, 2);
    let mut view = registry.watch(SERVICE).await.unwrap();
    // The instance's process: a thread with its own runtime, shut down without withdrawing
    // (as kill -9 stops the heartbeats and deletes nothing).
    let (registered, die) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
    let etcd_url = etcd.url();
    let process = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let instance = Instance::rest("doomed", "http://127.0.0.1:3");
        let registration = runtime.block_on(async {
            // Its own client: an HTTP client's connections belong to the runtime that made them.
            let registry = EtcdRegistry::with_config(&etcd_url, config(2)).unwrap();
            registry.register(SERVICE, instance).await.unwrap()
        });
        registered.0.send(()).unwrap();
        // Heartbeats run while this thread drives the runtime.
        runtime.block_on(async {
            while die.1.try_recv().is_err() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        std::mem::forget(registration); // a dead process withdraws nothing
        runtime.shutdown_background();
    });
    registered.1.recv_timeout(Duration::from_secs(5)).unwrap();
    until_listed(&mut view, &["doomed"], Duration::from_secs(5)).await;
    die.0.send(()).unwrap();
    process.join().unwrap();
    let died = Instant::now();
    until_listed(&mut view, &[], Duration::from_secs(8)).await;
    let gone = died.elapsed();
    eprintln!("a dead instance left the view {gone:?} after its heartbeats stopped (TTL 2 s)");
    assert!(gone <= Duration::from_secs(5), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_register_again_after_etcd_restarts_without_its_data() {
    let Some(mut etcd) = etcd::Etcd::start() else {
        return;
    };
    let registry = registry(&etcd, 2);
    let mut view = registry.watch(SERVICE).await.unwrap();
    let kept = registry
        .register(SERVICE, Instance::rest("k", "http://127.0.0.1:4"))
        .await
        .unwrap();
    until_listed(&mut view, &["k"], Duration::from_secs(5)).await;
    assert!(kept.is_kept());
    // While etcd is away the registration says so (its readiness check is down).
    tokio::task::block_in_place(|| etcd.kill());
    let lost = tokio::time::timeout(Duration::from_secs(8), async {
        while kept.is_kept() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    lost.await.expect("the heartbeat notices etcd is gone");
    use accord::health::Check as _;
    assert!(matches!(
        kept.check().check().await,
        accord::health::Status::Down(_)
    ));
    // A blocking restart: etcd's own start takes a moment.
    tokio::task::block_in_place(|| etcd.restart(true));
    // Its data is gone: whatever etcd holds from now on was registered again.
    // The heartbeat finds the lease gone and registers anew; the watcher, whose stream broke,
    // reads the new etcd and follows it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stored = etcd.range_json("/accord/services/");
        if stored.contains("\"key\"") {
            break;
        }
        assert!(Instant::now() < deadline, "not registered again: {stored}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until_listed(&mut view, &["k"], Duration::from_secs(5)).await;
    assert!(kept.is_kept());
    assert!(matches!(
        kept.check().check().await,
        accord::health::Status::Up
    ));
    // And the watch follows the new etcd: a second instance shows.
    let _second = registry
        .register(SERVICE, Instance::rest("l", "http://127.0.0.1:5"))
        .await
        .unwrap();
    until_listed(&mut view, &["k", "l"], Duration::from_secs(5)).await;
}

/// DNS sources (feature `dns`).
#[cfg(feature = "dns")]
mod dns {
    use super::*;
    use accord::discovery::Source;
    use std::net::Ipv4Addr;
    use std::sync::{Arc, Mutex};

    /// A DNS server the test controls: answers A queries for `consumers.test.` and SRV queries
    /// for `_http._tcp.consumers.test.` from `answers`, with a TTL of 1 s.
    struct Dns {
        port: u16,
        answers: Arc<Mutex<Vec<Ipv4Addr>>>,
    }

    impl Dns {
        async fn start(first: Vec<Ipv4Addr>) -> Dns {
            use hickory_proto::op::{Message, MessageType};
            use hickory_proto::rr::rdata::{A, SRV};
            use hickory_proto::rr::{Name, RData, Record, RecordType};
            let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let port = socket.local_addr().unwrap().port();
            let answers = Arc::new(Mutex::new(first));
            let shared = answers.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 512];
                loop {
                    let Ok((n, from)) = socket.recv_from(&mut buffer).await else {
                        return;
                    };
                    let Ok(query) = Message::from_vec(&buffer[..n]) else {
                        continue;
                    };
                    let mut reply = Message::new();
                    reply
                        .set_id(query.id())
                        .set_message_type(MessageType::Response)
                        .set_op_code(query.op_code())
                        .set_recursion_desired(query.recursion_desired())
                        .set_recursion_available(true)
                        .set_authoritative(true);
                    let ips = shared.lock().unwrap().clone();
                    for question in query.queries() {
                        reply.add_query(question.clone());
                        let name = question.name().clone();
                        match question.query_type() {
                            RecordType::A => {
                                for ip in &ips {
                                    reply.add_answer(Record::from_rdata(
                                        name.clone(),
                                        1,
                                        RData::A(A(*ip)),
                                    ));
                                }
                            }
                            RecordType::SRV => {
                                for (i, ip) in ips.iter().enumerate() {
                                    let target = Name::from_ascii(format!(
                                        "i{}.consumers.test.",
                                        ip.octets()[3]
                                    ))
                                    .unwrap();
                                    let srv = SRV::new(0, 1, 9000 + i as u16, target);
                                    reply.add_answer(Record::from_rdata(
                                        name.clone(),
                                        1,
                                        RData::SRV(srv),
                                    ));
                                }
                            }
                            _ => {}
                        }
                        // `iN.consumers.test.` (SRV targets) resolve to 127.0.0.N.
                        let label = name.to_ascii();
                        let target = label
                            .strip_prefix('i')
                            .and_then(|l| l.split('.').next())
                            .and_then(|n| n.parse::<u8>().ok());
                        if let (RecordType::A, Some(n)) = (question.query_type(), target) {
                            reply.answers_mut().clear();
                            let ip = Ipv4Addr::new(127, 0, 0, n);
                            reply.add_answer(Record::from_rdata(name, 1, RData::A(A(ip))));
                        }
                    }
                    let _ = socket.send_to(&reply.to_vec().unwrap(), from).await;
                }
            });
            Dns { port, answers }
        }

        fn answer(&self, ips: Vec<Ipv4Addr>) {
            *self.answers.lock().unwrap() = ips;
        }
    }

    async fn until_endpoints(
        endpoints: &mut tokio::sync::watch::Receiver<Arc<[accord::discovery::Endpoint]>>,
        want: &[&str],
    ) {
        let listed =
            |e: &tokio::sync::watch::Receiver<Arc<[accord::discovery::Endpoint]>>| -> Vec<String> {
                e.borrow().iter().map(|e| e.url.clone()).collect()
            };
        let waited = tokio::time::timeout(Duration::from_secs(5), async {
            while listed(endpoints) != want {
                endpoints.changed().await.unwrap();
            }
        });
        waited
            .await
            .unwrap_or_else(|_| panic!("endpoints {:?}, not {want:?}", listed(endpoints)));
    }

    #[tokio::test]
    async fn dns_names_resolve_to_their_addresses_again_on_their_ttl() {
        let dns = Dns::start(vec![
            Ipv4Addr::new(127, 0, 0, 2),
            Ipv4Addr::new(127, 0, 0, 1),
        ])
        .await;
        let source =
            Source::parse(&format!("dns://127.0.0.1:{}/consumers.test:8080", dns.port)).unwrap();
        let mut endpoints = source.watch(SERVICE, "rest").await.unwrap();
        until_endpoints(
            &mut endpoints,
            &["http://127.0.0.1:8080", "http://127.0.0.2:8080"],
        )
        .await;
        dns.answer(vec![Ipv4Addr::new(127, 0, 0, 3)]);
        until_endpoints(&mut endpoints, &["http://127.0.0.3:8080"]).await;
        dns.answer(vec![]);
        until_endpoints(&mut endpoints, &[]).await;
    }

    #[tokio::test]
    async fn srv_names_resolve_to_their_targets_and_ports() {
        let dns = Dns::start(vec![
            Ipv4Addr::new(127, 0, 0, 5),
            Ipv4Addr::new(127, 0, 0, 6),
        ])
        .await;
        let spec = format!("dns://127.0.0.1:{}/_http._tcp.consumers.test:0", dns.port);
        let mut endpoints = Source::parse(&spec)
            .unwrap()
            .watch(SERVICE, "rest")
            .await
            .unwrap();
        until_endpoints(
            &mut endpoints,
            &["http://127.0.0.5:9000", "http://127.0.0.6:9001"],
        )
        .await;
    }
}
