//! The hand-written gRPC side the benches compare the generated code with: the messages as
//! protoc + prost-build write them for the emitted `order.proto`, and a server as tonic-build
//! writes one (a `Service` routing by path to `tonic::server::Grpc` with prost's codec). The
//! client side is `tonic::client::Grpc` itself. Shared by the throughput bench (`grpc.rs`) and
//! the instruction counts (`instructions.rs`), each using part of it.
#![allow(dead_code)]

use accord::grpc::tonic;
use ftgo_order_service::api::ftgo::common::Money;
use ftgo_order_service::api::ftgo::order::{CardToken, LineItem, Order, OrderState, PaymentMethod};
use std::collections::BTreeMap;

/// Serves `routes` on a loopback port as the runtime serves gRPC (both sides go through the same
/// accept loop, so they differ only in their glue); its URL.
pub async fn serve(routes: tonic::service::Routes) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let served = accord::grpc::server::serve(listener, routes, accord::Shutdown::never());
    tokio::spawn(served);
    url
}

/// The hand-written client's `GetOrder`, as a tonic-build client makes it; with `duties`, it
/// also sends what the generated proxy sends beyond the request: a fresh `traceparent` and a
/// deadline (`grpc-timeout`, the proxy's default 30 s). Whether the order came back.
pub async fn get_order(
    client: &mut tonic::client::Grpc<tonic::transport::Channel>,
    duties: bool,
) -> bool {
    if client.ready().await.is_err() {
        return false;
    }
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/ftgo.order.v1.OrderService/GetOrder",
    );
    let codec = tonic::codec::ProstCodec::<pb::GetOrderRequest, pb::Order>::default();
    let mut request = tonic::Request::new(pb::GetOrderRequest { order_id: ID });
    if duties {
        request.set_timeout(std::time::Duration::from_secs(30));
        let value = crate::traceparent::fresh().parse().expect("ASCII");
        request.metadata_mut().insert("traceparent", value);
    }
    let reply = client.unary(request, path, codec).await;
    reply.is_ok_and(|o| o.get_ref().order_id == ID)
}

/// Messages per `WatchOrder` stream.
pub const STREAMED: usize = 1000;
/// The one order both sides serve.
pub const ID: i64 = 1;

/// The order both sides serve: a few items, labels, a payment; a few hundred bytes.
pub fn order() -> Order {
    Order {
        order_id: ID,
        state: OrderState::Approved,
        line_items: [("pad-thai", 2), ("spring-roll", 3), ("pad-thai", 1)]
            .iter()
            .map(|(id, q)| LineItem {
                menu_item_id: (*id).to_owned(),
                quantity: *q,
            })
            .collect(),
        total: Money {
            amount: 4850,
            currency: "USD".into(),
        },
        payment: Some(PaymentMethod::Card(CardToken {
            token: "tok_4242424242424242".into(),
        })),
        labels: BTreeMap::from([
            ("consumer_id".into(), "7".into()),
            ("delivery_note".into(), "leave at the door".into()),
        ]),
        placed_at: chrono::DateTime::from_timestamp(1_767_225_600, 123_456_000).unwrap(),
        consumer_id: 7,
    }
}

