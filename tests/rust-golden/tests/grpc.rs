//! The generated gRPC skeleton and proxy of the stress API over loopback: every shape (unary,
//! unit, notify, server, client and bidirectional streams), declared errors, validation,
//! deadlines both ways, cancellation, panics, size limits, unknown methods.

mod common;

use accord::grpc::server::ServerConfig;
use accord::{BoxStream, CallError, Code, Context, Request};
use accord_rust_golden::stress_api::stress::everything::everything::{GetThingError, grpc};
use accord_rust_golden::stress_api::stress::everything::*;
use common::{Impl, Seen, chunk, serve, thing};
use futures::StreamExt as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn open() -> ServerConfig {
    ServerConfig {
        insecure_no_auth: true,
        ..ServerConfig::default()
    }
}

async fn pair(config: ServerConfig) -> (grpc::Proxy, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let url = serve(Impl(seen.clone()), config).await;
    (grpc::Proxy::connect(url).unwrap(), seen)
}

#[tokio::test]
async fn unary_calls_round_trip_and_declared_errors_come_back_typed() {
    let (proxy, _) = pair(open()).await;
    let id = uuid::Uuid::new_v4();
    let got = proxy
        .get_thing(Request::new(GetThing { id }))
        .await
        .unwrap();
    assert_eq!(got, thing(id));

    let missing = proxy.get_thing(Request::new(GetThing {
        id: uuid::Uuid::nil(),
    }));
    assert_eq!(
        missing.await,
        Err(GetThingError::NotFound(NotFound {
            id: uuid::Uuid::nil()
        }))
    );
    let gone = proxy.get_thing(Request::new(GetThing { id: common::GONE }));
    assert!(matches!(gone.await, Err(GetThingError::Gone(Gone { id })) if id == common::GONE));

    // Every shape of field, both ways.
    let keywords = Keywords {
        r#type: "t".into(),
        r#match: -3,
        option: Some(String::new()),
        messages: vec!["a".into(), String::new()],
        ..Keywords::default()
    };
    let echoed = proxy.r#async(Request::new(keywords.clone())).await.unwrap();
    assert_eq!(echoed, keywords);
    let containers = common::containers();
    let optionals = proxy
        .everything(Request::new(containers.clone()))
        .await
        .unwrap();
    assert_eq!(optionals, common::optionals_of(&containers));

    // `()` in and out: google.protobuf.Empty.
    proxy.ping(Request::new(())).await.unwrap();
    let listed = proxy
        .list_things(Request::new(ListThings {
            colors: vec![
                Color::Green,
                Color::Unknown(accord::UnknownValue::Number(9)),
            ],
            tags: None,
            limit: 3,
            tenant: "t".into(),
            etag: None,
            after: None,
            reverse: Some(false),
            light: None,
        }))
        .await
        .unwrap();
    assert_eq!(listed.things.len(), 3);
    // An enum value this version does not know travels by number and comes back intact.
    assert_eq!(
        listed.things[1].color,
        Color::Unknown(accord::UnknownValue::Number(9))
    );
}

