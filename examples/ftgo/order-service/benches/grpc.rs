//! The generated gRPC proxy calling the generated skeleton, beside a hand-written tonic + prost
//! pair (what tonic-build writes: a `Service` routing by path to `tonic::server::Grpc` with
//! prost's codec, and `tonic::client::Grpc` on the client) exchanging the same messages, both
//! on loopback: `GetOrder` (unary) and a 1,000-message `WatchOrder` stream. Both servers answer
//! from a map of orders behind a mutex, cloning the order per message, so they differ only in
//! the glue and the encoding. Unary calls are also measured against the hand-written pair doing
//! the generated pair's duties by hand (a fresh `traceparent` and a `grpc-timeout` sent, both
//! read by the server, the handler held to the deadline), so what the hand-written code simply
//! does not do is measured apart. Then encoding and decoding an `Order`: `accord::proto` against
//! prost's derive.
//!
//! `cargo bench -p ftgo-order-service --bench grpc` (`ACCORD_BENCH_SECS` per side, default 4;
//! `ACCORD_BENCH_TASKS` concurrent unary callers, default 32; `ACCORD_BENCH_ALLOCS=1` also counts
//! heap allocations per call, client and server, which slows every allocation a little, so the
//! timed runs leave it off). Prints numbers, asserts nothing;
//! `bench/grpc-ratio.sh` reports the median ratio of many runs.

mod allocations;
mod cpu;
mod hand_grpc;
mod traceparent;
mod tracing_off;

use accord::grpc::tonic;
use accord::proto::Message as _;
use accord::{BoxStream, CallError, Request};
use cpu::process_cpu;
use ftgo_order_service::api::ftgo::order::order_service::{
    CancelOrderError, CreateOrderError, GetOrderError, grpc,
};
use ftgo_order_service::api::ftgo::order::{
    CancelOrderRequest, CreateOrderReply, CreateOrderRequest, GetOrderRequest, Order,
    OrderNotFound, OrderService,
};
use futures::StreamExt as _;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hand_grpc::{ID, STREAMED, hand, order, pb, prost_order};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The generated side's service: get and watch answer from the map.
struct Orders(Mutex<HashMap<i64, Order>>);

impl Orders {
    fn find(&self, id: i64) -> Option<Order> {
        self.0.lock().unwrap().get(&id).cloned()
    }
}

impl OrderService for Orders {
    async fn create_order(
        &self,
        _: Request<CreateOrderRequest>,
    ) -> Result<CreateOrderReply, CreateOrderError> {
        Err(CallError::Internal("not benchmarked".into()).into())
    }

    async fn get_order(&self, request: Request<GetOrderRequest>) -> Result<Order, GetOrderError> {
        let order_id = request.input.order_id;
        self.find(order_id)
            .ok_or_else(|| OrderNotFound { order_id }.into())
    }

    async fn cancel_order(
        &self,
        _: Request<CancelOrderRequest>,
    ) -> Result<Order, CancelOrderError> {
        Err(CallError::Internal("not benchmarked".into()).into())
    }

    fn watch_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, CallError>> {
        let found = self.find(request.input.order_id);
        let order = found.expect("seeded");
        futures::stream::iter((0..STREAMED).map(move |_| Ok(order.clone()))).boxed()
    }

    async fn order_viewed(&self, _: Request<GetOrderRequest>) -> Result<(), CallError> {
        Ok(())
    }
}

/// Calls per second and CPU µs per call.
#[derive(Clone, Copy, Default)]
struct Rate {
    per_second: f64,
    cpu_us: f64,
    /// Heap allocations per call (client and server), when counted.
    allocations: f64,
}

