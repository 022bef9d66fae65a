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

/// Parsed with `FromStr`, written with `$write`.
macro_rules! from_str_param {
    ($write:expr; $($t:ty => $what:literal),*) => {$(
        impl ParamValue for $t {
            fn parse_param(raw: &str) -> Result<Self, String> {
                raw.parse().map_err(|_| format!("{raw:?} is not {}", $what))
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
    |v| itoa::Buffer::new().format(*v).to_owned();
    i32 => "a 32-bit integer",
    i64 => "a 64-bit integer",
    u32 => "an unsigned 32-bit integer",
    u64 => "an unsigned 64-bit integer"
);

from_str_param!(
    ToString::to_string;
    bool => "a boolean (true or false)",
    f32 => "a number",
    f64 => "a number",
    Uuid => "a UUID"
);

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
