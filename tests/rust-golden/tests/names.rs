//! The awkward-names API (`api/names.accord`) on the wire and over loopback: keyword and
//! case-only names keep their wire spelling, and a service named `type` with operations named
//! `match`, `self`, `Self` and `async` is served and called through its generated REST parts.

use accord::{CallError, Request, UnknownValue};
use accord_rust_golden::names_api::awkward::self_::r#type::{MatchError, SelfError, rest};
use accord_rust_golden::names_api::awkward::self_::{
    AThing, Crate, Error, Input, Lookup, Match, Self_, TheThing, Thing, Type, TypeError,
};
use futures::StreamExt as _;
use serde_json::json;

#[test]
fn escaped_names_keep_their_wire_names() {
    let wire = json!({"self": "a", "Self": 2, "super": ["s"], "self_": "b", "type": "t",
        "userId": 7, "user_id": 8});
    let value: Self_ = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(
        (value.self_.as_str(), value.self_2, value.self_3.as_str()),
        ("a", 2, "b")
    );
    assert_eq!((value.user_id, value.user_id_2), (7, 8));
    assert_eq!(value.crate_, None);
    assert_eq!(serde_json::to_value(&value).unwrap(), wire);
}

#[test]
fn enum_values_differing_in_case_and_a_value_named_unknown_stay_apart() {
    let read = |v: &str| serde_json::from_value::<Match>(json!(v)).unwrap();
    assert_eq!(read("OK"), Match::Ok);
    assert_eq!(read("ok"), Match::Ok2);
    assert_eq!(read("Ok"), Match::Ok3);
    assert_eq!(read("Unknown"), Match::Unknown);
    assert_eq!(read("self"), Match::Self_);
    assert_eq!(
        read("LATER"),
        Match::Unknown2(UnknownValue::Name("LATER".into()))
    );
    assert_eq!(serde_json::to_value(Match::Ok2).unwrap(), json!("ok"));
    let union: Crate = serde_json::from_value(json!({"Self": 3})).unwrap();
    assert_eq!(union, Crate::Self2(3));
    let union: Crate = serde_json::from_value(json!({"type": {"id": 1}})).unwrap();
    assert_eq!(union, Crate::Type(Thing { id: 1 }));
}

struct Types;

impl Type for Types {
    async fn r#match(&self, request: Request<Input>) -> Result<Self_, MatchError> {
        let input = request.input;
        match input.r#type.as_str() {
            "conflict" => Err(TypeError { r#fn: "f".into() }.into()),
            "gone" => Err(Error { r#loop: true }.into()),
            _ => Ok(Self_ {
                self_: input.self_.unwrap_or_default(),
                self_2: 0,
                crate_: Some(input.which.is_some()),
                super_: Vec::new(),
                self_3: input
                    .r#match
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
                r#type: input.r#type,
                user_id: 1,
                user_id_2: 2,
            }),
        }
    }

    async fn self_(&self, request: Request<Lookup>) -> Result<Thing, SelfError> {
        Ok(Thing {
            id: request.input.super_.len() as i64,
        })
    }

    async fn self_2(&self, request: Request<Lookup>) -> Result<AThing, CallError> {
        Ok(AThing {
            name: request.input.r#type,
        })
    }

    async fn r#async(&self, _: Request<Lookup>) -> Result<(), CallError> {
        Ok(())
    }

    fn r#loop(&self, _: Request<Input>) -> accord::BoxStream<'static, Result<TheThing, CallError>> {
        Box::pin(futures::stream::empty())
    }
}

fn input(r#type: &str) -> Input {
    Input {
        r#type: r#type.into(),
        r#match: Some(Match::Ok2),
        self_: Some("me".into()),
        which: Some(Crate::Self_("x".into())),
    }
}

#[tokio::test]
async fn a_service_named_type_round_trips_over_loopback() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(accord::rest::server::serve(
        listener,
        rest::router(Types, Default::default()),
        accord::Shutdown::never(),
    ));
    let proxy = rest::Proxy::connect(base).unwrap();

    let got = proxy.r#match(input("plain").into()).await.unwrap();
    assert_eq!(got.r#type, "plain", "the path placeholder {{type}}");
    assert_eq!(got.self_, "me", "the X-Self header");
    assert_eq!(got.self_3, "ok", "the match query value");
    assert_eq!(got.crate_, Some(true), "the body");
    let conflict = proxy.r#match(input("conflict").into()).await;
    assert_eq!(
        conflict,
        Err(MatchError::TypeError(TypeError { r#fn: "f".into() }))
    );
    let gone = proxy.r#match(input("gone").into()).await;
    assert_eq!(gone, Err(MatchError::Error(Error { r#loop: true })));

    let lookup = Lookup {
        r#type: "t".into(),
        r#match: None,
        self_: None,
        super_: vec![Match::Ok, Match::Self_],
    };
    assert_eq!(proxy.self_(lookup.clone().into()).await.unwrap().id, 2);
    assert_eq!(proxy.self_2(lookup.clone().into()).await.unwrap().name, "t");
    proxy.r#async(lookup.into()).await.unwrap();
    let mut stream = proxy.r#loop(input("x").into());
    assert!(matches!(
        stream.next().await,
        Some(Err(CallError::Unsupported { .. }))
    ));
}
