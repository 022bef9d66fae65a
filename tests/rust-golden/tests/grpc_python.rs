//! The gRPC transport against code no one here wrote: Python's grpcio and protobuf, with stubs
//! grpcio-tools generates from the `.proto` files Accord emits for the stress API
//! (`grpc_interop.py`). Python calls the generated Rust skeleton for every shape, error,
//! validation failure and deadline, checks health and lists the services by reflection; the
//! generated Rust proxy calls a Python server; every stress type encoded by Rust is read by
//! Python and written back, and Python's own values are read by Rust.
//!
//! Locally the tests print `SKIPPED` when python3, grpcio, grpcio-tools, grpcio-health-checking
//! or grpcio-reflection is missing; under `CI` they fail instead
//! (`tests/validators/requirements.txt` installs them).

mod common;

use accord::grpc::server::ServerConfig;
use accord::proto::Message as _;
use accord::{BoxStream, CallError, Code, Context, Request, Shutdown};
use accord_rust_golden::stress_api::stress::everything::everything::{GetThingError, grpc};
use accord_rust_golden::stress_api::stress::everything::*;
use common::{Impl, Seen, chunk};
use futures::StreamExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;

const SCRIPT: &str = include_str!("grpc_interop.py");

/// `google.rpc.Status` and `google.rpc.BadRequest` for the Python side to read error details
/// (googleapis-common-protos is not among the test's requirements).
const RPC_PROTO: &str = r#"syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
message BadRequest {
  message FieldViolation { string field = 1; string description = 2; }
  repeated FieldViolation field_violations = 1;
}
"#;

fn model() -> accord_idl::Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stress/everything.accord");
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    let compilation = accord_idl::compile(&[root], &mut loader);
    assert!(!compilation.has_errors());
    compilation.model
}

/// The emitted `.proto` files and the stubs grpcio-tools generates from them, in a temporary
/// folder with the script; `None` (after printing `SKIPPED`) when a Python package is missing
/// locally.
fn python() -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for file in accord_codegen::proto::emit(&model()) {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
        names.push(file.path.to_string_lossy().into_owned());
    }
    std::fs::create_dir_all(dir.path().join("accord_rpc")).unwrap();
    std::fs::write(dir.path().join("accord_rpc/status.proto"), RPC_PROTO).unwrap();
    names.push("accord_rpc/status.proto".into());
    std::fs::write(dir.path().join("grpc_interop.py"), SCRIPT).unwrap();
    let generate = r#"
import os, sys
import grpc, grpc_health.v1.health_pb2, grpc_reflection.v1alpha.reflection_pb2
import grpc_tools
from grpc_tools import protoc
include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
out = sys.argv[1]
sys.exit(protoc.main(["protoc", "-I" + include, "-I" + out, "--python_out=" + out,
                      "--grpc_python_out=" + out] + sys.argv[2:]))
"#;
    let run = Command::new("python3")
        .arg("-c")
        .arg(generate)
        .arg(dir.path())
        .args(&names)
        .output();
    let why = match run {
        Ok(out) if out.status.success() => return Some(dir),
        Ok(out) => format!(
            "grpcio-tools could not generate the stubs: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => format!("python3: {e}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!(
            "Python's grpcio needed under CI: {why} (pip install -r tests/validators/requirements.txt)"
        );
    }
    println!("SKIPPED: {why}");
    None
}

fn script(dir: &Path) -> (PathBuf, String) {
    (
        dir.join("grpc_interop.py"),
        dir.to_string_lossy().into_owned(),
    )
}

