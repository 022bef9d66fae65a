//! Value types whose JSON encoding is fixed by `docs/wire.md`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// IDL `timestamp`: RFC 3339 in JSON (`2026-01-02T03:04:05Z`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// IDL `uuid`: hyphenated string in JSON.
pub type Uuid = uuid::Uuid;

/// IDL `bytes`: standard base64 with padding in JSON; derefs to `[u8]`.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The bytes as a vector.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }

    /// Standard base64 with padding, the JSON form.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// Parses standard base64 with padding; anything else is an error.
    pub fn from_base64(text: &str) -> Result<Self, base64::DecodeError> {
        STANDARD.decode(text).map(Bytes)
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes(v)
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Self {
        Bytes(v.to_vec())
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({})", self.to_base64())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Bytes::from_base64(&text).map_err(|e| de::Error::custom(format!("invalid base64: {e}")))
    }
}

/// Largest magnitude protobuf allows for a duration: 10 000 years in seconds.
const MAX_SECONDS: i64 = 315_576_000_000;
const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// IDL `duration`: a signed span with nanosecond precision, `"1.5s"` in JSON (protobuf's mapping).
///
/// `seconds` and `nanos` always carry the same sign; the magnitude is at most 10 000 years.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Duration {
    seconds: i64,
    nanos: i32,
}

/// Why a text or a `std::time::Duration` is not a valid [`Duration`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

impl Duration {
    /// A duration from whole seconds and nanoseconds, normalised so both carry one sign.
    pub fn new(seconds: i64, nanos: i64) -> Result<Self, DurationError> {
        let total = i128::from(seconds) * i128::from(NANOS_PER_SECOND) + i128::from(nanos);
        Self::from_total_nanos(total)
    }

    /// Whole seconds.
    pub fn from_secs(seconds: i64) -> Result<Self, DurationError> {
        Self::new(seconds, 0)
    }

    /// Milliseconds.
    pub fn from_millis(millis: i64) -> Result<Self, DurationError> {
        Self::from_total_nanos(i128::from(millis) * 1_000_000)
    }

    fn from_total_nanos(total: i128) -> Result<Self, DurationError> {
        let seconds = total / i128::from(NANOS_PER_SECOND);
        if seconds.abs() > i128::from(MAX_SECONDS) {
            return Err(DurationError(format!("duration out of range: {seconds}s")));
        }
        let nanos = (total % i128::from(NANOS_PER_SECOND)) as i32;
        Ok(Duration {
            seconds: seconds as i64,
            nanos,
        })
    }

    /// Whole seconds (negative for a negative duration).
    pub fn seconds(&self) -> i64 {
        self.seconds
    }

    /// The sub-second part in nanoseconds, with the sign of `seconds`.
    pub fn subsec_nanos(&self) -> i32 {
        self.nanos
    }

    /// Whether the duration is below zero.
    pub fn is_negative(&self) -> bool {
        self.seconds < 0 || self.nanos < 0
    }
}

impl fmt::Display for Duration {
    /// Protobuf's JSON form: 0, 3, 6 or 9 fractional digits and an `s` suffix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.is_negative() { "-" } else { "" };
        let (secs, nanos) = (self.seconds.unsigned_abs(), self.nanos.unsigned_abs());
        match nanos {
            0 => write!(f, "{sign}{secs}s"),
            n if n % 1_000_000 == 0 => write!(f, "{sign}{secs}.{:03}s", n / 1_000_000),
            n if n % 1_000 == 0 => write!(f, "{sign}{secs}.{:06}s", n / 1_000),
            n => write!(f, "{sign}{secs}.{n:09}s"),
        }
    }
}

impl std::str::FromStr for Duration {
    type Err = DurationError;

