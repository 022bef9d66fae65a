//! A resource's HAL `_links` written straight into its response body (`docs/wire.md`,
//! "Hypermedia"): the output is serialized once, as it is for any JSON reply, and its `_links`
//! member is appended from the static [`Resource`] description and the few fields its links
//! name. No intermediate JSON value, map or per-link string is built: the link targets are
//! assembled in one reused buffer and percent-encoding copies a value's text as it is when
//! nothing in it needs escaping.
//!
//! Building the links from a `serde_json::Value` of the output cost about 75 allocations and
//! a quarter of the skeleton's CPU per `GET /orders/{id}` (issue 31).

use super::{Relation, Resource};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt::Write as _;
use std::ops::Range;

/// What a value keeps as it is inside a path segment or a query value: RFC 3986's unreserved
/// characters. Everything else (`/`, `?`, `&`, `%`, spaces, non-ASCII) is percent-encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The resource's fields its links need, as text: strings as they are, numbers and booleans
/// as JSON writes them (what `serde_json::Value`'s `to_string` gave before).
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// Every captured value's text, one after the other.
    text: String,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// The field, as the resource description spells it.
    field: &'static str,
    kind: Kind,
}

#[derive(Debug, PartialEq)]
enum Kind {
    /// A scalar field's text.
    Scalar(Range<usize>),
    /// A list field; its scalar elements follow as `Element`s.
    List,
    Element(Range<usize>),
}

impl Fields {
    /// The fields `resource` links with, read from `output`; `None` when the output is not a
    /// JSON object (it then has no links, as before).
    pub(crate) fn of<O: Serialize + ?Sized>(
        resource: &'static Resource,
        output: &O,
    ) -> Option<Self> {
        let mut fields = Fields::default();
        output
            .serialize(Top {
                wanted: &Wanted::of(resource),
                fields: &mut fields,
            })
            .ok()?;
        Some(fields)
    }

    fn scalar(&self, field: &str) -> Option<&str> {
        self.entries.iter().find_map(|e| match &e.kind {
            Kind::Scalar(range) if e.field == field => Some(&self.text[range.clone()]),
            _ => None,
        })
    }

    /// The elements of list field `field`; `None` when it is absent or not a list.
    fn list(&self, field: &str) -> Option<impl Iterator<Item = &str>> {
        let at = self
            .entries
            .iter()
            .position(|e| e.field == field && e.kind == Kind::List)?;
        Some(self.entries[at + 1..].iter().map_while(|e| match &e.kind {
            Kind::Element(range) => Some(&self.text[range.clone()]),
            _ => None,
        }))
    }

    fn push(&mut self, field: &'static str, element: bool, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        let range = start..self.text.len();
        let kind = if element {
            Kind::Element(range)
        } else {
            Kind::Scalar(range)
        };
        self.entries.push(Entry { field, kind });
    }
}

/// Where the links' targets start: this service's public base URL (without its trailing
/// slash) and each linked service's.
pub(crate) trait Bases {
    fn own(&self) -> &str;
    fn relation(&self, relation: &Relation) -> &str;
}

