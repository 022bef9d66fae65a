//! The encoding against prost's derive for the same `.proto` shapes: equal bytes both ways.

use super::*;
use crate::UnknownValue;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
struct Line {
    item: String,
    quantity: i32,
}
crate::__message!(Line = "t.v1.Line" { item: String = 1, quantity: i32 = 2 });

crate::__enumeration! {
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub enum State {
        Pending = 1 => "PENDING",
        Done = 2 => "DONE",
    }
    unknown Unknown;
}

#[derive(Debug, Clone, PartialEq)]
enum Pay {
    Card(Line),
    Voucher(String),
    Tags(Vec<String>),
}
crate::__oneof!(Pay = "t.v1.Pay" { Card(Line) = 1, Voucher(String) = 2, Tags(Vec<String>) = 3 });

#[derive(Debug, Clone, PartialEq)]
struct Order {
    id: i64,
    state: State,
    lines: Vec<Line>,
    note: Option<String>,
    pay: Option<Pay>,
    labels: BTreeMap<String, String>,
    at: crate::Timestamp,
    counts: Vec<u32>,
    states: Vec<State>,
    matrix: Vec<Vec<i32>>,
    opt_tags: Option<Vec<String>>,
    ratio: f64,
    flag: Option<bool>,
}
crate::__message!(Order = "t.v1.Order" {
    id: i64 = 1,
    state: State = 2,
    lines: Vec<Line> = 3,
    note: Option<String> = 4,
    pay: Option<Pay> = 5,
    labels: BTreeMap<String, String> = 6,
    at: crate::Timestamp = 7,
    counts: Vec<u32> = 8,
    states: Vec<State> = 9,
    matrix: Vec<Vec<i32>> = 10,
    opt_tags: Option<Vec<String>> = 11,
    ratio: f64 = 12,
    flag: Option<bool> = 13,
});