/// `tasks` callers looping on `call` for `millis`.
async fn load<F, Fut>(tasks: usize, millis: u64, call: F) -> Rate
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let (cpu, allocations) = (process_cpu(), allocations::so_far());
    let started = Instant::now();
    let until = started + Duration::from_millis(millis);
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut calls = 0u64;
                while Instant::now() < until {
                    assert!(call().await, "a benchmark call failed");
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut calls = 0;
    for worker in workers {
        calls += worker.await.unwrap();
    }
    Rate {
        per_second: calls as f64 / started.elapsed().as_secs_f64(),
        cpu_us: (process_cpu() - cpu).as_secs_f64() * 1e6 / calls.max(1) as f64,
        allocations: (allocations::so_far() - allocations) as f64 / calls.max(1) as f64,
    }
}

type Call = std::pin::Pin<Box<dyn Future<Output = bool> + Send>>;

fn generated_get(proxy: grpc::Proxy) -> impl Fn() -> Call + Clone + Send + Sync + 'static {
    move || {
        let proxy = proxy.clone();
        Box::pin(async move {
            let reply = proxy.get_order(GetOrderRequest { order_id: ID }.into());
            reply.await.is_ok_and(|o| o.order_id == ID)
        })
    }
}

fn generated_watch(proxy: grpc::Proxy) -> impl Fn() -> Call + Clone + Send + Sync + 'static {
    move || {
        let proxy = proxy.clone();
        Box::pin(async move {
            let stream = proxy.watch_order(GetOrderRequest { order_id: ID }.into());
            let n = stream.filter(|o| futures::future::ready(o.is_ok())).count();
            n.await == STREAMED
        })
    }
}

type Hand = tonic::client::Grpc<tonic::transport::Channel>;

fn hand_get(client: Hand, duties: bool) -> impl Fn() -> Call + Clone + Send + Sync + 'static {
    move || {
        let mut client = client.clone();
        Box::pin(async move { hand_grpc::get_order(&mut client, duties).await })
    }
}

fn hand_watch(client: Hand) -> impl Fn() -> Call + Clone + Send + Sync + 'static {
    move || {
        let mut client = client.clone();
        Box::pin(async move {
            client.ready().await.unwrap();
            let path = tonic::codegen::http::uri::PathAndQuery::from_static(
                "/ftgo.order.v1.OrderService/WatchOrder",
            );
            let codec = tonic::codec::ProstCodec::<pb::GetOrderRequest, pb::Order>::default();
            let request = tonic::Request::new(pb::GetOrderRequest { order_id: ID });
            let Ok(reply) = client.server_streaming(request, path, codec).await else {
                return false;
            };
            let n = reply
                .into_inner()
                .filter(|o| futures::future::ready(o.is_ok()))
                .count();
            n.await == STREAMED
        })
    }
}

/// `slices` rounds of 500 ms slices, the pairings alternating: generated proxy and skeleton,
/// hand-written client and server, each generated half against the other hand-written half and,
/// when given, the hand-written pair doing the generated pair's duties too. Prints the
/// whole-run ratios, the median of adjacent pairs' ratios and CPU per call.
async fn compare(name: &str, tasks: usize, slices: u64, sides: &[(&str, Side)], per_call: f64) {
    for (_, side) in sides {
        let side = side.clone();
        load(tasks, 300, move || side()).await;
    }
    let mut rates: Vec<Vec<Rate>> = vec![Vec::new(); sides.len()];
    // `ACCORD_BENCH_ONLY=N` runs pairing N alone (for a profile), and reports nothing.
    if let Some(only) = std::env::var("ACCORD_BENCH_ONLY")
        .ok()
        .and_then(|o| o.parse::<usize>().ok())
    {
        let side = sides[only].1.clone();
        let rate = load(tasks, slices * 1000, move || side()).await;
        println!(
            "{name}: pairing {only} alone: {:.0}/s, CPU {:.1} µs/call",
            rate.per_second * per_call,
            rate.cpu_us
        );
        return;
    }
    for _ in 0..slices {
        for (i, (_, side)) in sides.iter().enumerate() {
            let side = side.clone();
            rates[i].push(load(tasks, 500, move || side()).await);
        }
    }
    let mean = |r: &[Rate]| Rate {
        per_second: r.iter().map(|r| r.per_second).sum::<f64>() / r.len() as f64,
        cpu_us: r.iter().map(|r| r.cpu_us).sum::<f64>() / r.len() as f64,
        allocations: r.iter().map(|r| r.allocations).sum::<f64>() / r.len() as f64,
    };
    let means: Vec<Rate> = rates.iter().map(|r| mean(r)).collect();
    for ((label, _), rate) in sides.iter().zip(&means) {
        let allocations = if allocations::counting() {
            format!("   {:.1} allocs/call", rate.allocations)
        } else {
            String::new()
        };
        println!(
            "{name}: {label:<30} {:>9.0}/s   CPU {:>6.1} µs/call{allocations}",
            rate.per_second * per_call,
            rate.cpu_us
        );
    }
    let (generated, hand) = (means[0], means[1]);
    println!(
        "{name} throughput ratio generated/hand-written: {:.3}",
        generated.per_second / hand.per_second
    );
    if let Some(duties) = sides.iter().position(|(label, _)| *label == DUTIES) {
        let duties = means[duties];
        println!(
            "{name} throughput ratio generated/hand-written with duties: {:.3}",
            generated.per_second / duties.per_second
        );
    }
    let mut ratios: Vec<f64> = rates[0]
        .iter()
        .zip(&rates[1])
        .map(|(g, h)| g.per_second / h.per_second)
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    println!(
        "{name} paired slices: median {:.3}, range {:.3}-{:.3} ({} pairs)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        ratios.len()
    );
    println!(
        "{name} CPU-per-call ratio hand-written/generated: {:.3}",
        hand.cpu_us / generated.cpu_us
    );
}

