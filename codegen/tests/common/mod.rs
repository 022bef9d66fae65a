//! Shared by the document tests: the models they emit from and a place to write files.
#![allow(dead_code)]

use accord_idl::model::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn field(name: &str, number: u32, ty: Type) -> Field {
    Field {
        name: name.into(),
        number,
        ty,
        optional: false,
        docs: None,
        lifecycle: Lifecycle::default(),
        constraints: Constraints::default(),
        default: None,
        http_override: None,
    }
}

fn decl(name: &str, kind: DeclKind) -> Decl {
    Decl {
        name: name.into(),
        package: PackageId(0),
        docs: None,
        lifecycle: Lifecycle::default(),
        kind,
    }
}

fn structure(name: &str, role: StructRole, fields: Vec<Field>) -> Decl {
    decl(
        name,
        DeclKind::Struct(Struct {
            role,
            fields,
            reserved: Vec::new(),
            links: Vec::new(),
        }),
    )
}

fn op(name: &str, input: Option<u32>, output: Output) -> Operation {
    Operation {
        name: name.into(),
        docs: None,
        lifecycle: Lifecycle::default(),
        input: input.map(DeclId),
        input_stream: false,
        output,
        throws: Vec::new(),
        http: None,
        channel: None,
        timeout: None,
        idempotent: false,
        auth: None,
        scopes: None,
    }
}

/// A small model built by hand, independent of the front end: one package with a struct of
/// constrained fields, an enum, a union, two errors at one status, an event on a keyed channel,
/// HTTP operations (path, query, header and body) and channel-bound operations.
pub fn hand_built() -> Model {
    let s = Type::Scalar;
    let named = |i| Type::Named(DeclId(i));
    let mut quantity = field("quantity", 2, s(Scalar::U32));
    quantity.constraints.range = Some(Bounds {
        min: Some(Number::Int(1)),
        max: Some(Number::Int(100)),
    });
    let mut note = field("note", 3, s(Scalar::String));
    note.optional = true;
    note.default = Some(Value::String("none".into()));
    note.constraints.length = Some(Bounds {
        min: Some(1),
        max: Some(20),
    });
    note.constraints.pattern = Some("^[a-z ]+$".into());
    let mut state = field("state", 4, named(1));
    state.optional = true;
    state.default = Some(Value::EnumValue("OPEN".into()));
    state.docs = Some("Where it stands.".into());
    let item = structure(
        "Item",
        StructRole::Plain,
        vec![
            field("id", 1, s(Scalar::Uuid)),
            quantity,
            note,
            state,
            field("pay", 5, named(2)),
        ],
    );
    let states = decl(
        "State",
        DeclKind::Enum(Enum {
            values: ["OPEN", "CLOSED"]
                .iter()
                .enumerate()
                .map(|(i, n)| EnumValue {
                    name: (*n).into(),
                    number: i as i32,
                    docs: None,
                    lifecycle: Lifecycle::default(),
                })
                .collect(),
            reserved: Vec::new(),
        }),
    );
    let pay = decl(
        "Pay",
        DeclKind::Union(Union {
            variants: vec![
                field("card", 1, s(Scalar::String)),
                field("points", 2, Type::List(Box::new(s(Scalar::I64)))),
            ],
            reserved: Vec::new(),
        }),
    );
    let mut tenant = field("tenant", 2, s(Scalar::String));
    tenant.http_override = Some(ParamLocation::Header("X-Tenant".into()));
    let get = structure(
        "GetItem",
        StructRole::Plain,
        vec![
            field("id", 1, s(Scalar::Uuid)),
            tenant,
            field("tags", 3, Type::List(Box::new(s(Scalar::String)))),
        ],
    );
    let missing = structure(
        "Missing",
        StructRole::Error { status: 404 },
        vec![field("id", 1, s(Scalar::Uuid))],
    );
    let gone = structure("Gone", StructRole::Error { status: 404 }, vec![]);
    let added = structure(
        "ItemAdded",
        StructRole::Event,
        vec![
            field("id", 1, s(Scalar::Uuid)),
            field(
                "counts",
                2,
                Type::Map(Scalar::I32, Box::new(s(Scalar::F64))),
            ),
        ],
    );

    let mut get_item = op("get_item", Some(4), Output::Single(DeclId(0)));
    get_item.throws = vec![DeclId(5), DeclId(6)];
    get_item.http = Some(HttpBinding {
        method: HttpMethod::Get,
        status: None,
        path: "/items/{id}".into(),
        segments: vec![
            PathSegment::Literal("/items/".into()),
            PathSegment::Param(0),
        ],
        params: vec![
            HttpParam {
                field: 0,
                location: ParamLocation::Path,
            },
            HttpParam {
                field: 1,
                location: ParamLocation::Header("X-Tenant".into()),
            },
            HttpParam {
                field: 2,
                location: ParamLocation::Query("tags".into()),
            },
        ],
    });
    let mut put_item = op("put_item", Some(0), Output::Unit);
    put_item.http = Some(HttpBinding {
        method: HttpMethod::Put,
        status: None,
        path: "/items/{id}".into(),
        segments: vec![
            PathSegment::Literal("/items/".into()),
            PathSegment::Param(0),
        ],
        params: (0..5)
            .map(|f| HttpParam {
                field: f,
                location: if f == 0 {
                    ParamLocation::Path
                } else {
                    ParamLocation::Body
                },
            })
            .collect(),
    });
    let mut watch = op("watch", Some(4), Output::Stream(DeclId(0)));
    watch.http = Some(HttpBinding {
        method: HttpMethod::Post,
        status: None,
        path: "/watch".into(),
        segments: vec![PathSegment::Literal("/watch".into())],
        params: (0..3)
            .map(|f| HttpParam {
                field: f,
                location: ParamLocation::Body,
            })
            .collect(),
    });
    let mut ask = op("ask", Some(0), Output::Single(DeclId(0)));
    ask.channel = Some(ChannelBinding {
        channel: ChannelId(0),
        collect: None,
    });
    ask.throws = vec![DeclId(5)];
    let mut poll = op("poll", Some(0), Output::Stream(DeclId(7)));
    poll.channel = Some(ChannelBinding {
        channel: ChannelId(1),
        collect: Some(Duration::from_millis(1500)),
    });
    let mut tell = op("tell", Some(0), Output::None);
    tell.channel = Some(ChannelBinding {
        channel: ChannelId(0),
        collect: None,
    });

    let channel = |name: &str, kind, messages: Vec<u32>, key: Option<&str>, format| Channel {
        name: name.into(),
        package: PackageId(0),
        docs: None,
        lifecycle: Lifecycle::default(),
        kind,
        address: format!("demo.{name}"),
        messages: messages.into_iter().map(DeclId).collect(),
        key: key.map(str::to_string),
        format,
    };
    Model {
        packages: vec![Package {
            name: "demo.shop".into(),
            version: semver::Version::new(1, 2, 3),
            decls: (0..8).map(DeclId).collect(),
            services: vec![ServiceId(0)],
            channels: vec![ChannelId(0), ChannelId(1)],
        }],
        decls: vec![item, states, pay, nothing(), get, missing, gone, added],
        services: vec![Service {
            name: "Shop".into(),
            package: PackageId(0),
            docs: Some("A shop.".into()),
            lifecycle: Lifecycle::default(),
            timeout: Some(Duration::from_secs(3)),
            auth: None,
            scopes: None,
            operations: vec![get_item, put_item, watch, ask, poll, tell],
            publishes: vec![ChannelId(1)],
            subscribes: vec![],
            uses: vec![],
            hypermedia: false,
        }],
        channels: vec![
            channel(
                "commands",
                ChannelKind::PointToPoint,
                vec![0],
                Some("id"),
                Format::Json,
            ),
            channel(
                "events",
                ChannelKind::PublishSubscribe,
                vec![0, 7],
                Some("id"),
                Format::Protobuf,
            ),
        ],
    }
}