/// Appends `resource`'s `_links` member to `body`, a serialized JSON object, from `fields`;
/// returns the target of the first GET link when `location` is asked for (a created
/// resource's `Location`: its `self` link, listed first, else the first GET of its own
/// service; never a relation, which is another resource).
pub(crate) fn append_links(
    body: &mut Vec<u8>,
    resource: &'static Resource,
    fields: &Fields,
    bases: &impl Bases,
    location: bool,
) -> Option<String> {
    let mut writer = Writer::open(body, "_links");
    writer.body.push(b'{');
    let mut href = String::with_capacity(64);
    let mut found = None;
    for link in resource.links {
        href.clear();
        href.push_str(bases.own());
        if fill(&mut href, link.path, fields).is_some() {
            if location && found.is_none() && link.method == http::Method::GET {
                found = Some(href.clone());
            }
            writer.key(link.rel);
            writer.link(&href, link.method.as_str());
        }
    }
    for relation in resource.relations {
        let base = bases.relation(relation);
        let target = |href: &mut String, value: &str| {
            href.clear();
            href.push_str(base);
            match relation.href.split_once("{}") {
                Some((before, after)) => {
                    href.push_str(before);
                    href.extend(utf8_percent_encode(value, VALUE));
                    href.push_str(after);
                }
                None => href.push_str(relation.href),
            }
        };
        if relation.each {
            let Some(values) = fields.list(relation.field) else {
                continue;
            };
            writer.key(relation.rel);
            writer.body.push(b'[');
            for (i, value) in values.enumerate() {
                if i > 0 {
                    writer.body.push(b',');
                }
                target(&mut href, value);
                writer.link(&href, "GET");
            }
            writer.body.push(b']');
        } else if let Some(value) = fields.scalar(relation.field) {
            target(&mut href, value);
            writer.key(relation.rel);
            writer.link(&href, "GET");
        }
    }
    writer.close();
    found
}

/// Appends member `name` with `value` (serialized) to `body`, a serialized JSON object.
pub(crate) fn append_member(body: &mut Vec<u8>, name: &str, value: &impl Serialize) {
    let mut writer = Writer::open(body, name);
    writer.value(value);
    // The member's value is complete: only the object's closing brace is left.
    writer.body.push(b'}');
}

/// `href` followed by `path` with each `{field}` replaced by the resource's value of it,
/// percent-encoded; `None` when one is absent (the link does not apply to this resource).
fn fill(href: &mut String, path: &str, fields: &Fields) -> Option<()> {
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        href.push_str(&rest[..open]);
        let close = open + rest[open..].find('}')?;
        let value = fields.scalar(&rest[open + 1..close])?;
        href.extend(utf8_percent_encode(value, VALUE));
        rest = &rest[close + 1..];
    }
    href.push_str(rest);
    Some(())
}

/// Writes one member at the end of a serialized JSON object: its name, then its value (for
/// `_links`, an object of links).
struct Writer<'b> {
    body: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Writer<'b> {
    /// Reopens the object `body` holds (`{...}`) and starts member `name`'s value.
    fn open(body: &'b mut Vec<u8>, name: &str) -> Self {
        debug_assert_eq!(body.last(), Some(&b'}'));
        body.pop();
        if body.len() > 1 {
            body.push(b',');
        }
        let mut writer = Writer { body, first: true };
        writer.value(name);
        writer.body.push(b':');
        writer
    }

    fn key(&mut self, key: &str) {
        if !std::mem::take(&mut self.first) {
            self.body.push(b',');
        }
        self.value(key);
        self.body.push(b':');
    }

    fn link(&mut self, href: &str, method: &str) {
        self.body.extend_from_slice(b"{\"href\":");
        self.value(href);
        self.body.extend_from_slice(b",\"method\":");
        self.value(method);
        self.body.push(b'}');
    }

    /// A string or value as JSON, escaped as serde_json escapes it.
    fn value(&mut self, value: &(impl Serialize + ?Sized)) {
        // Writing a string or an already-encodable value to a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *self.body, value);
    }

    /// Closes the links object and the resource's object.
    fn close(self) {
        self.body.extend_from_slice(b"}}");
    }
}

/// The fields of a resource its links and relations read, listed once per response: looking
/// each member of the output up in the description scanned every link's path, some 300
/// instructions a member.
struct Wanted {
    resource: &'static Resource,
    names: [&'static str; 8],
    len: usize,
    /// More names than `names` holds: each is then looked up in the description.
    overflow: bool,
}

impl Wanted {
    fn of(resource: &'static Resource) -> Wanted {
        let mut wanted = Wanted {
            resource,
            names: [""; 8],
            len: 0,
            overflow: false,
        };
        let relations = resource.relations.iter().map(|r| r.field);
        let paths = resource.links.iter().flat_map(|l| placeholders(l.path));
        for name in relations.chain(paths) {
            if wanted.names[..wanted.len].contains(&name) {
                continue;
            }
            let Some(slot) = wanted.names.get_mut(wanted.len) else {
                wanted.overflow = true;
                break;
            };
            *slot = name;
            wanted.len += 1;
        }
        wanted
    }

