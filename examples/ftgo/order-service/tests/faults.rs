//! Fault tests of the FTGO system on a store, as an operator sees it: real brokers this test
//! starts (nats-server with a file store, rabbitmq-server), the order, consumer, kitchen and
//! accounting services as separate processes, each with its own `--db` (SQLite files on both
//! brokers; on NATS also a PostgreSQL database each, on a private server made with `initdb`),
//! and faults injected while orders stream in:
//!
//! - `kill -9` the kitchen, then accounting, mid-stream, restarted after 5 s;
//! - accounting paused (SIGSTOP) past its callers' deadline (10 s), then resumed;
//! - `kill -9` the order service mid-saga, restarted on the same `--db`;
//! - the broker killed and restarted on its data;
//! - every order's commands sent again by hand, twice, at once (duplicates and replays).
//!
//! Per cell it counts, through the kitchen's and accounting's REST views and an independent
//! subscriber of the order events: orders placed, final (APPROVED or REJECTED), stuck (still
//! pending when the wait ends), lost events (`OrderCreated` never seen), duplicated effects
//! (more than one ticket or authorisation for an order, or a replay answered with another
//! ticket), orphaned effects (a live ticket or authorisation for a rejected order) and
//! incomplete orders (approved without its live ticket and authorisation). It prints the table
//! and fails unless stuck, lost, duplicated, orphaned and incomplete are 0 everywhere.
//!
//! Orders per cell: `ACCORD_FAULT_ORDERS` (default 10; the figures use 50). Every wait
//! is bounded. A broker not installed prints `SKIPPED` (fails under `CI`). The services'
//! binaries are found beside this package's (`cargo build --workspace` builds them).

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;
#[path = "../../../../runtime/tests/store_support/postgres.rs"]
mod postgres;
mod support;

use accord::messaging::{Broker, ServeConfig, Serving};
use accord::{CallError, ProxyConfig, Request};
use ftgo_order_service::api::ftgo::accounting::AccountingService as _;
use ftgo_order_service::api::ftgo::accounting::AuthorizeCard;
use ftgo_order_service::api::ftgo::accounting::accounting_service::messaging as accounting;
use ftgo_order_service::api::ftgo::common::Money;
use ftgo_order_service::api::ftgo::kitchen::KitchenService as _;
use ftgo_order_service::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use ftgo_order_service::api::ftgo::kitchen::{CreateTicket, TicketCreated};
use ftgo_order_service::api::ftgo::order::{LineItem, OrderCancelled, OrderCreated};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::Service;

/// How long a cell waits for its orders to end (a saga waits 30 s at most for the kitchen).
const SETTLE: Duration = Duration::from_secs(75);

fn orders_per_cell() -> usize {
    std::env::var("ACCORD_FAULT_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 2)
        .unwrap_or(10)
}

/// The faults, one per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    KillKitchen,
    KillAccounting,
    PauseAccounting,
    KillOrderService,
    RestartBroker,
    DuplicateCommands,
}

impl Fault {
    const ALL: [Fault; 6] = [
        Fault::KillKitchen,
        Fault::KillAccounting,
        Fault::PauseAccounting,
        Fault::KillOrderService,
        Fault::RestartBroker,
        Fault::DuplicateCommands,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::KillKitchen => "kill -9 kitchen, restart after 5 s",
            Fault::KillAccounting => "kill -9 accounting, restart after 5 s",
            Fault::PauseAccounting => "accounting paused 12 s (SIGSTOP)",
            Fault::KillOrderService => "kill -9 order service mid-saga, restart",
            Fault::RestartBroker => "broker killed and restarted",
            Fault::DuplicateCommands => "every command duplicated and replayed",
        }
    }
}

/// One cell's counts.
#[derive(Debug, Default, Clone)]
struct Counts {
    asked: usize,
    placed: usize,
    final_: usize,
    approved: usize,
    rejected: usize,
    stuck: usize,
    lost: usize,
    duplicated: usize,
    orphaned: usize,
    incomplete: usize,
}

/// The independent subscriber: how many `OrderCreated` it saw per order.
#[derive(Default)]
struct Observer {
    created: Mutex<HashMap<i64, u32>>,
}

impl kitchen::OrderEventsSubscriber for Observer {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        *self
            .created
            .lock()
            .unwrap()
            .entry(event.input.order_id)
            .or_default() += 1;
        Ok(())
    }

    async fn order_cancelled(&self, _: Request<OrderCancelled>) -> Result<(), CallError> {
        Ok(())
    }
}