/// The generated proxy of `url`, its outstanding bound above the callers' number.
fn generated_proxy(url: &str, tasks: usize) -> grpc::Proxy {
    let mut builder = accord::grpc::client::GrpcClient::builder(url);
    builder.config(accord::ProxyConfig {
        max_outstanding: tasks * 2,
        ..Default::default()
    });
    grpc::Proxy::new(builder.build().unwrap())
}

/// A tonic client connected to `url`.
async fn hand_client(url: &str) -> Hand {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned()).unwrap();
    tonic::client::Grpc::new(endpoint.connect().await.unwrap())
}

/// The label of the pairing that is the hand-written pair doing the generated pair's duties too
/// (trace context, deadline), when a comparison has one.
const DUTIES: &str = "hand-written with duties";

type Side = std::sync::Arc<dyn Fn() -> Call + Send + Sync>;

fn side(f: impl Fn() -> Call + Send + Sync + 'static) -> Side {
    std::sync::Arc::new(f)
}

/// Encoding and decoding one `Order`, ns per operation, best of five rounds. The two sides'
/// rounds alternate, so a busy spell of the machine slows both rather than one.
fn codec() {
    let ours = order();
    let theirs = prost_order();
    let bytes = ours.encode_to_vec();
    assert_eq!(
        <pb::Order as prost::Message>::decode(bytes.as_slice()).unwrap(),
        theirs,
        "prost reads what accord writes"
    );
    let rounds = 200_000;
    let round = |f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..rounds {
            f();
        }
        t.elapsed().as_nanos() as f64 / rounds as f64
    };
    // The best round of each side, the sides taking turns.
    let best = |ours: &dyn Fn(), theirs: &dyn Fn()| {
        (0..5).fold((f64::MAX, f64::MAX), |(a, b), _| {
            (a.min(round(ours)), b.min(round(theirs)))
        })
    };
    let mut buf = Vec::with_capacity(1024);
    let buf = std::cell::RefCell::new(&mut buf);
    let (accord_encode, prost_encode) = best(
        &|| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            std::hint::black_box(&ours).encode_body(&mut **buf);
            std::hint::black_box(&buf);
        },
        &|| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            prost::Message::encode(std::hint::black_box(&theirs), &mut **buf).unwrap();
            std::hint::black_box(&buf);
        },
    );
    let (accord_decode, prost_decode) = best(
        &|| {
            std::hint::black_box(Order::decode(std::hint::black_box(&bytes)).unwrap());
        },
        &|| {
            let decoded = <pb::Order as prost::Message>::decode(std::hint::black_box(&bytes[..]));
            std::hint::black_box(decoded.unwrap());
        },
    );
    println!(
        "Order ({} bytes): encode accord {accord_encode:.0} ns, prost {prost_encode:.0} ns (prost/accord {:.3}); \
         decode accord {accord_decode:.0} ns, prost {prost_decode:.0} ns (prost/accord {:.3})",
        bytes.len(),
        prost_encode / accord_encode,
        prost_decode / accord_decode
    );
}