    /// The field named `name`, when a link's path or a relation needs it (the description's
    /// own `&'static str`, so a map's keys are matched too).
    fn field(&self, name: &str) -> Option<&'static str> {
        if self.overflow {
            let relation = self.resource.relations.iter().find(|r| r.field == name);
            return relation.map(|r| r.field).or_else(|| {
                let mut paths = self.resource.links.iter().map(|l| l.path);
                paths.find_map(|path| placeholders(path).find(|p| *p == name))
            });
        }
        self.names[..self.len].iter().find(|n| **n == name).copied()
    }
}

/// The placeholders `{name}` of `path`, as slices of it.
fn placeholders(path: &'static str) -> impl Iterator<Item = &'static str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let open = rest.find('{')?;
        let close = open + rest[open..].find('}')?;
        let found = &rest[open + 1..close];
        rest = &rest[close + 1..];
        Some(found)
    })
}

/// Why capturing stopped: the output is not an object, or a value is not text (it is then
/// left out, like a JSON value that is neither string, number nor boolean).
#[derive(Debug)]
struct Skip;

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a link value")
    }
}

impl std::error::Error for Skip {}

impl ser::Error for Skip {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Skip
    }
}

/// The output's serializer: a struct or a map, whose wanted members are captured.
struct Top<'f> {
    wanted: &'f Wanted,
    fields: &'f mut Fields,
}

/// Refuses everything but what `$ok` names, with [`Skip`].
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Skip> { Err(Skip) })*
    };
}

macro_rules! refuse_compound {
    () => {
        type SerializeTupleVariant = Impossible<(), Skip>;
        type SerializeStructVariant = Impossible<(), Skip>;

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Skip> {
            Err(Skip)
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Skip> {
            Err(Skip)
        }

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Skip> {
            Err(Skip)
        }
    };
}

impl<'f> ser::Serializer for Top<'f> {
    type Ok = ();
    type Error = Skip;
    type SerializeSeq = Impossible<(), Skip>;
    type SerializeTuple = Impossible<(), Skip>;
    type SerializeTupleStruct = Impossible<(), Skip>;
    type SerializeMap = TopMap<'f>;
    type SerializeStruct = TopMap<'f>;
    refuse_compound!();

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Skip> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Skip> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Skip> {
        Err(Skip)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Skip> {
        Err(Skip)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Skip> {
        Err(Skip)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<TopMap<'f>, Skip> {
        Ok(TopMap {
            top: self,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<TopMap<'f>, Skip> {
        Ok(TopMap {
            top: self,
            key: None,
        })
    }
}

/// The output's members; the wanted ones are captured, the others not even formatted.
struct TopMap<'f> {
    top: Top<'f>,
    /// A map's current key, when it is a wanted field.
    key: Option<&'static str>,
}

impl TopMap<'_> {
    fn member<T: Serialize + ?Sized>(&mut self, field: Option<&'static str>, value: &T) {
        if let Some(field) = field {
            let fields = &mut *self.top.fields;
            // A value that is no text (an object, null) is simply not captured.
            let _ = value.serialize(Value {
                field,
                element: false,
                fields,
            });
        }
    }
}

impl ser::SerializeStruct for TopMap<'_> {
    type Ok = ();
    type Error = Skip;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Skip> {
        let field = self.top.wanted.field(key);
        self.member(field, value);
        Ok(())
    }

    fn end(self) -> Result<(), Skip> {
        Ok(())
    }
}

impl ser::SerializeMap for TopMap<'_> {
    type Ok = ();
    type Error = Skip;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Skip> {
        // JSON writes a map's key as text; only a key that is text can name a field.
        let fields = &mut Fields::default();
        let named = key.serialize(Value {
            field: "",
            element: false,
            fields,
        });
        self.key = named
            .ok()
            .and_then(|()| self.top.wanted.field(&fields.text));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
        let field = self.key.take();
        self.member(field, value);
        Ok(())
    }

    fn end(self) -> Result<(), Skip> {
        Ok(())
    }
}

/// A wanted member's value: its text, or each element's text when it is a list.
struct Value<'f> {
    field: &'static str,
    /// Whether this is an element of a list member (a list of lists is not captured).
    element: bool,
    fields: &'f mut Fields,
}