#[tokio::test]
async fn constraint_violations_are_invalid_argument_with_every_field() {
    let (proxy, _) = pair(open()).await;
    let bad = Constrained {
        percent: 0,
        positive: 0.1,
        at_most: 11,
        slug: "Not A Slug".into(),
        digest: accord::Bytes(vec![0; 17]),
        items: vec![],
        labels: Default::default(),
        code: "a".into(),
        tilt: 0.0,
    };
    let Err(CallError::Status(status)) = proxy.constrained(Request::new(bad)).await else {
        panic!("expected a status");
    };
    assert_eq!(status.code, Code::InvalidArgument);
    let fields: Vec<&str> = status.violations.iter().map(|v| v.field.as_str()).collect();
    for field in [
        "percent", "positive", "at_most", "slug", "digest", "items", "labels", "code",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
}

#[tokio::test]
async fn notifications_and_unit_replies_answer_empty() {
    let (proxy, seen) = pair(open()).await;
    let id = uuid::Uuid::new_v4();
    proxy.viewed(Request::new(GetThing { id })).await.unwrap();
    proxy.fire_and_forget(Request::new(Empty {})).await.unwrap();
    assert_eq!(seen.notified.load(Ordering::SeqCst), 2);
    let replace = ReplaceThing {
        id,
        etag: "e".into(),
        thing: thing(id),
        note: None,
    };
    proxy.replace_thing(Request::new(replace)).await.unwrap();
}

#[tokio::test]
async fn streams_flow_in_every_direction() {
    let (proxy, _) = pair(open()).await;
    let id = uuid::Uuid::new_v4();
    let watched: Vec<_> = proxy.watch(Request::new(GetThing { id })).collect().await;
    assert_eq!(watched.len(), common::WATCHED);
    assert!(watched.iter().all(|t| t.as_ref().unwrap().id == id));

    let chunks: BoxStream<'static, Chunk> =
        Box::pin(futures::stream::iter((0..10).map(|i| chunk(i, 100))));
    let total = proxy.upload(Request::new(chunks)).await.unwrap();
    assert_eq!(total, UploadReply { total: 1000 });

    let chunks: BoxStream<'static, Chunk> =
        Box::pin(futures::stream::iter((0..5).map(|i| chunk(i, 3))));
    let echoed: Vec<_> = proxy.chat(Request::new(chunks)).collect().await;
    let seqs: Vec<u64> = echoed.into_iter().map(|c| c.unwrap().seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_invalid_streamed_input_fails_the_call() {
    let (proxy, _) = pair(open()).await;
    let chunks: BoxStream<'static, Chunk> = Box::pin(futures::stream::iter([
        chunk(0, 10),
        chunk(1, 70_000), // over @length(max = 65536)
    ]));
    let Err(CallError::Status(status)) = proxy.upload(Request::new(chunks)).await else {
        panic!("expected a status");
    };
    assert_eq!(status.code, Code::InvalidArgument);
    assert_eq!(status.violations[0].field, "data");
}

