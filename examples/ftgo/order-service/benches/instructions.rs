//! Fixed numbers of calls for the instruction-count guard (`bench/instructions.sh`, run by
//! `.ci/run`): one caller making one call after the other on a current-thread runtime, client
//! and server in this process over loopback, so that a run's instruction count depends on the
//! code and not on how calls happened to batch. The guard runs each case twice with different
//! call counts and divides the difference of the counts by that of the calls, which leaves out
//! start-up and the first connection.
//!
//! `ACCORD_BENCH_CASE` is one of
//! - `rest-hal`: the generated REST proxy + skeleton, `GET /orders/{id}` (a HAL resource),
//! - `rest-plain`: the same for the plain `GET /consumers/{id}`,
//! - `grpc-unary`: the generated gRPC proxy + skeleton, `GetOrder`,
//! - `rest-hal-hand`, `rest-plain-hand`, `grpc-unary-hand`: the hand-written pairs the
//!   throughput benches compare with (reqwest + axum, exchanging the same bytes; tonic + prost),
//!   so that `bench/instructions.sh --ratios` gives each ratio in instructions, which the machine's
//!   load does not move (not guarded: they measure other people's code),
//! - `grpc-unary-hand-duties`, `rest-hal-hand-duties`, `rest-plain-hand-duties`: the
//!   hand-written pairs also doing by hand the generated pairs' duties beyond answering (gRPC:
//!   trace context and deadline sent, read and honoured; REST, where only a deadline the caller
//!   set travels: the trace context sent and read, the client held to the proxy's default
//!   deadline),
//! - `proto-encode`, `proto-decode` and `prost-encode`, `prost-decode`: one `Order` encoded into
//!   a reused buffer or decoded, by `accord::proto` and by prost's derive (no runtime, no
//!   sockets: the codec alone),
//!
//! and `ACCORD_BENCH_CALLS` the measured calls (default 1000), after 20 unmeasured ones. Every
//! call must succeed with the expected answer. Prints the calls made; asserts nothing else.

mod common;
mod hand_grpc;
mod traceparent;
mod tracing_off;

use accord::ProxyConfig;
use accord::grpc::tonic;
use accord::rest::client::RestClient;
use common::{CONSUMER_ID, Consumers, hand_written_consumers, hand_written_router, seed, store};
use ftgo_order_service::api::ftgo::consumer::{
    Consumer, ConsumerService, GetConsumerRequest, consumer_service,
};
use ftgo_order_service::api::ftgo::order::order_service::{grpc, rest};
use ftgo_order_service::api::ftgo::order::{GetOrderRequest, Order, OrderService};
use std::future::Future;
use std::pin::Pin;

/// One call; true when it succeeded with the expected answer.
type Call = Box<dyn Fn() -> Pin<Box<dyn Future<Output = bool>>>>;

fn main() {
    tracing_off::install();
    let case = std::env::var("ACCORD_BENCH_CASE").unwrap_or_default();
    let calls: u64 = std::env::var("ACCORD_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    if let Some(mut codec) = codec(&case) {
        for _ in 0..20 + calls {
            assert!(codec(), "a {case} call failed");
        }
        println!("{case}: {calls} calls after 20 unmeasured");
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let call = match case.as_str() {
            "rest-hal" => rest_hal().await,
            "rest-plain" => rest_plain().await,
            "grpc-unary" => grpc_unary().await,
            "rest-hal-hand" => rest_hal_hand(false).await,
            "rest-hal-hand-duties" => rest_hal_hand(true).await,
            "rest-plain-hand" => rest_plain_hand(false).await,
            "rest-plain-hand-duties" => rest_plain_hand(true).await,
            "grpc-unary-hand" => grpc_unary_hand(false).await,
            "grpc-unary-hand-duties" => grpc_unary_hand(true).await,
            other => panic!(
                "ACCORD_BENCH_CASE must be rest-hal, rest-plain, grpc-unary, one of them with \
                 -hand or -hand-duties, or a codec case, not {other:?}"
            ),
        };
        for _ in 0..20 + calls {
            assert!(call().await, "a {case} call failed");
        }
        println!("{case}: {calls} calls after 20 unmeasured");
    });
}

/// A codec case: one encoding or decoding of an `Order` per call.
fn codec(case: &str) -> Option<Box<dyn FnMut() -> bool>> {
    use accord::proto::Message as _;
    use hand_grpc::{order, pb, prost_order};
    use std::hint::black_box;
    let (ours, theirs) = (order(), prost_order());
    let bytes = ours.encode_to_vec();
    let mut buf = Vec::with_capacity(bytes.len());
    Some(match case {
        "proto-encode" => Box::new(move || {
            buf.clear();
            black_box(&ours).encode_body(&mut buf);
            black_box(&buf) == &bytes
        }),
        "prost-encode" => Box::new(move || {
            buf.clear();
            prost::Message::encode(black_box(&theirs), &mut buf).is_ok() && buf == bytes
        }),
        "proto-decode" => Box::new(move || {
            Order::decode(black_box(&bytes)).is_ok_and(|o| black_box(o).order_id == hand_grpc::ID)
        }),
        "prost-decode" => Box::new(move || {
            <pb::Order as prost::Message>::decode(black_box(&bytes[..]))
                .is_ok_and(|o| black_box(o).order_id == hand_grpc::ID)
        }),
        _ => return None,
    })
}