impl Value<'_> {
    fn text(self, write: impl FnOnce(&mut String)) -> Result<(), Skip> {
        self.fields.push(self.field, self.element, write);
        Ok(())
    }

    fn float(self, value: f64) -> Result<(), Skip> {
        // serde_json writes a non-finite float as `null`, no text.
        let number = serde_json::Number::from_f64(value).ok_or(Skip)?;
        self.text(|t| {
            let _ = write!(t, "{number}");
        })
    }
}

macro_rules! integers {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<(), Skip> {
            self.text(|t| t.push_str(itoa::Buffer::new().format(v)))
        })*
    };
}

impl<'f> ser::Serializer for Value<'f> {
    type Ok = ();
    type Error = Skip;
    type SerializeSeq = List<'f>;
    // JSON writes tuples as arrays too.
    type SerializeTuple = List<'f>;
    type SerializeTupleStruct = List<'f>;
    type SerializeMap = Impossible<(), Skip>;
    type SerializeStruct = Impossible<(), Skip>;
    refuse_compound!();

    integers!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128)
    );

    refuse!(
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str)
    );

    fn serialize_bool(self, v: bool) -> Result<(), Skip> {
        self.text(|t| t.push_str(if v { "true" } else { "false" }))
    }

    fn serialize_f32(self, v: f32) -> Result<(), Skip> {
        self.float(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Skip> {
        self.float(v)
    }

    fn serialize_char(self, v: char) -> Result<(), Skip> {
        self.text(|t| t.push(v))
    }

    fn serialize_str(self, v: &str) -> Result<(), Skip> {
        self.text(|t| t.push_str(v))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Skip> {
        self.text(|t| t.push_str(variant))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Skip> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Skip> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<List<'f>, Skip> {
        if self.element {
            return Err(Skip);
        }
        self.fields.entries.push(Entry {
            field: self.field,
            kind: Kind::List,
        });
        Ok(List {
            field: self.field,
            fields: self.fields,
        })
    }

    fn serialize_tuple(self, _: usize) -> Result<List<'f>, Skip> {
        self.serialize_seq(None)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<List<'f>, Skip> {
        self.serialize_seq(None)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Skip> {
        Err(Skip)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Skip> {
        Err(Skip)
    }
}

/// A list member's elements: the scalar ones are captured, the others left out.
struct List<'f> {
    field: &'static str,
    fields: &'f mut Fields,
}

impl List<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
        let fields = &mut *self.fields;
        let _ = value.serialize(Value {
            field: self.field,
            element: true,
            fields,
        });
        Ok(())
    }
}

impl ser::SerializeSeq for List<'_> {
    type Ok = ();
    type Error = Skip;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
        self.element(value)
    }

    fn end(self) -> Result<(), Skip> {
        Ok(())
    }
}