/// What protoc + prost-build write for the emitted `order.proto` (the messages the bench uses).
pub mod pb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GetOrderRequest {
        #[prost(int64, tag = "1")]
        pub order_id: i64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct LineItem {
        #[prost(string, tag = "1")]
        pub menu_item_id: String,
        #[prost(int32, tag = "2")]
        pub quantity: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Money {
        #[prost(int64, tag = "1")]
        pub amount: i64,
        #[prost(string, tag = "2")]
        pub currency: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct CardToken {
        #[prost(string, tag = "1")]
        pub token: String,
    }
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Method {
        #[prost(message, tag = "1")]
        Card(CardToken),
        #[prost(string, tag = "2")]
        Voucher(String),
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PaymentMethod {
        #[prost(oneof = "Method", tags = "1, 2")]
        pub payment_method: Option<Method>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Timestamp {
        #[prost(int64, tag = "1")]
        pub seconds: i64,
        #[prost(int32, tag = "2")]
        pub nanos: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Order {
        #[prost(int64, tag = "1")]
        pub order_id: i64,
        #[prost(int32, tag = "2")]
        pub state: i32,
        #[prost(message, repeated, tag = "3")]
        pub line_items: Vec<LineItem>,
        #[prost(message, optional, tag = "4")]
        pub total: Option<Money>,
        #[prost(message, optional, tag = "5")]
        pub payment: Option<PaymentMethod>,
        #[prost(btree_map = "string, string", tag = "6")]
        pub labels: std::collections::BTreeMap<String, String>,
        #[prost(message, optional, tag = "7")]
        pub placed_at: Option<Timestamp>,
        #[prost(int64, tag = "8")]
        pub consumer_id: i64,
    }
}

pub fn prost_order() -> pb::Order {
    let o = order();
    pb::Order {
        order_id: o.order_id,
        state: o.state.number().unwrap_or(0),
        line_items: o
            .line_items
            .iter()
            .map(|l| pb::LineItem {
                menu_item_id: l.menu_item_id.clone(),
                quantity: l.quantity,
            })
            .collect(),
        total: Some(pb::Money {
            amount: o.total.amount,
            currency: o.total.currency.clone(),
        }),
        payment: Some(pb::PaymentMethod {
            payment_method: Some(pb::Method::Card(pb::CardToken {
                token: "tok_4242424242424242".into(),
            })),
        }),
        labels: o.labels.clone(),
        placed_at: Some(pb::Timestamp {
            seconds: o.placed_at.timestamp(),
            nanos: o.placed_at.timestamp_subsec_nanos() as i32,
        }),
        consumer_id: o.consumer_id,
    }
}

/// The hand-written server, as tonic-build writes one.
#[allow(
    clippy::result_large_err,
    reason = "tonic's traits fix `tonic::Status` as the error"
)]
pub mod hand {
    use super::{STREAMED, pb, tonic};
    use std::collections::HashMap;
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};
    use tonic::codec::ProstCodec;
    use tonic::codegen::{BoxFuture, Service, http};

    type Store = Arc<Mutex<HashMap<i64, pb::Order>>>;

    /// The server; `duties` adds what the generated skeleton does beyond answering, written by
    /// hand: reading the caller's `traceparent` and `grpc-timeout` and holding the handler to
    /// that deadline (`bench/instructions.sh --ratios` measures it separately).
    #[derive(Clone)]
    pub struct Server {
        orders: Store,
        duties: bool,
    }

    impl Server {
        /// As tonic-build writes it: the handler, nothing else.
        pub fn plain(orders: Store) -> Self {
            Server {
                orders,
                duties: false,
            }
        }

        /// With the trace context and the deadline honoured.
        pub fn with_duties(orders: Store) -> Self {
            Server {
                orders,
                duties: true,
            }
        }
    }

    impl tonic::server::NamedService for Server {
        const NAME: &'static str = "ftgo.order.v1.OrderService";
    }

    struct Get(Store, bool);

    impl tonic::server::UnaryService<pb::GetOrderRequest> for Get {
        type Response = pb::Order;
        type Future = BoxFuture<tonic::Response<pb::Order>, tonic::Status>;
        fn call(&mut self, request: tonic::Request<pb::GetOrderRequest>) -> Self::Future {
            let (orders, duties) = (self.0.clone(), self.1);
            let metadata = request.metadata();
            let trace = duties
                .then(|| metadata.get("traceparent"))
                .flatten()
                .and_then(|v| crate::traceparent::parse(v.as_bytes()));
            let timeout = duties
                .then(|| metadata.get("grpc-timeout"))
                .flatten()
                .and_then(|v| grpc_timeout(v.as_bytes()));
            Box::pin(async move {
                let id = request.into_inner().order_id;
                let answer = async {
                    let found = orders.lock().unwrap().get(&id).cloned();
                    found
                        .map(tonic::Response::new)
                        .ok_or_else(|| tonic::Status::not_found("no such order"))
                };
                std::hint::black_box(trace);
                match timeout {
                    Some(left) => tokio::time::timeout(left, answer)
                        .await
                        .unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("late"))),
                    None => answer.await,
                }
            })
        }
    }

    /// gRPC's `grpc-timeout`: up to 8 digits and a unit (H, M, S, m, u, n).
    fn grpc_timeout(header: &[u8]) -> Option<std::time::Duration> {
        let (unit, digits) = header.split_last()?;
        let amount: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let nanos = match unit {
            b'H' => 3_600_000_000_000,
            b'M' => 60_000_000_000,
            b'S' => 1_000_000_000,
            b'm' => 1_000_000,
            b'u' => 1_000,
            b'n' => 1,
            _ => return None,
        };
        Some(std::time::Duration::from_nanos(
            amount.saturating_mul(nanos),
        ))
    }

    struct Watch(Arc<Mutex<HashMap<i64, pb::Order>>>);

    type Orders = futures::stream::BoxStream<'static, Result<pb::Order, tonic::Status>>;

    impl tonic::server::ServerStreamingService<pb::GetOrderRequest> for Watch {
        type Response = pb::Order;
        type ResponseStream = Orders;
        type Future = BoxFuture<tonic::Response<Orders>, tonic::Status>;
        fn call(&mut self, request: tonic::Request<pb::GetOrderRequest>) -> Self::Future {
            let orders = self.0.clone();
            Box::pin(async move {
                let id = request.into_inner().order_id;
                let order = orders.lock().unwrap().get(&id).cloned().expect("seeded");
                let items = futures::stream::iter((0..STREAMED).map(move |_| Ok(order.clone())));
                Ok(tonic::Response::new(Box::pin(items) as Orders))
            })
        }
    }

    impl Service<http::Request<tonic::body::Body>> for Server {
        type Response = http::Response<tonic::body::Body>;
        type Error = Infallible;
        type Future = BoxFuture<Self::Response, Self::Error>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
            let (orders, duties) = (self.orders.clone(), self.duties);
            match request.uri().path() {
                "/ftgo.order.v1.OrderService/GetOrder" => Box::pin(async move {
                    let mut grpc = tonic::server::Grpc::new(ProstCodec::default());
                    Ok(grpc.unary(Get(orders, duties), request).await)
                }),
                "/ftgo.order.v1.OrderService/WatchOrder" => Box::pin(async move {
                    let mut grpc = tonic::server::Grpc::new(ProstCodec::default());
                    Ok(grpc.server_streaming(Watch(orders), request).await)
                }),
                _ => Box::pin(async move { Ok(tonic::Status::unimplemented("").into_http()) }),
            }
        }
    }
}