/// The system under test on one broker: the services, their databases, where they listen.
struct System {
    broker: brokers::Server,
    dbs: Databases,
    order: Service,
    kitchen: Service,
    accounting: Service,
    _consumer: Service,
    order_url: Arc<Mutex<String>>,
    kitchen_url: String,
    accounting_url: String,
    http: reqwest::Client,
}

/// The last word of a service's `ready` line: the URL it listens on.
fn listening(service: &Service) -> String {
    let ready = service
        .said()
        .into_iter()
        .rfind(|l| l.contains("ready"))
        .unwrap();
    ready.rsplit(' ').next().unwrap().to_owned()
}

/// Where each service keeps its state: a SQLite file in a temp folder, or a fresh database
/// per service on a private PostgreSQL server.
struct Databases {
    dir: PathBuf,
    postgres: Option<HashMap<&'static str, String>>,
}

const SERVICES: [&str; 4] = ["consumer", "kitchen", "accounting", "orders"];

impl Databases {
    fn sqlite() -> Databases {
        Databases {
            dir: tempfile::tempdir().unwrap().keep(),
            postgres: None,
        }
    }

    /// `None` (after `SKIPPED`) without PostgreSQL.
    async fn postgres() -> Option<Databases> {
        let mut urls = HashMap::new();
        for service in SERVICES {
            urls.insert(service, postgres::fresh_database().await?);
        }
        Some(Databases {
            dir: tempfile::tempdir().unwrap().keep(),
            postgres: Some(urls),
        })
    }

    fn url(&self, service: &str) -> String {
        match &self.postgres {
            Some(urls) => urls[service].clone(),
            None => self.dir.join(format!("{service}.db")).display().to_string(),
        }
    }
}