mod reference {
    //! What prost's derive writes for the `.proto` Accord emits for the types above.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Line {
        #[prost(string, tag = "1")]
        pub item: String,
        #[prost(int32, tag = "2")]
        pub quantity: i32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListOfString {
        #[prost(string, repeated, tag = "1")]
        pub values: Vec<String>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListOfI32 {
        #[prost(int32, repeated, tag = "1")]
        pub values: Vec<i32>,
    }
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum PayKind {
        #[prost(message, tag = "1")]
        Card(Line),
        #[prost(string, tag = "2")]
        Voucher(String),
        #[prost(message, tag = "3")]
        Tags(ListOfString),
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Pay {
        #[prost(oneof = "PayKind", tags = "1, 2, 3")]
        pub pay: Option<PayKind>,
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
        pub id: i64,
        #[prost(int32, tag = "2")]
        pub state: i32,
        #[prost(message, repeated, tag = "3")]
        pub lines: Vec<Line>,
        #[prost(string, optional, tag = "4")]
        pub note: Option<String>,
        #[prost(message, optional, tag = "5")]
        pub pay: Option<Pay>,
        #[prost(btree_map = "string, string", tag = "6")]
        pub labels: std::collections::BTreeMap<String, String>,
        #[prost(message, optional, tag = "7")]
        pub at: Option<Timestamp>,
        #[prost(uint32, repeated, tag = "8")]
        pub counts: Vec<u32>,
        #[prost(int32, repeated, tag = "9")]
        pub states: Vec<i32>,
        #[prost(message, repeated, tag = "10")]
        pub matrix: Vec<ListOfI32>,
        #[prost(message, optional, tag = "11")]
        pub opt_tags: Option<ListOfString>,
        #[prost(double, tag = "12")]
        pub ratio: f64,
        #[prost(bool, optional, tag = "13")]
        pub flag: Option<bool>,
    }
}

fn sample() -> (Order, reference::Order) {
    let at = chrono::DateTime::from_timestamp(1_767_225_600, 123_456_789).unwrap();
    let ours = Order {
        id: -5,
        state: State::Done,
        lines: vec![
            Line {
                item: "pizza".into(),
                quantity: 2,
            },
            Line {
                item: String::new(),
                quantity: 0,
            },
        ],
        note: Some(String::new()),
        pay: Some(Pay::Tags(vec!["a".into(), String::new()])),
        labels: BTreeMap::from([("k".into(), "v".into()), ("e".into(), String::new())]),
        at,
        counts: vec![0, 1, 300, u32::MAX],
        states: vec![State::Pending, State::Unknown(UnknownValue::Number(-3))],
        matrix: vec![vec![1, -1], vec![]],
        opt_tags: Some(vec![]),
        ratio: -0.0,
        flag: Some(false),
    };
    let reference = reference::Order {
        id: -5,
        state: 2,
        lines: vec![
            reference::Line {
                item: "pizza".into(),
                quantity: 2,
            },
            reference::Line::default(),
        ],
        note: Some(String::new()),
        pay: Some(reference::Pay {
            pay: Some(reference::PayKind::Tags(reference::ListOfString {
                values: vec!["a".into(), String::new()],
            })),
        }),
        labels: ours.labels.clone(),
        at: Some(reference::Timestamp {
            seconds: 1_767_225_600,
            nanos: 123_456_789,
        }),
        counts: vec![0, 1, 300, u32::MAX],
        states: vec![1, -3],
        matrix: vec![
            reference::ListOfI32 {
                values: vec![1, -1],
            },
            reference::ListOfI32 { values: vec![] },
        ],
        opt_tags: Some(reference::ListOfString { values: vec![] }),
        ratio: -0.0,
        flag: Some(false),
    };
    (ours, reference)
}

#[test]
fn prost_reads_what_we_write_and_we_read_what_prost_writes() {
    let (ours, reference) = sample();
    let bytes = ours.encode_to_vec();
    assert_eq!(bytes.len(), ours.body_len());
    let read = <reference::Order as prost::Message>::decode(bytes.as_slice()).unwrap();
    assert_eq!(read, reference);
    let theirs = prost::Message::encode_to_vec(&reference);
    assert_eq!(Order::decode(&theirs).unwrap(), ours);
    // Both leave out what proto3 leaves out, so the bytes are the same up to the map entry
    // with an empty value, which prost leaves out and protoc's C++ and Python write (both are
    // valid), and `-0.0`, which protoc's code writes (it compares bits) and prost does not.
    let first = bytes.iter().zip(&theirs).position(|(a, b)| a != b);
    assert_eq!(first, Some(38));
}

#[test]
fn absent_fields_read_as_proto3_defaults_and_a_required_union_is_refused() {
    let empty = Order::decode(&[]).unwrap();
    assert_eq!(empty.state, State::Unknown(UnknownValue::Number(0)));
    assert_eq!(empty.at, chrono::DateTime::UNIX_EPOCH);
    assert!(empty.note.is_none() && empty.lines.is_empty());
    assert!(Pay::decode(&[]).is_err());
    // Unpacked numbers are read too.
    let unpacked = [0x40, 0x07, 0x40, 0x08];
    assert_eq!(Order::decode(&unpacked).unwrap().counts, [7, 8]);
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    let (ours, _) = sample();
    let bytes = ours.encode_to_vec();
    for cut in 0..bytes.len() {
        let _ = Order::decode(&bytes[..cut]);
    }
    for junk in [
        &[0xff_u8; 12][..],
        &[0x1a, 0x80],
        &[0x0b],
        &[0x22, 0x02, 0xff, 0xfe],
    ] {
        assert!(Order::decode(junk).is_err(), "{junk:?}");
    }
    // Deep nesting stops at the limit.
    let mut deep = Vec::new();
    for _ in 0..200 {
        let mut outer = vec![0x2a];
        prost::encoding::encode_varint(deep.len() as u64, &mut outer);
        outer.extend(deep);
        deep = outer;
    }
    assert!(Order::decode(&deep).is_err());
}