/// The stress server with health and reflection, as `ftgo-order-service` serves them.
async fn serve_with_standard_services() -> String {
    let descriptors = accord_codegen::builder::descriptor_set(&model()).unwrap();
    let descriptors: &'static [u8] = Box::leak(descriptors.into_boxed_slice());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut routes = accord::grpc::tonic::service::Routes::builder();
    let config = ServerConfig {
        insecure_no_auth: true,
        ..ServerConfig::default()
    };
    routes.add_service(everything::grpc::Server::new(
        Impl(Arc::new(Seen::default())),
        config,
    ));
    accord::grpc::server::add_health_and_reflection(
        &mut routes,
        &[everything::grpc::SERVICE_NAME, "stress.everything.v2.Quiet"],
        descriptors,
    )
    .await
    .unwrap();
    tokio::spawn(accord::grpc::server::serve(
        listener,
        routes.routes(),
        Shutdown::never(),
    ));
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_calls_the_rust_server_for_every_shape() {
    let Some(dir) = python() else { return };
    let url = serve_with_standard_services().await;
    let (path, gen_dir) = script(dir.path());
    let out = tokio::process::Command::new("python3")
        .arg(path)
        .arg(gen_dir)
        .arg("client")
        .arg(url)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "the Python client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let done: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        done,
        [
            "unary",
            "declared errors",
            "validation",
            "empty",
            "containers",
            "server stream",
            "client stream",
            "bidi stream",
            "deadline",
            "unimplemented and malformed",
            "health",
            "reflection"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_proxy_calls_a_python_server() {
    let Some(dir) = python() else { return };
    let (path, gen_dir) = script(dir.path());
    let mut server = tokio::process::Command::new("python3")
        .arg(path)
        .arg(gen_dir)
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let port = lines.next_line().await.unwrap().expect("the server's port");
    let proxy = grpc::Proxy::connect(format!("http://127.0.0.1:{port}")).unwrap();

    let id = uuid::Uuid::new_v4();
    let mut context = Context::new();
    context.metadata.insert("x-tenant".into(), "acme".into());
    context
        .metadata
        .insert("authorization".into(), "Bearer leaked".into());
    let request =
        Request::from_parts(context, GetThing { id }).with_timeout(Duration::from_secs(2));
    let thing = proxy.get_thing(request).await.unwrap();
    assert_eq!(thing.id, id);
    assert_eq!(thing.scalars, Some(common::scalars()));
    // The deadline the caller set travels as grpc-timeout.
    let remaining: f64 = thing.name.parse().unwrap();
    assert!(remaining > 1.0 && remaining <= 2.0, "{remaining}");
    assert_eq!(
        thing.labels.get("x-tenant").map(String::as_str),
        Some("acme")
    );
    assert!(thing.labels.contains_key("traceparent"));
    assert!(
        !thing.labels.contains_key("authorization"),
        "credentials do not leave"
    );

    let missing = proxy.get_thing(Request::new(GetThing {
        id: uuid::Uuid::nil(),
    }));
    assert_eq!(
        missing.await,
        Err(GetThingError::NotFound(NotFound {
            id: uuid::Uuid::nil()
        }))
    );
    let slow = Request::new(GetThing { id: common::SLOW }).with_timeout(Duration::from_millis(300));
    assert_eq!(
        proxy.get_thing(slow).await,
        Err(GetThingError::Call(CallError::Timeout))
    );

    let invalid = proxy
        .constrained(Request::new(Constrained {
            percent: 50,
            positive: 1.0,
            at_most: 1,
            slug: "a".into(),
            digest: accord::Bytes(vec![]),
            items: vec![common::item(1)],
            labels: [("a".to_owned(), "b".to_owned())].into(),
            code: "ab".into(),
            tilt: 0.0,
        }))
        .await;
    let Err(CallError::Status(status)) = invalid else {
        panic!("{invalid:?}");
    };
    assert_eq!(status.code, Code::InvalidArgument);
    assert_eq!(status.violations[0].field, "percent");

    let watched: Vec<_> = proxy
        .watch(Request::new(GetThing { id }))
        .map(|t| t.unwrap().name)
        .collect()
        .await;
    assert_eq!(watched, ["n0", "n1", "n2"]);
    let chunks: BoxStream<'static, Chunk> =
        Box::pin(futures::stream::iter((0..4).map(|i| chunk(i, 25))));
    assert_eq!(
        proxy.upload(Request::new(chunks)).await.unwrap(),
        UploadReply { total: 100 }
    );
    let chunks: BoxStream<'static, Chunk> =
        Box::pin(futures::stream::iter((1..4).map(|i| chunk(i, 1))));
    let seqs: Vec<u64> = proxy
        .chat(Request::new(chunks))
        .map(|c| c.unwrap().seq)
        .collect()
        .await;
    assert_eq!(seqs, [10, 20, 30]);
    // Python compares what it decoded with the containers it builds itself.
    let optionals = proxy
        .everything(Request::new(common::containers()))
        .await
        .unwrap();
    assert_eq!(optionals.small, 8);
    proxy.ping(Request::new(())).await.unwrap();
    drop(server.stdin.take());
    let _ = server.wait().await;
}

/// A value of each stress type, by message name.
macro_rules! samples {
    ($($name:ident => $value:expr),* $(,)?) => {
        fn encoded() -> serde_json::Map<String, serde_json::Value> {
            let mut out = serde_json::Map::new();
            $( out.insert(stringify!($name).into(), hex(&$value.encode_to_vec()).into()); )*
            out
        }

        fn check_back(back: &serde_json::Map<String, serde_json::Value>) {
            $(
                let bytes = unhex(back[stringify!($name)].as_str().unwrap());
                assert_eq!($name::decode(&bytes).unwrap(), $value, stringify!($name));
            )*
        }
    };
}

samples! {
    Scalars => common::scalars(),
    Optionals => common::optionals_of(&common::containers()),
    Containers => common::containers(),
    Item => common::item(2),
    Shape => Shape::Points(vec![Point { x: 0.5, y: 0.0 }]),
    Circle => Circle { radius: -0.0 },
    Empty => Empty {},
    Keywords => Keywords {
        r#type: "t".into(),
        r#yield: -1,
        option: Some(String::new()),
        repeated: true,
        stream: "s".into(),
        messages: vec!["m".into(); 3],
        ..Keywords::default()
    },
    Thing => common::thing(uuid::Uuid::from_u128(7)),
    ListThings => ListThings {
        colors: vec![Color::Blue, Color::Negative],
        tags: Some(vec![]),
        limit: 50,
        tenant: "t".into(),
        etag: None,
        after: Some(chrono::DateTime::UNIX_EPOCH),
        reverse: Some(false),
        light: Some(Light::Unknown(accord::UnknownValue::Number(0))),
    },
    ThingList => ThingList { things: vec![common::thing(uuid::Uuid::nil())], next: Some("n".into()) },
    ReplaceThing => ReplaceThing {
        id: uuid::Uuid::from_u128(1),
        etag: "e".into(),
        thing: common::thing(uuid::Uuid::from_u128(1)),
        note: None,
    },
    PatchLabels => PatchLabels { id: uuid::Uuid::from_u128(2), labels: [("a".into(), String::new())].into(), dry_run: Some(true) },
    Chunk => chunk(9, 5),
    Constrained => Constrained {
        percent: 1,
        positive: 0.5,
        at_most: 10,
        slug: "s".into(),
        digest: accord::Bytes(vec![1]),
        items: vec![common::item(3)],
        labels: [("k".into(), "v".into())].into(),
        code: "ab".into(),
        tilt: -1.5,
    },
    Internal => Internal { detail: None },
    ThingHappened => ThingHappened {
        id: uuid::Uuid::from_u128(3),
        at: chrono::DateTime::from_timestamp(1, 0).unwrap(),
        shape: Some(Shape::Nothing(Empty {})),
    },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_stress_type_encoded_by_rust_reads_in_python_and_back() {
    let Some(dir) = python() else { return };
    let (path, gen_dir) = script(dir.path());
    let mut child = Command::new("python3")
        .arg(path)
        .arg(gen_dir)
        .arg("codec")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&encoded()).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "Python could not read the Rust encodings:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap();
    check_back(&back);
    let python = |name: &str| unhex(back[name].as_str().unwrap());
    assert_eq!(
        Scalars::decode(&python("python:Scalars")).unwrap(),
        common::scalars()
    );
    assert_eq!(
        Containers::decode(&python("python:Containers")).unwrap(),
        common::containers()
    );
    // Absent optional fields with a @default read as the default, as they do from JSON.
    let defaults: Optionals = serde_json::from_str("{}").unwrap();
    assert_eq!(
        Optionals::decode(&python("python:Optionals")).unwrap(),
        defaults
    );
}