impl System {
    async fn start(broker: brokers::Server, dbs: Databases) -> System {
        let url = broker.url();
        let consumer = Service::start(
            "ftgo-consumer-service",
            &[
                "--listen",
                "127.0.0.1:0",
                "--broker",
                &url,
                "--db",
                &dbs.url("consumer"),
            ],
        )
        .await;
        let kitchen = Self::kitchen(&url, &dbs, "127.0.0.1:0").await;
        let accounting = Self::accounting(&url, &dbs, "127.0.0.1:0").await;
        let order = Self::order(&url, &dbs, "127.0.0.1:0").await;
        System {
            order_url: Arc::new(Mutex::new(listening(&order))),
            kitchen_url: listening(&kitchen),
            accounting_url: listening(&accounting),
            broker,
            dbs,
            order,
            kitchen,
            accounting,
            _consumer: consumer,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    async fn kitchen(url: &str, dbs: &Databases, listen: &str) -> Service {
        let db = dbs.url("kitchen");
        let args = [
            "--broker",
            url,
            "--db",
            &db,
            "--listen",
            listen,
            "--sold-out",
            "tiramisu",
        ];
        Service::start("ftgo-kitchen-service", &args).await
    }

    async fn accounting(url: &str, dbs: &Databases, listen: &str) -> Service {
        let db = dbs.url("accounting");
        let args = [
            "--broker",
            url,
            "--db",
            &db,
            "--listen",
            listen,
            "--decline-over",
            "5000",
        ];
        Service::start("ftgo-accounting-service", &args).await
    }

    async fn order(url: &str, dbs: &Databases, listen: &str) -> Service {
        let db = dbs.url("orders");
        let args = [
            "--listen",
            listen,
            "--broker",
            url,
            "--db",
            &db,
            "--insecure-no-auth",
        ];
        Service::start("ftgo-order-service", &args).await
    }

    /// Restarts a killed participant on the same database and address.
    async fn restart_kitchen(&mut self) {
        let addr = self.kitchen_url.trim_start_matches("http://").to_owned();
        self.kitchen = Self::kitchen(&self.broker.url(), &self.dbs, &addr).await;
    }

    async fn restart_accounting(&mut self) {
        let addr = self.accounting_url.trim_start_matches("http://").to_owned();
        self.accounting = Self::accounting(&self.broker.url(), &self.dbs, &addr).await;
    }

    async fn restart_order(&mut self) {
        let addr = self.order_url().trim_start_matches("http://").to_owned();
        self.order = Self::order(&self.broker.url(), &self.dbs, &addr).await;
    }

    fn order_url(&self) -> String {
        self.order_url.lock().unwrap().clone()
    }

    async fn get(&self, url: &str) -> Option<Value> {
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// The order's state, or `None` while the order service cannot say.
    async fn state(&self, order_id: i64) -> Option<String> {
        let order = self
            .get(&format!("{}/orders/{order_id}", self.order_url()))
            .await?;
        order["state"].as_str().map(str::to_owned)
    }

    /// The live (not cancelled or voided) and all effects of `order_id` in `view`.
    async fn effects(&self, order_id: i64) -> Option<Effects> {
        let tickets = self
            .get(&format!("{}/tickets?order_id={order_id}", self.kitchen_url))
            .await?;
        let auths = self
            .get(&format!(
                "{}/authorizations?order_id={order_id}",
                self.accounting_url
            ))
            .await?;
        let tickets = tickets["tickets"].as_array()?.clone();
        let auths = auths["authorizations"].as_array()?.clone();
        Some(Effects {
            tickets: tickets.len(),
            live_tickets: tickets.iter().filter(|t| t["state"] != "CANCELLED").count(),
            ticket_ids: tickets
                .iter()
                .filter_map(|t| t["ticket_id"].as_i64())
                .collect(),
            authorizations: auths.len(),
            live_authorizations: auths.iter().filter(|a| a["state"] != "VOIDED").count(),
        })
    }
}

#[derive(Debug)]
struct Effects {
    tickets: usize,
    live_tickets: usize,
    ticket_ids: Vec<i64>,
    authorizations: usize,
    live_authorizations: usize,
}

/// The `n`th order of a cell: most approved, some sold out (the kitchen rejects), some over
/// the card limit (accounting declines after the ticket was created: compensated).
fn order_body(n: usize) -> Value {
    let (restaurant, item, quantity) = match n % 5 {
        3 => (2, "tiramisu", 1),
        4 => (1, "pad-thai", 5),
        _ => (1, "pad-thai", 2),
    };
    json!({
        "restaurant_id": restaurant,
        "consumer_id": (n % 3) as i64 + 1,
        "line_items": [{"menu_item_id": item, "quantity": quantity}],
    })
}

/// Places one order, trying again while the order service cannot be reached (the request was
/// not sent), for at most 30 s; its id, or `None`.
async fn place(http: &reqwest::Client, url: &Arc<Mutex<String>>, body: &Value) -> Option<i64> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let base = url.lock().unwrap().clone();
        match http.post(format!("{base}/orders")).json(body).send().await {
            Ok(response) if response.status() == 201 => {
                let created: Value = response.json().await.ok()?;
                return created["order_id"].as_i64();
            }
            Ok(response) => {
                eprintln!("order refused: {}", response.status());
                return None;
            }
            Err(e) if e.is_connect() => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => {
                eprintln!("order not placed: {e}");
                return None;
            }
        }
    }
    None
}

/// Places `n` orders, one every 100 ms, on tasks, and injects `fault` once half are placed
/// while the rest keep coming.
async fn run_cell(system: &mut System, fault: Fault, n: usize) -> Vec<Option<i64>> {
    let (half_placed, mut strike) = tokio::sync::oneshot::channel();
    let (http, url) = (system.http.clone(), system.order_url.clone());
    let stream = tokio::spawn(async move {
        let mut placing = Vec::new();
        let mut half_placed = Some(half_placed);
        for i in 0..n {
            let (http, url, body) = (http.clone(), url.clone(), order_body(i));
            let order = tokio::spawn(async move { place(&http, &url, &body).await });
            if i + 1 == n / 2 {
                // Wait for this order's answer: its saga is under way when the fault strikes.
                let id = order.await.unwrap();
                placing.push(tokio::spawn(async move { id }));
                if let Some(tell) = half_placed.take() {
                    let _ = tell.send(());
                }
            } else {
                placing.push(order);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut ids = Vec::new();
        for order in placing {
            ids.push(order.await.unwrap());
        }
        ids
    });
    if (&mut strike).await.is_ok() {
        inject(system, fault).await;
    }
    stream.await.unwrap()
}

async fn inject(system: &mut System, fault: Fault) {
    match fault {
        Fault::KillKitchen => {
            system.kitchen.kill().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            system.restart_kitchen().await;
        }
        Fault::KillAccounting => {
            system.accounting.kill().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            system.restart_accounting().await;
        }
        Fault::PauseAccounting => {
            system.accounting.signal(libc::SIGSTOP);
            tokio::time::sleep(Duration::from_secs(12)).await;
            system.accounting.signal(libc::SIGCONT);
        }
        Fault::KillOrderService => {
            system.order.kill().await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            system.restart_order().await;
            let resumed = system
                .order
                .said()
                .into_iter()
                .find(|l| l.contains("resuming"));
            eprintln!(
                "order service restarted: {}",
                resumed.as_deref().unwrap_or("no saga to resume")
            );
        }
        Fault::RestartBroker => {
            system.broker.kill();
            tokio::time::sleep(Duration::from_secs(2)).await;
            system.broker.restart();
        }
        Fault::DuplicateCommands => {}
    }
}

/// Waits (bounded) for every order to end; returns their states.
async fn settle(system: &System, ids: &[i64]) -> BTreeMap<i64, String> {
    let started = Instant::now();
    let mut states = BTreeMap::new();
    loop {
        for id in ids {
            if let Some(state) = system.state(*id).await {
                states.insert(*id, state);
            }
        }
        let pending = ids
            .iter()
            .filter(|id| {
                !matches!(
                    states.get(id).map(String::as_str),
                    Some("APPROVED" | "REJECTED")
                )
            })
            .count();
        if pending == 0 || started.elapsed() > SETTLE {
            return states;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Sends each order's `create_ticket` and `authorize_card` again, twice at once, as a broker's
/// redelivery or a duplicated publish would; counts replies naming another ticket.
async fn replay(broker: &Broker, ids: &[Option<i64>]) -> usize {
    let config = ProxyConfig::default();
    let kitchen = kitchen::Proxy::new(broker, config.clone()).await.unwrap();
    let accounting = accounting::Proxy::new(broker, config).await.unwrap();
    let mut other_tickets = 0;
    for (n, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let body = order_body(n);
        let item = body["line_items"][0].clone();
        let create = || {
            kitchen.create_ticket(Request::new(CreateTicket {
                order_id: *id,
                line_items: vec![LineItem {
                    menu_item_id: item["menu_item_id"].as_str().unwrap().to_owned(),
                    quantity: item["quantity"].as_i64().unwrap() as i32,
                }],
            }))
        };
        let (a, b) = tokio::join!(create(), create());
        let tickets: Vec<i64> = [a, b]
            .into_iter()
            .filter_map(|r| r.ok().map(|TicketCreated { ticket_id }| ticket_id))
            .collect();
        if tickets.windows(2).any(|w| w[0] != w[1]) {
            other_tickets += 1;
        }
        // The saga sent `authorize_card` only for orders whose ticket was created.
        if n % 5 == 3 {
            continue;
        }
        let total = 1250 * item["quantity"].as_i64().unwrap();
        let authorize = || {
            accounting.authorize_card(Request::new(AuthorizeCard {
                consumer_id: body["consumer_id"].as_i64().unwrap(),
                order_id: *id,
                amount: Money {
                    amount: total,
                    currency: "USD".into(),
                },
            }))
        };
        let _ = tokio::join!(authorize(), authorize());
    }
    other_tickets
}

/// Counts a cell's orders as its states and the views say.
async fn count(
    system: &System,
    observer: &Observer,
    asked: usize,
    ids: &[Option<i64>],
    states: &BTreeMap<i64, String>,
) -> Counts {
    let placed: Vec<i64> = ids.iter().flatten().copied().collect();
    let mut counts = Counts {
        asked,
        placed: placed.len(),
        ..Counts::default()
    };
    // The observer sees the events through the outbox, soon after the commits.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let seen = observer.created.lock().unwrap().clone();
        if placed.iter().all(|id| seen.contains_key(id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let seen = observer.created.lock().unwrap().clone();
    for id in &placed {
        let state = states.get(id).map(String::as_str);
        match state {
            Some("APPROVED") => {
                counts.final_ += 1;
                counts.approved += 1;
            }
            Some("REJECTED") => {
                counts.final_ += 1;
                counts.rejected += 1;
            }
            _ => counts.stuck += 1,
        }
        if !seen.contains_key(id) {
            counts.lost += 1;
        }
        let Some(effects) = system.effects(*id).await else {
            panic!("the views did not answer for order {id}");
        };
        if effects.tickets > 1 || effects.authorizations > 1 {
            counts.duplicated += 1;
        }
        let live = effects.live_tickets + effects.live_authorizations;
        match state {
            Some("REJECTED") if live > 0 => counts.orphaned += 1,
            Some("APPROVED") if effects.live_tickets != 1 || effects.live_authorizations != 1 => {
                counts.incomplete += 1
            }
            _ => {}
        }
        let _ = &effects.ticket_ids;
    }
    counts
}

async fn observe(broker_url: &str) -> (Arc<Observer>, Serving) {
    let broker = Broker::connect(broker_url).await.unwrap();
    let observer = Arc::new(Observer::default());
    let serving = kitchen::order_events_subscriber(observer.clone())
        .serve(&broker, ServeConfig::default().group("fault-observer"))
        .await
        .unwrap();
    (observer, serving)
}

async fn faults_on(kind: brokers::Kind, dbs: Option<Databases>) -> Option<Vec<(Fault, Counts)>> {
    let dbs = dbs?;
    let server = brokers::Server::start(kind)?;
    let n = orders_per_cell();
    let mut system = System::start(server, dbs).await;
    let (observer, _observing) = observe(&system.broker.url()).await;
    let mut cells = Vec::new();
    let mut all = Vec::new();
    for fault in Fault::ALL {
        let started = Instant::now();
        let ids = run_cell(&mut system, fault, n).await;
        let placed: Vec<i64> = ids.iter().flatten().copied().collect();
        let states = settle(&system, &placed).await;
        let mut counts = count(&system, &observer, n, &ids, &states).await;
        if fault == Fault::DuplicateCommands {
            let broker = Broker::connect(&system.broker.url()).await.unwrap();
            counts.duplicated += replay(&broker, &ids).await;
            let again = count(&system, &observer, n, &ids, &states).await;
            counts.duplicated += again.duplicated;
            counts.orphaned = counts.orphaned.max(again.orphaned);
            counts.incomplete = counts.incomplete.max(again.incomplete);
        }
        eprintln!(
            "{kind:?} / {}: {counts:?} in {:.1} s",
            fault.name(),
            started.elapsed().as_secs_f64()
        );
        all.push((fault, ids, states));
        cells.push((fault, counts));
    }
    // Late effects (a command redelivered after its saga ended) show up now, if at all.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for ((_, ids, states), (_, counts)) in all.iter().zip(cells.iter_mut()) {
        let again = count(&system, &observer, n, ids, states).await;
        counts.orphaned = counts.orphaned.max(again.orphaned);
        counts.duplicated = counts.duplicated.max(again.duplicated);
        counts.incomplete = counts.incomplete.max(again.incomplete);
    }
    let _ = std::fs::remove_dir_all(&system.dbs.dir);
    Some(cells)
}

fn print_table(kind: brokers::Kind, db: &str, cells: &[(Fault, Counts)]) {
    println!(
        "\nFTGO fault table, {kind:?} (--db on {db}; orders per cell: {})",
        orders_per_cell()
    );
    println!(
        "| fault | placed | final (approved + rejected) | stuck | lost events | duplicated effects | orphaned effects | incomplete |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (fault, c) in cells {
        println!(
            "| {} | {} of {} | {} ({} + {}) | {} | {} | {} | {} | {} |",
            fault.name(),
            c.placed,
            c.asked,
            c.final_,
            c.approved,
            c.rejected,
            c.stuck,
            c.lost,
            c.duplicated,
            c.orphaned,
            c.incomplete
        );
    }
}

fn check(kind: brokers::Kind, db: &str, cells: &[(Fault, Counts)]) {
    print_table(kind, db, cells);
    for (fault, c) in cells {
        assert_eq!(
            c.placed,
            c.asked,
            "{kind:?} / {}: orders refused",
            fault.name()
        );
        assert_eq!(
            (c.stuck, c.lost, c.duplicated, c.orphaned, c.incomplete),
            (0, 0, 0, 0, 0),
            "{kind:?} / {}: {c:?}",
            fault.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_on_nats_jetstream() {
    if let Some(cells) = faults_on(brokers::Kind::Nats, Some(Databases::sqlite())).await {
        check(brokers::Kind::Nats, "SQLite", &cells);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_on_rabbitmq() {
    if let Some(cells) = faults_on(brokers::Kind::Rabbit, Some(Databases::sqlite())).await {
        check(brokers::Kind::Rabbit, "SQLite", &cells);
    }
}

/// The Postgres variant, on one broker (NATS) to bound the suite's time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_on_nats_jetstream_with_postgres() {
    if let Some(cells) = faults_on(brokers::Kind::Nats, Databases::postgres().await).await {
        check(brokers::Kind::Nats, "PostgreSQL", &cells);
    }
}
