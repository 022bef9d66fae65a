//! The text form of values that travel outside a JSON body: path segments, query parameters,
//! headers (and, later, message headers). Transport-free, so generated types implement it
//! whatever transport features are enabled.

use crate::value::{Bytes, Duration, Timestamp, Uuid};

/// A value that travels as text in a path segment, a query parameter or a header.
///
/// Implemented here for the scalars; generated enums implement it, rejecting unknown names
/// (the `Unknown` case exists for forward compatibility of JSON, not for query strings).
pub trait ParamValue: serde::Serialize + Sized {
    /// Parses the text form; the error says what is wrong.
    fn parse_param(raw: &str) -> Result<Self, String>;
    /// The text form.
    fn to_param(&self) -> String;
}

/// Parsed with `FromStr` when the text also has the form `$form` accepts (a text `FromStr`
/// takes in another form is refused, saying which form: `$hint`), written with `$write`.
macro_rules! from_str_param {
    ($write:expr, $form:expr, $hint:literal; $($t:ty => $what:literal),*) => {$(
        impl ParamValue for $t {
            fn parse_param(raw: &str) -> Result<Self, String> {
                let form: fn(&str) -> bool = $form;
                match raw.parse::<$t>() {
                    Ok(value) if form(raw) => Ok(value),
                    Ok(_) => Err(format!("{raw:?} is not {} as JSON writes it ({})", $what, $hint)),
                    Err(_) => Err(format!("{raw:?} is not {}", $what)),
                }
            }
            fn to_param(&self) -> String {
                let write: fn(&Self) -> String = $write;
                write(self)
            }
        }
    )*};
}

// Integers through `itoa`: `to_string` goes through the formatting machinery, and a proxy
// writes every numeric path value, query parameter and header this way.
from_str_param!(
    |v| itoa::Buffer::new().format(*v).to_owned(), canonical_integer,
    "no `+`, leading zero or `-0`";
    i32 => "a 32-bit integer",
    i64 => "a 64-bit integer",
    u32 => "an unsigned 32-bit integer",
    u64 => "an unsigned 64-bit integer"
);

from_str_param!(
    ToString::to_string, |raw| json_number(raw) && raw.parse().is_ok_and(f32::is_finite),
    "finite, no `+`, bare `.` or `inf`";
    f32 => "a number"
);

from_str_param!(
    ToString::to_string, |raw| json_number(raw) && raw.parse().is_ok_and(f64::is_finite),
    "finite, no `+`, bare `.` or `inf`";
    f64 => "a number"
);

from_str_param!(
    ToString::to_string, |_| true, "";
    bool => "a boolean (true or false)",
    Uuid => "a UUID"
);

/// Whether `raw` is an integer as JSON and [`ParamValue::to_param`] write it: `0`, or an
/// optional `-` and digits without a leading zero. So each number has one text form (`+1`,
/// `01`, `-0` and ` 1` are refused): the path `/orders/1` is the only one that names order 1,
/// as a cache, a log search or an authorization rule keyed on the path expects.
fn canonical_integer(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw).as_bytes();
    match digits {
        [] => false,
        [b'0'] => digits.len() == raw.len(),
        [b'0', ..] => false,
        _ => digits.iter().all(u8::is_ascii_digit),
    }
}