#[global_allocator]
static GLOBAL: allocations::Counting = allocations::Counting;

fn main() {
    tracing_off::install();
    allocations::count_if_asked();
    let secs = env_or("ACCORD_BENCH_SECS", 4);
    let tasks = env_or("ACCORD_BENCH_TASKS", 32) as usize;
    codec();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let orders = Orders(Mutex::new(HashMap::from([(ID, order())])));
        let config = accord::grpc::server::ServerConfig {
            insecure_no_auth: true,
            ..Default::default()
        };
        let mut routes = tonic::service::Routes::builder();
        routes.add_service(grpc::Server::new(orders, config));
        let generated_url = hand_grpc::serve(routes.routes()).await;
        let hand_orders = Arc::new(Mutex::new(HashMap::from([(ID, prost_order())])));
        let mut routes = tonic::service::Routes::builder();
        let hand_orders_again = hand_orders.clone();
        routes.add_service(hand::Server::plain(hand_orders));
        let hand_url = hand_grpc::serve(routes.routes()).await;
        let mut routes = tonic::service::Routes::builder();
        routes.add_service(hand::Server::with_duties(hand_orders_again));
        let duties_url = hand_grpc::serve(routes.routes()).await;

        let proxy = generated_proxy(&generated_url, tasks);
        let hand = hand_client(&hand_url).await;
        let proxy_to_hand = generated_proxy(&hand_url, tasks);
        let hand_to_generated = hand_client(&generated_url).await;
        let hand_with_duties = hand_client(&duties_url).await;
        println!("gRPC over loopback, {secs} s per side in alternating 500 ms slices");
        let call = proxy.get_order(GetOrderRequest { order_id: ID }.into());
        let watch = proxy.watch_order(GetOrderRequest { order_id: ID }.into());
        let mut grpc_client = hand.clone();
        let hand_call = grpc_client.unary(
            tonic::Request::new(pb::GetOrderRequest { order_id: ID }),
            tonic::codegen::http::uri::PathAndQuery::from_static("/x/y"),
            tonic::codec::ProstCodec::<pb::GetOrderRequest, pb::Order>::default(),
        );
        println!(
            "future sizes: generated unary call {} bytes, tonic's unary call {} bytes",
            std::mem::size_of_val(&call),
            std::mem::size_of_val(&hand_call),
        );
        drop((call, watch, hand_call));
        let unary = [
            (
                "generated proxy+skeleton",
                side(generated_get(proxy.clone())),
            ),
            (
                "hand-written tonic+prost",
                side(hand_get(hand.clone(), false)),
            ),
            (
                "generated proxy, hand server",
                side(generated_get(proxy_to_hand.clone())),
            ),
            (
                "hand client, generated server",
                side(hand_get(hand_to_generated.clone(), false)),
            ),
            (DUTIES, side(hand_get(hand_with_duties, true))),
        ];
        compare("unary GetOrder", tasks, secs * 2, &unary, 1.0).await;
        let streams = [
            ("generated proxy+skeleton", side(generated_watch(proxy))),
            ("hand-written tonic+prost", side(hand_watch(hand))),
            (
                "generated proxy, hand server",
                side(generated_watch(proxy_to_hand)),
            ),
            (
                "hand client, generated server",
                side(hand_watch(hand_to_generated)),
            ),
        ];
        compare(
            "stream of 1000 (messages)",
            4,
            secs * 2,
            &streams,
            STREAMED as f64,
        )
        .await;
    });
}