impl ser::SerializeTuple for List<'_> {
    type Ok = ();
    type Error = Skip;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
        self.element(value)
    }

    fn end(self) -> Result<(), Skip> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for List<'_> {
    type Ok = ();
    type Error = Skip;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
        self.element(value)
    }

    fn end(self) -> Result<(), Skip> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::hal::Link;
    use serde_json::{Map, Value as Json, json};
    use std::collections::BTreeMap;

    static ORDER: Resource = Resource {
        links: &[
            Link {
                rel: "self",
                method: http::Method::GET,
                path: "/orders/{order_id}",
            },
            Link {
                rel: "cancel_order",
                method: http::Method::POST,
                path: "/orders/{order_id}/cancel",
            },
            Link {
                rel: "line",
                method: http::Method::GET,
                path: "/orders/{order_id}/lines/{line}",
            },
        ],
        relations: &[
            Relation {
                rel: "consumer",
                field: "consumer_id",
                each: false,
                service: "shop.Consumers",
                op: "get",
                href: "/consumers/{}",
            },
            Relation {
                rel: "items",
                field: "item_ids",
                each: true,
                service: "shop.Items",
                op: "get",
                href: "/items?id={}",
            },
        ],
    };

    struct TestBases;

    impl Bases for TestBases {
        fn own(&self) -> &str {
            "https://api.example.com/shop"
        }

        fn relation(&self, relation: &Relation) -> &str {
            match relation.service {
                "shop.Consumers" => "http://consumers:8080",
                _ => "",
            }
        }
    }

    /// The links as they were built before, from the output's JSON value: the oracle.
    fn reference(output: &Json) -> (Json, Option<String>) {
        let Json::Object(object) = output else {
            return (output.clone(), None);
        };
        let scalar = |v: &Json| match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let encode = |s: &str| utf8_percent_encode(s, VALUE).to_string();
        let fill = |path: &str| {
            let mut out = String::new();
            let mut rest = path;
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let close = open + rest[open..].find('}')?;
                out.push_str(&encode(&scalar(object.get(&rest[open + 1..close])?)?));
                rest = &rest[close + 1..];
            }
            out.push_str(rest);
            Some(out)
        };
        let link = |href: String, method: &str| json!({"href": href, "method": method});
        let mut links = Map::new();
        let mut location = None;
        for l in ORDER.links {
            if let Some(path) = fill(l.path) {
                let href = format!("{}{path}", TestBases.own());
                if location.is_none() && l.method == http::Method::GET {
                    location = Some(href.clone());
                }
                links.insert(l.rel.into(), link(href, l.method.as_str()));
            }
        }
        for r in ORDER.relations {
            let href = |v: &Json| {
                let target = r.href.replacen("{}", &encode(&scalar(v)?), 1);
                Some(link(format!("{}{target}", TestBases.relation(r)), "GET"))
            };
            let entry = match (object.get(r.field), r.each) {
                (Some(Json::Array(items)), true) => {
                    Some(Json::Array(items.iter().filter_map(href).collect()))
                }
                (Some(v), false) => href(v),
                _ => None,
            };
            if let Some(entry) = entry {
                links.insert(r.rel.into(), entry);
            }
        }
        let mut object = object.clone();
        object.insert("_links".into(), Json::Object(links));
        (Json::Object(object), location)
    }

    /// The body and location written for `output`, and the oracle's.
    fn both<O: Serialize>(output: &O) -> ((String, Option<String>), (String, Option<String>)) {
        let mut body = serde_json::to_vec(output).unwrap();
        let location = match Fields::of(&ORDER, output) {
            Some(fields) => append_links(&mut body, &ORDER, &fields, &TestBases, true),
            None => None,
        };
        let written = (String::from_utf8(body).unwrap(), location);
        let (json, location) = reference(&serde_json::to_value(output).unwrap());
        (written, (json.to_string(), location))
    }

    #[track_caller]
    fn same<O: Serialize>(output: &O) {
        let (written, reference) = both(output);
        assert_eq!(written, reference);
    }

    #[test]
    fn a_struct_gets_the_links_the_value_oracle_builds() {
        #[derive(Serialize)]
        struct Order<'a> {
            order_id: i64,
            line: Option<&'a str>,
            consumer_id: u64,
            item_ids: Vec<&'a str>,
            note: &'a str,
            nested: BTreeMap<&'a str, i32>,
        }
        let order = Order {
            order_id: -7,
            line: Some("a b/ç?&%"),
            consumer_id: u64::MAX,
            item_ids: vec!["x", "y z", "\"quoted\""],
            note: "{line} \u{1}",
            nested: BTreeMap::from([("order_id", 1)]),
        };
        same(&order);
        let (written, _) = both(&order);
        assert!(written.0.contains(r#""line":{"href":"https://api.example.com/shop/orders/-7/lines/a%20b%2F%C3%A7%3F%26%25","method":"GET"}"#), "{}", written.0);
        assert!(
            written
                .0
                .ends_with(r#"{"href":"/items?id=%22quoted%22","method":"GET"}]}}"#),
            "{}",
            written.0
        );
    }

    #[test]
    fn the_wanted_fields_are_those_the_description_names_however_many() {
        // ORDER names four fields; WIDE ten, more than `Wanted` lists itself.
        static WIDE: Resource = Resource {
            links: &[Link {
                rel: "self",
                method: http::Method::GET,
                path: "/{a}/{b}/{c}/{d}/{e}/x/{f}/{g}/{h}/{i}/{j}",
            }],
            relations: &[],
        };
        let order = ["consumer_id", "item_ids", "order_id", "line"];
        let wide = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for (resource, names, overflow) in [(&ORDER, &order[..], false), (&WIDE, &wide, true)] {
            let wanted = Wanted::of(resource);
            assert_eq!(wanted.overflow, overflow);
            for name in names {
                assert_eq!(wanted.field(name), Some(*name));
            }
            for name in ["", "x", "orders", "{a}", "a}", "note", "order"] {
                assert_eq!(wanted.field(name), None, "{name:?}");
            }
        }
        let value: BTreeMap<&str, usize> = wide.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let fields = Fields::of(&WIDE, &value).unwrap();
        for (i, name) in wide.iter().enumerate() {
            assert_eq!(fields.scalar(name), Some(i.to_string().as_str()));
        }
    }

    #[test]
    fn absent_null_and_non_scalar_fields_leave_their_links_out() {
        #[derive(Serialize)]
        struct Sparse {
            #[serde(skip_serializing_if = "Option::is_none")]
            order_id: Option<i64>,
            line: Option<String>,
            consumer_id: Vec<i64>,
            item_ids: Vec<Option<Vec<u8>>>,
        }
        same(&Sparse {
            order_id: None,
            line: None,
            consumer_id: vec![1],
            item_ids: vec![None],
        });
        same(&Sparse {
            order_id: Some(1),
            line: None,
            consumer_id: vec![],
            item_ids: vec![],
        });
    }

    #[test]
    fn scalars_read_as_json_writes_them() {
        #[derive(Serialize)]
        enum State {
            Open,
        }
        #[derive(Serialize)]
        struct Scalars {
            order_id: f64,
            line: bool,
            consumer_id: State,
            item_ids: (u8, u8),
        }
        same(&Scalars {
            order_id: 1.5e300,
            line: true,
            consumer_id: State::Open,
            item_ids: (1, 2),
        });
        same(&Scalars {
            order_id: f64::NAN,
            line: false,
            consumer_id: State::Open,
            item_ids: (1, 2),
        });
        same(
            &json!({"order_id": "7", "line": 2, "consumer_id": 3.0, "item_ids": [1, "two", true, null, {}]}),
        );
    }

    #[test]
    fn an_empty_object_and_a_non_object_are_handled_as_before() {
        same(&json!({}));
        same(&json!([1, 2]));
        same(&"text");
        #[derive(Serialize)]
        struct Empty {}
        same(&Empty {});
    }

    #[test]
    fn a_member_is_appended_after_the_others() {
        let mut body = br#"{"a":1}"#.to_vec();
        append_member(&mut body, "_embedded", &json!({"c": {"d": "\n"}}));
        assert_eq!(body, br#"{"a":1,"_embedded":{"c":{"d":"\n"}}}"#);
        let mut body = b"{}".to_vec();
        append_member(&mut body, "x", &1);
        assert_eq!(body, br#"{"x":1}"#);
    }
}