/// Serves `router` on a loopback port; its base URL.
async fn listen(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(accord::rest::server::serve(
        listener,
        router,
        accord::Shutdown::never(),
    ));
    base
}

fn rest_client(base: &str) -> RestClient {
    let config = ProxyConfig::default();
    RestClient::builder(base)
        .config(config)
        .build()
        .expect("client")
}

/// Without `@auth`, as the throughput benches serve it (JWT has its own bench).
fn insecure() -> accord::rest::server::ServerConfig {
    accord::rest::server::ServerConfig {
        insecure_no_auth: true,
        ..Default::default()
    }
}

async fn rest_hal() -> Call {
    let orders = store();
    let id = seed(&orders).await.order_id;
    let base = listen(rest::router(orders, insecure())).await;
    let proxy = rest::Proxy::new(rest_client(&base));
    Box::new(move || {
        let proxy = proxy.clone();
        Box::pin(async move {
            let request = GetOrderRequest { order_id: id }.into();
            proxy
                .get_order(request)
                .await
                .is_ok_and(|o| o.order_id == id)
        })
    })
}

async fn rest_plain() -> Call {
    let router = consumer_service::rest::router(Consumers::new(), insecure());
    let base = listen(router).await;
    let proxy = consumer_service::rest::Proxy::new(rest_client(&base));
    Box::new(move || {
        let proxy = proxy.clone();
        Box::pin(async move {
            let request = GetConsumerRequest {
                consumer_id: CONSUMER_ID,
            }
            .into();
            let got = proxy.get_consumer(request).await;
            got.is_ok_and(|c| c.consumer_id == CONSUMER_ID)
        })
    })
}

async fn grpc_unary() -> Call {
    let orders = store();
    let id = seed(&orders).await.order_id;
    let config = accord::grpc::server::ServerConfig {
        insecure_no_auth: true,
        ..Default::default()
    };
    let mut routes = tonic::service::Routes::builder();
    routes.add_service(grpc::Server::new(orders, config));
    let url = hand_grpc::serve(routes.routes()).await;
    let mut builder = accord::grpc::client::GrpcClient::builder(url);
    builder.config(ProxyConfig::default());
    let proxy = grpc::Proxy::new(builder.build().expect("client"));
    Box::new(move || {
        let proxy = proxy.clone();
        Box::pin(async move {
            let request = GetOrderRequest { order_id: id }.into();
            proxy
                .get_order(request)
                .await
                .is_ok_and(|o| o.order_id == id)
        })
    })
}

/// The hand-written REST pair of `GET /orders/{id}`; with `duties`, the client also sends a
/// fresh `traceparent` and holds the call to a deadline, and the server reads the trace
/// context, as the generated pair does.
async fn rest_hal_hand(duties: bool) -> Call {
    let orders = store();
    let id = seed(&orders).await.order_id;
    let mut router = hand_written_router(orders);
    if duties {
        router = traceparent::read_on(router);
    }
    let base = listen(router).await;
    let url = format!("{base}/orders/{id}");
    reqwest_get(url, duties, move |order: Order| order.order_id == id)
}

/// The hand-written REST pair of `GET /consumers/{id}`; with `duties`, as `rest_hal_hand`.
async fn rest_plain_hand(duties: bool) -> Call {
    let mut router = hand_written_consumers(Consumers::new());
    if duties {
        router = traceparent::read_on(router);
    }
    let base = listen(router).await;
    let url = format!("{base}/consumers/{CONSUMER_ID}");
    reqwest_get(url, duties, |consumer: Consumer| {
        consumer.consumer_id == CONSUMER_ID
    })
}

/// The hand-written REST client: reqwest getting `url` (with `duties`, sending a fresh
/// `traceparent` and held to the proxy's default deadline), decoding a `T` that must satisfy `ok`.
fn reqwest_get<T: serde::de::DeserializeOwned + 'static>(
    url: String,
    duties: bool,
    ok: impl Fn(T) -> bool + Copy + 'static,
) -> Call {
    let http = reqwest::Client::new();
    Box::new(move || {
        let (http, url) = (http.clone(), url.clone());
        Box::pin(async move {
            let traceparent = duties.then(traceparent::fresh);
            let deadline = duties.then_some(common::DEFAULT_DEADLINE);
            let got = common::get_json::<T>(&http, &url, traceparent, deadline).await;
            got.is_some_and(ok)
        })
    })
}

/// The hand-written gRPC pair; with `duties`, it also does by hand what the generated pair does
/// beyond answering: the client sends a fresh `traceparent` and a deadline (`grpc-timeout`, the
/// proxy's default 30 s), the server reads both and holds the handler to the deadline.
async fn grpc_unary_hand(duties: bool) -> Call {
    use hand_grpc::{hand, prost_order};
    let orders = std::collections::HashMap::from([(hand_grpc::ID, prost_order())]);
    let orders = std::sync::Arc::new(std::sync::Mutex::new(orders));
    let server = if duties {
        hand::Server::with_duties(orders)
    } else {
        hand::Server::plain(orders)
    };
    let mut routes = tonic::service::Routes::builder();
    routes.add_service(server);
    let url = hand_grpc::serve(routes.routes()).await;
    let channel = tonic::transport::Endpoint::from_shared(url)
        .expect("url")
        .connect_lazy();
    let client = tonic::client::Grpc::new(channel);
    Box::new(move || {
        let mut client = client.clone();
        Box::pin(async move { hand_grpc::get_order(&mut client, duties).await })
    })
}