/// Whether `raw` is a number in JSON's grammar (RFC 8259 §6): `-?(0|[1-9][0-9]*)(\.[0-9]+)?
/// ([eE][+-]?[0-9]+)?`. `FromStr` would also take `+1`, `.5`, `inf` and `NaN`, which no JSON
/// body can carry; a number out of range (`1e999`) is refused after parsing, as it is not finite.
fn json_number(raw: &str) -> bool {
    fn digits(rest: &[u8]) -> (usize, &[u8]) {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        (n, &rest[n..])
    }
    let rest = raw.strip_prefix('-').unwrap_or(raw).as_bytes();
    let (n, after) = digits(rest);
    if n == 0 || (n > 1 && rest[0] == b'0') {
        return false;
    }
    let mut rest = after;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let (n, after) = digits(fraction);
        if n == 0 {
            return false;
        }
        rest = after;
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = match exponent {
            [b'+' | b'-', tail @ ..] => tail,
            _ => exponent,
        };
        let (n, after) = digits(exponent);
        if n == 0 {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

impl ParamValue for String {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Ok(raw.to_owned())
    }
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ParamValue for Duration {
    fn parse_param(raw: &str) -> Result<Self, String> {
        raw.parse().map_err(|e: crate::DurationError| e.to_string())
    }
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ParamValue for Timestamp {
    fn parse_param(raw: &str) -> Result<Self, String> {
        chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| format!("{raw:?} is not an RFC 3339 timestamp"))
    }
    fn to_param(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

impl ParamValue for Bytes {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Bytes::from_base64(raw).map_err(|_| format!("{raw:?} is not base64"))
    }
    fn to_param(&self) -> String {
        self.to_base64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_and_reject_garbage() {
        assert_eq!(i64::parse_param("42"), Ok(42));
        assert!(i32::parse_param("4x").unwrap_err().contains("32-bit"));
        assert!(u32::parse_param("-1").is_err());
        assert!(bool::parse_param("yes").is_err());
        let t = Timestamp::parse_param("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(t.to_param(), "2026-01-02T03:04:05Z");
        assert!(Timestamp::parse_param("2026-01-02").is_err());
        assert_eq!(Duration::parse_param("1.5s").unwrap().to_param(), "1.500s");
    }

    #[test]
    fn numbers_have_one_text_form_as_in_json() {
        for (raw, n) in [("0", 0), ("7", 7), ("-7", -7), ("120", 120)] {
            assert_eq!(i64::parse_param(raw), Ok(n), "{raw}");
        }
        for bad in [
            "+1", "01", "-0", "-01", "00", " 1", "1 ", "", "-", "1_000", "\u{661}", "1.0", "1e3",
        ] {
            assert!(i64::parse_param(bad).is_err(), "{bad:?}");
            assert!(i32::parse_param(bad).is_err(), "{bad:?}");
            assert!(u64::parse_param(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            i32::parse_param("+1").unwrap_err(),
            "\"+1\" is not a 32-bit integer as JSON writes it (no `+`, leading zero or `-0`)"
        );
        assert_eq!(
            i32::parse_param("x").unwrap_err(),
            "\"x\" is not a 32-bit integer"
        );
        for (raw, x) in [("1.5", 1.5), ("-0.25", -0.25), ("2e3", 2000.0), ("0", 0.0)] {
            assert_eq!(f64::parse_param(raw), Ok(x), "{raw}");
            assert_eq!(f32::parse_param(raw), Ok(x as f32), "{raw}");
        }
        assert_eq!(f64::parse_param("1E-2"), Ok(0.01));
        for bad in [
            "+1.5", ".5", "1.", "01.5", "inf", "-inf", "NaN", "1e", "1e+", "0x1", " 1", "1e999",
        ] {
            assert!(f64::parse_param(bad).is_err(), "{bad:?}");
        }
        assert!(f32::parse_param("1e39").is_err(), "out of f32's range");
        assert!(f64::parse_param("1e39").is_ok());
    }

    #[test]
    fn numbers_and_flags_are_written_as_they_parse() {
        assert_eq!(i64::MIN.to_param(), "-9223372036854775808");
        assert_eq!(u64::MAX.to_param(), "18446744073709551615");
        assert_eq!((-7i32).to_param(), "-7");
        assert_eq!(0u32.to_param(), "0");
        assert_eq!(true.to_param(), "true");
        assert_eq!(1.5f64.to_param(), "1.5");
        for n in [i64::MIN, -1, 0, 42, i64::MAX] {
            assert_eq!(i64::parse_param(&n.to_param()), Ok(n));
        }
    }
}
