//! The REST server's connection settings over loopback (`docs/wire.md`, "Connections"): at
//! `max_connections` the idlest connection makes room for a new one, HTTP/2 advertises its
//! stream bound, and an idle HTTP/2 connection is sent a GOAWAY.
#![cfg(feature = "rest")]

use accord::rest::server::serve_with;
use accord::{Connections, Shutdown};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Serves a router answering `GET /` with `ok` under `connections`.
async fn serve(connections: Connections) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    tokio::spawn(serve_with(listener, router, Shutdown::never(), connections));
    addr
}

async fn get(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn at_the_connection_bound_the_idlest_connection_makes_room() {
    let addr = serve(Connections {
        max_connections: 3,
        ..Connections::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(addr).await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(5), get(addr))
        .await
        .expect("served while the bound is full of idle connections");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The oldest idle connection was the one closed.
    let mut buf = [0u8; 16];
    let first = tokio::time::timeout(Duration::from_secs(1), idle[0].read(&mut buf)).await;
    assert!(matches!(first, Ok(Ok(0) | Err(_))), "{first:?}");
}

#[tokio::test]
async fn http2_advertises_its_stream_bound_and_an_idle_connection_gets_a_goaway() {
    let addr = serve(Connections {
        http2_max_concurrent_streams: 7,
        idle_timeout: Duration::from_millis(500),
        ..Connections::default()
    })
    .await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut client, mut connection) = h2::client::handshake(stream).await.unwrap();
    let call = async {
        let request = http::Request::get(format!("http://{addr}/"))
            .body(())
            .unwrap();
        let (response, _) = client.send_request(request, true).unwrap();
        let response = response.await.unwrap();
        assert_eq!(response.status(), 200);
        let mut body = response.into_body();
        while let Some(chunk) = body.data().await {
            chunk.unwrap();
        }
    };
    tokio::select! {
        ended = &mut connection => panic!("the connection ended during the call: {ended:?}"),
        () = call => {}
    }
    assert_eq!(connection.max_concurrent_send_streams(), 7);
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    // A clean end: the server said GOAWAY, nothing was reset.
    assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
    let after = started.elapsed();
    assert!(after < Duration::from_secs(2), "closed after {after:?}");
}
