//! The generated stress types speak the JSON of docs/wire.md and validate every constraint.

use accord::Validate;
use accord_rust_golden::stress_api::stress::everything::{
    Circle, Color, Constrained, Item, Keywords, Optionals, Shape,
};
use serde_json::{Value, json};

/// `Default`, `new` and decoding agree with the public constants: none restates a value.
#[test]
fn defaults_are_public_and_every_way_of_building_honours_them() {
    assert_eq!(Optionals::DEFAULT_COUNT, 42);
    assert_eq!(
        Optionals::DEFAULT_TEXT,
        "h\u{e9}llo \"quoted\"\n\ttab \\ done"
    );
    assert_eq!(Optionals::DEFAULT_COLOR, Color::Green);
    assert_eq!(Optionals::default_took().to_string(), "0.250s");
    let decoded: Optionals = serde_json::from_value(json!({})).unwrap();
    assert_eq!(Optionals::default(), decoded);
    assert_eq!(Optionals::new(), decoded);
    assert_eq!(Optionals::default().count, Optionals::DEFAULT_COUNT);
    let set = Optionals::new()
        .with_count(7)
        .with_huge(9)
        .with_color(Color::Red);
    assert_eq!((set.count, set.huge, set.color), (7, Some(9), Color::Red));
    assert_eq!(set.text, Optionals::DEFAULT_TEXT);
}

#[test]
fn defaults_apply_when_absent_and_optional_fields_are_omitted() {
    let optionals: Optionals = serde_json::from_value(json!({})).unwrap();
    assert!(optionals.flag);
    assert_eq!(optionals.small, -7);
    assert_eq!(optionals.big, 0x1F);
    assert_eq!(optionals.precise, -2e3);
    assert_eq!(optionals.text, "h\u{e9}llo \"quoted\"\n\ttab \\ done");
    assert_eq!(optionals.took.to_string(), "0.250s");
    assert_eq!(optionals.color, Color::Green);
    assert_eq!(optionals.huge, None);
    let written = serde_json::to_value(&optionals).unwrap();
    assert!(written.get("huge").is_none(), "{written}");
    assert_eq!(written["color"], "GREEN");
    assert_eq!(written["took"], "0.250s");
}

#[test]
fn keyword_fields_keep_their_wire_names() {
    let names = [
        "type", "match", "async", "fn", "impl", "loop", "yield", "message", "repeated", "function",
        "class", "new", "delete", "version", "key", "kind", "format", "stream", "error", "address",
    ];
    let mut object = serde_json::Map::new();
    for name in names {
        let value = match name {
            "match" | "yield" => json!(1),
            "async" | "loop" | "repeated" | "new" | "delete" => json!(true),
            _ => json!(name),
        };
        object.insert(name.to_owned(), value);
    }
    object.insert("messages".into(), json!(["a"]));
    let keywords: Keywords = serde_json::from_value(Value::Object(object.clone())).unwrap();
    assert_eq!(keywords.r#type, "type");
    assert_eq!(keywords.r#match, 1);
    assert_eq!(
        serde_json::to_value(&keywords).unwrap(),
        Value::Object(object)
    );
}

#[test]
fn unions_are_externally_tagged() {
    let circle = Shape::Circle(Circle { radius: 1.5 });
    assert_eq!(
        serde_json::to_value(&circle).unwrap(),
        json!({"circle": {"radius": 1.5}})
    );
    let color: Shape = serde_json::from_value(json!({"color": "RED"})).unwrap();
    assert_eq!(color, Shape::Color(Color::Red));
    assert!(serde_json::from_value::<Shape>(json!({"circle": {}, "side": 1.0})).is_err());
    assert!(serde_json::from_value::<Shape>(json!({"hexagon": 6})).is_err());
}

#[test]
fn enums_keep_values_they_do_not_know() {
    let purple: Color = serde_json::from_value(json!("PURPLE")).unwrap();
    assert_eq!(
        purple,
        Color::Unknown(accord::UnknownValue::Name("PURPLE".into()))
    );
    assert_eq!(serde_json::to_value(&purple).unwrap(), json!("PURPLE"));
    assert_eq!(Color::KNOWN, ["RED", "GREEN", "BLUE", "CYAN", "NEGATIVE"]);
}

#[test]
fn validate_reports_every_violation_with_its_path() {
    let constrained: Constrained = serde_json::from_value(json!({
        "percent": 0, "positive": 0.1, "at_most": 11, "slug": "Bad Slug",
        "digest": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "items": [],
        "labels": {}, "code": "a", "tilt": 2.0
    }))
    .unwrap();
    let violations = constrained.validate().unwrap_err();
    let mut fields: Vec<&str> = violations
        .as_slice()
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "at_most", "code", "digest", "items", "labels", "percent", "positive", "slug", "tilt"
        ]
    );
    let fine = Constrained {
        percent: 50,
        positive: 1.0,
        at_most: 10,
        slug: "ok_slug".into(),
        digest: vec![1, 2, 3].into(),
        items: vec![Item { id: 1, other: None }],
        labels: [("a".to_owned(), "b".to_owned())].into(),
        code: "ab".into(),
        tilt: 0.25,
    };
    assert_eq!(fine.validate(), Ok(()));
}