/// An empty struct, used nowhere: emitters must still give it a schema.
fn nothing() -> Decl {
    structure("Nothing", StructRole::Plain, vec![])
}

/// Compiles `.accord` roots (relative to the workspace) with the front end; panics with the
/// rendered diagnostics when they do not compile.
pub fn compile(roots: &[&str]) -> Model {
    let roots: Vec<PathBuf> = roots.iter().map(|r| root().join(r)).collect();
    let mut loader = |path: &Path| std::fs::read_to_string(path);
    let compilation = accord_idl::compile(&roots, &mut loader);
    assert!(
        !compilation.has_errors(),
        "{}",
        accord_idl::render::human(&compilation.sources, &compilation.diagnostics)
    );
    compilation.model
}

/// The FTGO example APIs: every file of examples/ftgo/api.
pub fn ftgo() -> Model {
    compile(&[
        "examples/ftgo/api/common.accord",
        "examples/ftgo/api/order.accord",
        "examples/ftgo/api/kitchen.accord",
        "examples/ftgo/api/consumer.accord",
        "examples/ftgo/api/accounting.accord",
    ])
}

/// The stress API that uses every feature of the language.
pub fn stress() -> Model {
    compile(&["tests/stress/everything.accord"])
}

/// Whether `protoc` runs. Missing, it fails under `CI` and prints `SKIPPED` otherwise.
pub fn protoc_available() -> bool {
    let ok = std::process::Command::new("protoc")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "protoc is not installed, and CI requires it (apt-get install -y protobuf-compiler)"
        );
        println!("SKIPPED: protoc not installed");
        eprintln!("SKIPPED: protoc not installed");
    }
    ok
}

/// Writes `files` under `dir`.
pub fn write(dir: &Path, files: &[accord_codegen::OutputFile]) {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files live in a folder")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write .proto");
    }
}

/// Runs protoc over `files` (`.proto`) and returns the descriptor set's size, or why protoc
/// refused them (its message and the files).
pub fn protoc_descriptor_set(files: &[accord_codegen::OutputFile]) -> Result<usize, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), files);
    let out = dir.path().join("out.pb");
    let result = std::process::Command::new("protoc")
        .arg("--include_imports")
        .arg("-o")
        .arg(&out)
        .arg("-I")
        .arg(dir.path())
        .args(files.iter().map(|f| &f.path))
        .current_dir(dir.path())
        .output()
        .expect("protoc runs");
    if !result.status.success() {
        let listing: String = files
            .iter()
            .map(|f| format!("==> {}\n{}\n", f.path.display(), f.contents))
            .collect();
        return Err(format!(
            "protoc rejected the files:\n{}\n{listing}",
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    Ok(std::fs::metadata(&out)
        .expect("descriptor set written")
        .len() as usize)
}

/// [`protoc_descriptor_set`] for the build property: whether protoc accepts `files`.
pub fn protoc_accepts(files: &[accord_codegen::OutputFile]) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    protoc_descriptor_set(files).map(|_| ())
}