    /// Parses `^-?[0-9]+(\.[0-9]{1,9})?s$`.
    fn from_str(text: &str) -> Result<Self, DurationError> {
        let bad = || DurationError(format!("invalid duration {text:?}: expected e.g. \"1.5s\""));
        let body = text.strip_suffix('s').ok_or_else(bad)?;
        let (negative, body) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (body.contains('.') && (!digits(fraction) || fraction.len() > 9)) {
            return Err(bad());
        }
        let seconds: i128 = whole.parse().map_err(|_| bad())?;
        let nanos: i128 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<9}").parse().map_err(|_| bad())?
        };
        let total = seconds * i128::from(NANOS_PER_SECOND) + nanos;
        Self::from_total_nanos(if negative { -total } else { total })
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = DurationError;
    fn try_from(d: std::time::Duration) -> Result<Self, DurationError> {
        Self::from_total_nanos(d.as_nanos() as i128)
    }
}

impl TryFrom<Duration> for std::time::Duration {
    type Error = DurationError;
    /// Fails for a negative duration, which `std` cannot represent.
    fn try_from(d: Duration) -> Result<Self, DurationError> {
        if d.is_negative() {
            return Err(DurationError(format!("negative duration {d}")));
        }
        Ok(std::time::Duration::new(d.seconds as u64, d.nanos as u32))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(v: T) {
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<T>(&text).unwrap(), v, "{text}");
    }

    #[test]
    fn bytes_are_padded_standard_base64() {
        let b = Bytes::from(&b"hi?"[..]);
        assert_eq!(serde_json::to_value(&b).unwrap(), json!("aGk/"));
        assert_eq!(
            serde_json::to_value(Bytes::from(vec![0xff])).unwrap(),
            json!("/w==")
        );
        round_trip(Bytes::from(vec![0, 1, 2, 250, 251]));
        assert_eq!(&*b, b"hi?");
    }

    #[test]
    fn malformed_bytes_are_rejected() {
        for bad in [json!("/w"), json!("a*b="), json!("_w=="), json!(12)] {
            assert!(
                serde_json::from_value::<Bytes>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations_print_like_protobuf() {
        let cases = [
            (Duration::new(1, 500_000_000).unwrap(), "1.500s"),
            (Duration::from_secs(2).unwrap(), "2s"),
            (Duration::new(0, -1_000).unwrap(), "-0.000001s"),
            (Duration::new(-3, -1).unwrap(), "-3.000000001s"),
            (Duration::from_millis(-250).unwrap(), "-0.250s"),
        ];
        for (d, text) in cases {
            assert_eq!(d.to_string(), text);
            assert_eq!(text.parse::<Duration>().unwrap(), d);
            round_trip(d);
        }
        assert_eq!(
            "1.5s".parse::<Duration>().unwrap(),
            Duration::new(1, 500_000_000).unwrap()
        );
    }

    #[test]
    fn malformed_durations_are_rejected() {
        for bad in [
            "",
            "1",
            "s",
            "1.s",
            ".5s",
            "1.0000000001s",
            "+1s",
            "1.5 s",
            "1e3s",
            "--1s",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?}");
        }
        assert!("315576000001s".parse::<Duration>().is_err());
        assert!(serde_json::from_value::<Duration>(json!(1.5)).is_err());
    }

    #[test]
    fn durations_convert_to_and_from_std() {
        let std = std::time::Duration::from_millis(1500);
        let d = Duration::try_from(std).unwrap();
        assert_eq!(d.to_string(), "1.500s");
        assert_eq!(std::time::Duration::try_from(d).unwrap(), std);
        assert!(std::time::Duration::try_from(Duration::from_secs(-1).unwrap()).is_err());
        assert!(Duration::try_from(std::time::Duration::MAX).is_err());
    }

    #[test]
    fn timestamps_and_uuids_use_their_wire_forms() {
        let t: Timestamp = serde_json::from_value(json!("2026-01-02T03:04:05Z")).unwrap();
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            json!("2026-01-02T03:04:05Z")
        );
        assert!(serde_json::from_value::<Timestamp>(json!("2026-13-02T03:04:05Z")).is_err());
        assert!(serde_json::from_value::<Timestamp>(json!("yesterday")).is_err());
        let u = Uuid::new_v4();
        assert_eq!(
            serde_json::to_value(u).unwrap(),
            json!(u.hyphenated().to_string())
        );
        assert!(serde_json::from_value::<Uuid>(json!("not-a-uuid")).is_err());
    }
}