#[tokio::test]
async fn the_server_sees_the_callers_remaining_deadline_and_a_late_call_times_out() {
    let (proxy, seen) = pair(open()).await;
    let request = Request::new(GetThing {
        id: uuid::Uuid::new_v4(),
    })
    .with_timeout(Duration::from_millis(800));
    proxy.get_thing(request).await.unwrap();
    let remaining = seen.remaining.lock().unwrap().expect("a deadline arrived");
    assert!(
        remaining <= Duration::from_millis(800) && remaining > Duration::from_millis(500),
        "{remaining:?}"
    );
    // Without a deadline set by the caller, the operation's `@timeout` (the service's 30 s)
    // travels, as gRPC's own clients send their call's deadline.
    proxy
        .get_thing(Request::new(GetThing {
            id: uuid::Uuid::new_v4(),
        }))
        .await
        .unwrap();
    let remaining = seen
        .remaining
        .lock()
        .unwrap()
        .expect("the @timeout travels");
    assert!(
        remaining <= Duration::from_secs(30) && remaining > Duration::from_secs(28),
        "{remaining:?}"
    );

    let slow = Request::new(GetThing { id: common::SLOW }).with_timeout(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let result = proxy.get_thing(slow).await;
    assert!(
        matches!(result, Err(GetThingError::Call(CallError::Timeout))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The server gave up too: its handler ran under the same deadline.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(seen.slow_cancelled.load(Ordering::SeqCst));
}

#[tokio::test]
async fn dropping_a_stream_cancels_the_handlers_stream() {
    let (proxy, seen) = pair(open()).await;
    let mut endless = proxy.watch(Request::new(GetThing {
        id: common::ENDLESS,
    }));
    for _ in 0..3 {
        endless.next().await.unwrap().unwrap();
    }
    drop(endless);
    for _ in 0..50 {
        if seen.endless_dropped.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the handler's stream was not dropped");
}

#[tokio::test]
async fn a_caller_that_stops_reading_holds_the_servers_stream_back() {
    let (proxy, seen) = pair(open()).await;
    let mut flood = proxy.watch(Request::new(GetThing { id: common::FLOOD }));
    flood.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let made = seen.flooded.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = seen.flooded.load(Ordering::SeqCst);
    // HTTP/2 flow control: the server makes what the windows hold (a few thousand ~200-byte
    // things), then waits for the reader.
    assert_eq!(made, later, "the server kept producing");
    assert!(made < 20_000, "{made} things made for one read");
    println!("{made} things made for one read");
    let more: Vec<_> = flood.take(made as usize).collect().await;
    assert!(more.iter().all(Result::is_ok));
    assert!(
        seen.flooded.load(Ordering::SeqCst) > made,
        "reading lets it go on"
    );
}

#[tokio::test]
async fn a_panicking_handler_is_internal_and_the_server_keeps_serving() {
    let (proxy, _) = pair(open()).await;
    let mut context = Context::new();
    context.metadata.insert("x-panic".into(), "yes".into());
    let result = proxy.ping(Request::from_parts(context, ())).await;
    let Err(CallError::Status(status)) = result else {
        panic!("expected a status: {result:?}");
    };
    assert_eq!(status.code, Code::Internal);
    proxy.ping(Request::new(())).await.unwrap();
}

#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted() {
    let config = ServerConfig {
        max_message_size: 1024,
        ..open()
    };
    let (proxy, _) = pair(config).await;
    let chunks: BoxStream<'static, Chunk> = Box::pin(futures::stream::iter([chunk(0, 4096)]));
    let result = proxy.upload(Request::new(chunks)).await;
    let Err(CallError::Status(status)) = result else {
        panic!("expected a status: {result:?}");
    };
    assert_eq!(status.code, Code::ResourceExhausted);
    let mut big = thing(uuid::Uuid::new_v4());
    big.name = "x".repeat(4096);
    let replaced = proxy
        .replace_thing(Request::new(ReplaceThing {
            id: big.id,
            etag: String::new(),
            thing: big,
            note: None,
        }))
        .await;
    assert!(
        matches!(&replaced, Err(everything::ReplaceThingError::Call(CallError::Status(s))) if s.code == Code::ResourceExhausted),
        "{replaced:?}"
    );
}

#[tokio::test]
async fn operations_without_a_grpc_binding_and_unknown_methods_are_unimplemented() {
    let (proxy, _) = pair(open()).await;
    // `do_thing` is channel-bound: the gRPC proxy does not carry it.
    let result = proxy
        .do_thing(Request::new(DoThing {
            id: uuid::Uuid::new_v4(),
            what: String::new(),
        }))
        .await;
    assert!(matches!(
        result,
        Err(everything::DoThingError::Call(
            CallError::Unsupported { .. }
        ))
    ));
    // A path the service does not have.
    let url = serve(Impl(Arc::new(Seen::default())), open()).await;
    let channel = accord::grpc::tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = accord::grpc::tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = accord::__private::http::uri::PathAndQuery::from_static(
        "/stress.everything.v2.Everything/NoSuchMethod",
    );
    let codec =
        accord::grpc::codec::ProtoCodec::<accord::proto::Empty, accord::proto::Empty>::client();
    let status = grpc
        .unary(
            accord::grpc::tonic::Request::new(accord::proto::Empty),
            path,
            codec,
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), accord::grpc::tonic::Code::Unimplemented);
}

#[tokio::test]
async fn the_routing_client_sends_operations_without_http_over_grpc() {
    let (proxy, _) = pair(open()).await;
    let client = everything::Client::new().with_grpc(proxy);
    let chunks: BoxStream<'static, Chunk> = Box::pin(futures::stream::iter([chunk(0, 7)]));
    assert_eq!(
        client.upload(Request::new(chunks)).await.unwrap(),
        UploadReply { total: 7 }
    );
    // An @http operation too, when the client has no REST proxy.
    client.ping(Request::new(())).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_opens_the_shared_breaker() {
    // A port nothing listens on: bound, then closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut builder = accord::grpc::client::GrpcClient::builder(url);
    builder.config(accord::ProxyConfig {
        breaker: Some(accord::BreakerConfig {
            failure_threshold: 2,
            cool_down: Duration::from_secs(60),
        }),
        ..accord::ProxyConfig::default()
    });
    let proxy = grpc::Proxy::new(builder.build().unwrap());
    for _ in 0..2 {
        let failed = proxy.ping(Request::new(())).await;
        assert!(matches!(failed, Err(CallError::Connect(_))), "{failed:?}");
    }
    // Every operation shares the breaker, streams included.
    assert_eq!(
        proxy.ping(Request::new(())).await,
        Err(CallError::CircuitOpen)
    );
    let mut watched = proxy.watch(Request::new(GetThing {
        id: uuid::Uuid::new_v4(),
    }));
    assert_eq!(watched.next().await.unwrap(), Err(CallError::CircuitOpen));
}

/// A raw tonic client on `url`'s channel, for what the generated proxy never sends.
async fn raw_grpc(
    url: String,
) -> accord::grpc::tonic::client::Grpc<accord::grpc::tonic::transport::Channel> {
    let channel = accord::grpc::tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = accord::grpc::tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    grpc
}

/// A unary (or server-streaming) method whose request carries two messages is a cardinality
/// violation: `UNIMPLEMENTED`, and the handler does not run on the first message alone.
#[tokio::test]
async fn a_second_request_message_for_a_method_that_takes_one_is_unimplemented() {
    use accord::grpc::codec::ProtoCodec;
    use accord::grpc::tonic::{Code as GrpcCode, Request as GrpcRequest};
    let url = serve(Impl(Arc::new(Seen::default())), open()).await;
    let mut grpc = raw_grpc(url).await;
    let path = |p: &'static str| accord::__private::http::uri::PathAndQuery::from_static(p);
    let id = uuid::Uuid::new_v4();
    let messages = |n: usize| GrpcRequest::new(futures::stream::iter(vec![GetThing { id }; n]));

    // One message through the streaming door is a valid unary call.
    let codec = ProtoCodec::<GetThing, Thing>::client();
    let one = grpc
        .client_streaming(
            messages(1),
            path("/stress.everything.v2.Everything/GetThing"),
            codec,
        )
        .await
        .unwrap();
    assert_eq!(one.into_inner(), thing(id));

    grpc.ready().await.unwrap();
    let codec = ProtoCodec::<GetThing, Thing>::client();
    let two = grpc
        .client_streaming(
            messages(2),
            path("/stress.everything.v2.Everything/GetThing"),
            codec,
        )
        .await
        .unwrap_err();
    assert_eq!(two.code(), GrpcCode::Unimplemented, "{two:?}");
    assert!(two.message().contains("more than one request message"));

    grpc.ready().await.unwrap();
    let codec = ProtoCodec::<GetThing, Thing>::client();
    let watched = grpc
        .streaming(
            messages(2),
            path("/stress.everything.v2.Everything/Watch"),
            codec,
        )
        .await;
    let status = match watched {
        Err(status) => status,
        Ok(stream) => stream
            .into_inner()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .find_map(Result::err)
            .expect("the stream fails"),
    };
    assert_eq!(status.code(), GrpcCode::Unimplemented, "{status:?}");
}

/// Every transport takes the same request size by default: a 1.5 MiB message, which gRPC's
/// libraries would take (4 MiB), is refused like a 1.5 MiB REST body.
#[tokio::test]
async fn the_default_message_limit_is_the_one_of_every_transport() {
    assert_eq!(
        ServerConfig::default().max_message_size,
        accord::call::MAX_MESSAGE_BYTES
    );
    assert_eq!(
        accord::rest::server::ServerConfig::default().body_limit,
        accord::call::MAX_MESSAGE_BYTES
    );
    let url = serve(Impl(Arc::new(Seen::default())), open()).await;
    // A client that sends it: the server's limit is what refuses.
    let client = accord::grpc::client::GrpcClient::builder(url)
        .max_message_size(8 << 20)
        .build()
        .unwrap();
    let proxy = grpc::Proxy::new(client);
    let mut big = thing(uuid::Uuid::new_v4());
    big.name = "x".repeat(accord::call::MAX_MESSAGE_BYTES * 3 / 2);
    let replaced = proxy
        .replace_thing(Request::new(ReplaceThing {
            id: big.id,
            etag: String::new(),
            thing: big,
            note: None,
        }))
        .await;
    assert!(
        matches!(&replaced, Err(everything::ReplaceThingError::Call(CallError::Status(s))) if s.code == Code::ResourceExhausted),
        "{replaced:?}"
    );
}

/// The correlation id over gRPC (`docs/wire.md`): a caller that sends one gets it back in
/// `x-correlation-id`; a caller without trace context gets the id of the trace the server
/// started (its 32 hex digits); a caller whose `traceparent` carries the id gets nothing back.
#[tokio::test]
async fn the_server_answers_the_correlation_id_the_caller_cannot_know() {
    use accord::grpc::codec::ProtoCodec;
    use accord::grpc::tonic::Request as GrpcRequest;
    let url = serve(Impl(Arc::new(Seen::default())), open()).await;
    let mut grpc = raw_grpc(url).await;
    let mut call = async |headers: &[(&'static str, &'static str)]| {
        let mut request = GrpcRequest::new(GetThing {
            id: uuid::Uuid::new_v4(),
        });
        for (name, value) in headers {
            request.metadata_mut().insert(*name, value.parse().unwrap());
        }
        grpc.ready().await.unwrap();
        let path = accord::__private::http::uri::PathAndQuery::from_static(
            "/stress.everything.v2.Everything/GetThing",
        );
        let codec = ProtoCodec::<GetThing, Thing>::client();
        let reply = grpc.unary(request, path, codec).await.unwrap();
        let echoed = reply.metadata().get("x-correlation-id");
        echoed.map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        call(&[("x-correlation-id", "order-7")]).await.as_deref(),
        Some("order-7")
    );
    let started = call(&[])
        .await
        .expect("the id of the trace the server started");
    assert!(
        started.len() == 32 && started.bytes().all(|b| b.is_ascii_hexdigit()),
        "{started}"
    );
    assert_ne!(call(&[]).await.unwrap(), started, "a trace per call");
    let traced = [(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )];
    assert_eq!(call(&traced).await, None, "the caller knows its trace id");
}

/// `grpc-timeout: 0m` is a budget spent: refused without running the handler.
#[tokio::test]
async fn a_zero_timeout_is_refused_without_running_the_handler() {
    use accord::grpc::codec::ProtoCodec;
    use accord::grpc::tonic::{Code as GrpcCode, Request as GrpcRequest};
    let seen = Arc::new(Seen::default());
    let url = serve(Impl(seen.clone()), open()).await;
    let mut grpc = raw_grpc(url).await;
    let path = accord::__private::http::uri::PathAndQuery::from_static(
        "/stress.everything.v2.Everything/GetThing",
    );
    let mut request = GrpcRequest::new(GetThing {
        id: uuid::Uuid::new_v4(),
    });
    request
        .metadata_mut()
        .insert("grpc-timeout", "0m".parse().unwrap());
    let codec = ProtoCodec::<GetThing, Thing>::client();
    let status = grpc.unary(request, path, codec).await.unwrap_err();
    // tonic's server answers its own `CANCELLED` "Timeout expired" when its timer fires before
    // the request is read; the core answers `DEADLINE_EXCEEDED` when it gets there first.
    assert!(
        matches!(
            status.code(),
            GrpcCode::DeadlineExceeded | GrpcCode::Cancelled
        ),
        "{status:?}"
    );
    assert_eq!(
        *seen.remaining.lock().unwrap(),
        None,
        "the handler never ran"
    );
}

/// `accord::testing::TestBed::grpc`: a generated service (here its fake) served on a loopback port
/// the system picks, called through the generated gRPC proxy at the URL the bed returns; the bed
/// stops it gracefully.
#[tokio::test]
async fn a_test_bed_serves_a_generated_service_over_grpc() {
    let fake = everything::Fake::default();
    fake.get_thing.answers(|request| {
        let id = request.input.id;
        if id == uuid::Uuid::nil() {
            Err(NotFound { id }.into())
        } else {
            Ok(thing(id))
        }
    });
    let mut bed = accord::testing::TestBed::new();
    let mut routes = accord::grpc::tonic::service::Routes::builder();
    routes.add_service(grpc::Server::new(fake.clone(), open()));
    let url = bed.grpc(routes.routes()).await.unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the bed names the port it got: {url}");

    let proxy = grpc::Proxy::connect(url.clone()).unwrap();
    let id = uuid::Uuid::new_v4();
    let got = proxy.get_thing(Request::new(GetThing { id })).await;
    assert_eq!(got, Ok(thing(id)));
    let missing = proxy.get_thing(Request::new(GetThing {
        id: uuid::Uuid::nil(),
    }));
    assert_eq!(
        missing.await,
        Err(GetThingError::NotFound(NotFound {
            id: uuid::Uuid::nil()
        }))
    );
    assert_eq!(
        fake.get_thing.inputs(),
        [
            GetThing { id },
            GetThing {
                id: uuid::Uuid::nil()
            }
        ]
    );

    // Stopped, the server is gone: a new proxy cannot connect, and the fake sees no third call.
    let stopped = tokio::time::timeout(Duration::from_secs(15), bed.stop()).await;
    assert!(stopped.is_ok(), "the bed stops within its drain time");
    let after = grpc::Proxy::connect(url.clone()).unwrap();
    let refused = tokio::time::timeout(
        Duration::from_secs(10),
        after.get_thing(Request::new(GetThing { id })),
    )
    .await
    .expect("a refused connection fails the call at once");
    assert!(
        matches!(&refused, Err(GetThingError::Call(CallError::Connect(_)))),
        "{refused:?}"
    );
    assert_eq!(fake.get_thing.count(), 2);
}
