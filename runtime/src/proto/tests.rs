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

/// `docs/wire.md`: an unknown field is skipped, whatever its wire type, groups (wire types 3 and
/// 4, proto2's, which protoc's parsers still skip) included, at any depth; both decoders agree.
#[test]
fn unknown_groups_are_skipped_as_prost_skips_them() {
    use prost::encoding::{WireType, encode_key, encode_varint};
    /// An unknown group numbered 90 holding a varint, a string, a fixed64 and a nested group.
    fn group(buf: &mut Vec<u8>) {
        encode_key(90, WireType::StartGroup, buf);
        encode_key(1, WireType::Varint, buf);
        encode_varint(300, buf);
        encode_key(2, WireType::LengthDelimited, buf);
        encode_varint(3, buf);
        buf.extend_from_slice(b"abc");
        encode_key(3, WireType::SixtyFourBit, buf);
        buf.extend_from_slice(&[7; 8]);
        encode_key(4, WireType::StartGroup, buf);
        encode_key(5, WireType::ThirtyTwoBit, buf);
        buf.extend_from_slice(&[1; 4]);
        encode_key(4, WireType::EndGroup, buf);
        encode_key(90, WireType::EndGroup, buf);
    }
    let (ours, reference) = sample();
    let plain = ours.encode_to_vec();
    // Before, between and after the known fields, and inside a nested message (a line item).
    let mut bytes = Vec::new();
    group(&mut bytes);
    bytes.extend_from_slice(&plain);
    group(&mut bytes);
    let mut line = Vec::new();
    group(&mut line);
    Line {
        item: "soup".into(),
        quantity: 1,
    }
    .encode_body(&mut line);
    group(&mut line);
    encode_key(3, WireType::LengthDelimited, &mut bytes);
    encode_varint(line.len() as u64, &mut bytes);
    bytes.extend_from_slice(&line);

    let theirs = <reference::Order as prost::Message>::decode(bytes.as_slice()).unwrap();
    let read = Order::decode(&bytes).unwrap();
    assert_eq!(read.lines.len(), 3);
    assert_eq!(read.lines[2].item, "soup");
    assert_eq!(theirs.lines[2].item, "soup");
    let mut expected = ours.clone();
    expected.lines.push(read.lines[2].clone());
    assert_eq!(read, expected);
    assert_eq!(prost::Message::encode_to_vec(&theirs).len(), {
        let mut r = reference.clone();
        r.lines.push(theirs.lines[2].clone());
        prost::Message::encoded_len(&r)
    });

    // A group that never ends, or ends with another number, is malformed for both.
    for broken in [
        vec![0xd3, 0x05, 0x08, 0x01], // start 90, varint, no end
        vec![0xd3, 0x05, 0xdc, 0x05], // start 90, end 91
        vec![0xd4, 0x05],             // a lone end group
    ] {
        assert!(Order::decode(&broken).is_err(), "{broken:x?}");
        assert!(<reference::Order as prost::Message>::decode(broken.as_slice()).is_err());
    }
}

/// A known field number arriving with a wire type its type cannot have is an unknown field
/// too, as protoc's parsers read it (C++, Java, Python; Go since 2018): skipped, never an
/// error. prost refuses it instead.
#[test]
fn a_known_number_with_a_foreign_wire_type_is_skipped_as_protoc_does() {
    use prost::encoding::{WireType, encode_key, encode_varint};
    let (ours, _) = sample();
    let mut bytes = Vec::new();
    // `id` (int64) as a group, `lines` (messages) as a varint, `labels` (map) as a fixed32,
    // `ratio` (double) as a length-delimited value, `state` (enum) as a fixed64.
    encode_key(1, WireType::StartGroup, &mut bytes);
    encode_key(1, WireType::Varint, &mut bytes);
    encode_varint(5, &mut bytes);
    encode_key(1, WireType::EndGroup, &mut bytes);
    encode_key(3, WireType::Varint, &mut bytes);
    encode_varint(9, &mut bytes);
    encode_key(6, WireType::ThirtyTwoBit, &mut bytes);
    bytes.extend_from_slice(&[0; 4]);
    encode_key(12, WireType::LengthDelimited, &mut bytes);
    encode_varint(2, &mut bytes);
    bytes.extend_from_slice(b"no");
    encode_key(2, WireType::SixtyFourBit, &mut bytes);
    bytes.extend_from_slice(&[1; 8]);
    // The union as a varint, and inside it a known variant number as a group.
    encode_key(5, WireType::Varint, &mut bytes);
    encode_varint(1, &mut bytes);
    let mut extra = bytes.clone();
    bytes.extend_from_slice(&ours.encode_to_vec());
    assert_eq!(Order::decode(&bytes).unwrap(), ours);
    assert!(<reference::Order as prost::Message>::decode(bytes.as_slice()).is_err());

    // Inside nested messages, a union, a map entry and a wrapper as well.
    let mut pay = Vec::new();
    encode_key(2, WireType::StartGroup, &mut pay);
    encode_key(2, WireType::EndGroup, &mut pay);
    encode_key(2, WireType::LengthDelimited, &mut pay);
    encode_varint(1, &mut pay);
    pay.push(b'v');
    encode_key(5, WireType::LengthDelimited, &mut extra);
    encode_varint(pay.len() as u64, &mut extra);
    extra.extend_from_slice(&pay);
    let mut entry = Vec::new();
    encode_key(1, WireType::Varint, &mut entry);
    encode_varint(3, &mut entry);
    "k2".to_owned().encode_present(1, &mut entry);
    encode_key(2, WireType::SixtyFourBit, &mut entry);
    entry.extend_from_slice(&[0; 8]);
    "v2".to_owned().encode_present(2, &mut entry);
    encode_key(6, WireType::LengthDelimited, &mut extra);
    encode_varint(entry.len() as u64, &mut extra);
    extra.extend_from_slice(&entry);
    let mut tags = Vec::new();
    encode_key(1, WireType::Varint, &mut tags);
    encode_varint(0, &mut tags);
    encode_key(11, WireType::LengthDelimited, &mut extra);
    encode_varint(tags.len() as u64, &mut extra);
    extra.extend_from_slice(&tags);
    let read = Order::decode(&extra).unwrap();
    assert_eq!(read.pay, Some(Pay::Voucher("v".into())));
    assert_eq!(read.labels, BTreeMap::from([("k2".into(), "v2".into())]));
    assert_eq!(read.opt_tags, Some(vec![]));
}
