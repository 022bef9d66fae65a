//! W3C trace context (`traceparent`): parsed and generated here; the format is four hex fields.
//!
//! Also where every call's fresh ids come from (trace and span ids; a correlation id defaults to
//! the trace id): a fastrand generator per thread, seeded once from the OS's randomness (through
//! uuid's generator; fastrand would seed itself from the clock and the thread id only). These ids
//! need to be unique, not unpredictable, and uuid's ChaCha-based generator cost about 200
//! instructions per id.

use std::cell::RefCell;
use std::fmt;

thread_local! {
    static IDS: RefCell<fastrand::Rng> = RefCell::new({
        let seed = uuid::Uuid::new_v4().as_u64_pair().0;
        fastrand::Rng::with_seed(seed)
    });
}

/// `f` with this thread's id generator.
fn with_ids<T>(f: impl FnOnce(&mut fastrand::Rng) -> T) -> T {
    IDS.with(|ids| f(&mut ids.borrow_mut()))
}

/// A parsed `traceparent` header: `00-<trace id>-<parent span id>-<flags>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    /// 16 bytes, never all zero.
    pub trace_id: [u8; 16],
    /// The id of the caller's span: 8 bytes, never all zero.
    pub span_id: [u8; 8],
    /// Trace flags; bit 0 is "sampled".
    pub flags: u8,
}

impl TraceParent {
    /// A new trace with a fresh random trace id and span id, sampled.
    pub fn new_root() -> Self {
        TraceParent {
            trace_id: with_ids(|ids| ids.u128(1..)).to_le_bytes(),
            span_id: random_span_id(),
            flags: 1,
        }
    }

    /// A new span in the same trace: what a call made under this context sends.
    pub fn child(&self) -> Self {
        TraceParent {
            span_id: random_span_id(),
            ..*self
        }
    }

    /// The trace id as 32 lower-case hex digits: also the call's correlation id when the caller
    /// set none (see `docs/wire.md`).
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// Whether `text` is this trace's id exactly as [`trace_id_hex`](Self::trace_id_hex) writes
    /// it. A proxy leaves out a correlation id the receiver can derive from `traceparent`; it is
    /// asked on every call, so it compares without formatting.
    pub fn is_trace_id(&self, text: &str) -> bool {
        unhex::<16>(text.as_bytes()) == Some(self.trace_id)
    }

    /// Parses a header value; `None` when it is malformed (the receiver then starts a new trace).
    /// The fields have fixed widths, `vv-<32>-<16>-ff`, so they are read by position.
    pub fn parse(value: &str) -> Option<Self> {
        Self::parse_bytes(value.as_bytes())
    }

    /// [`parse`](Self::parse) of a header's bytes, which need no text check first: anything
    /// but hex digits and dashes in their places is refused anyway.
    pub fn parse_bytes(value: &[u8]) -> Option<Self> {
        let bytes = value.trim_ascii();
        if bytes.len() < 55 || [bytes[2], bytes[35], bytes[52]] != [b'-'; 3] {
            return None;
        }
        let [version] = unhex::<1>(&bytes[..2])?;
        // Version 00 ends after the flags; later versions may append `-` and more fields.
        let more = bytes.get(55);
        if version == 0xff || (more.is_some() && (version == 0 || more != Some(&b'-'))) {
            return None;
        }
        let parsed = TraceParent {
            trace_id: unhex(&bytes[3..35])?,
            span_id: unhex(&bytes[36..52])?,
            flags: unhex::<1>(&bytes[53..55])?[0],
        };
        let valid = parsed.trace_id != [0; 16] && parsed.span_id != [0; 8];
        valid.then_some(parsed)
    }
}

impl TraceParent {
    /// The header value as text.
    pub fn to_header(&self) -> String {
        String::from_utf8(self.encode().to_vec()).expect("hex digits and dashes are ASCII")
    }

    /// The header value every proxy call sends, from the bytes on the stack in one copy.
    #[cfg_attr(not(feature = "rest"), allow(dead_code))]
    pub(crate) fn header_value(&self) -> http::HeaderValue {
        http::HeaderValue::from_bytes(&self.encode()).expect("hex digits and dashes")
    }

    /// `00-<32 hex>-<16 hex>-<2 hex>`: 55 ASCII bytes.
    pub(crate) fn encode(&self) -> [u8; 55] {
        let mut out = [b'-'; 55];
        out[..2].copy_from_slice(b"00");
        write_hex(&mut out[3..35], &self.trace_id);
        write_hex(&mut out[36..52], &self.span_id);
        write_hex(&mut out[53..], &[self.flags]);
        out
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header())
    }
}

fn random_span_id() -> [u8; 8] {
    with_ids(|ids| ids.u64(1..)).to_le_bytes()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0; 2 * bytes.len()];
    write_hex(&mut out, bytes);
    // Collecting chars one by one showed in the REST bench: a skeleton formats the trace id
    // as the correlation id on every call without one.
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// The lower-case hex digits, by value: what `write_hex` writes and `unhex` reads.
const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex digits, two per byte, into `out` (twice as long as `bytes`). Every proxy
/// call formats a `traceparent` and every skeleton call parses one: both are byte loops.
fn write_hex(out: &mut [u8], bytes: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
}

/// `N` bytes from exactly `2 * N` lower-case hex digits (the W3C format allows no upper case).
/// A table lookup per digit: matching digit ranges branched unpredictably on random ids, and
/// every skeleton call parses 50 of them.
fn unhex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    /// The digit's value, or 0xff for a byte that is not a lower-case hex digit.
    const NIBBLE: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut i = 0;
        while i < 16 {
            table[DIGITS[i] as usize] = i as u8;
            i += 1;
        }
        table
    };
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0; N];
    let mut invalid = 0;
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (high, low) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        invalid |= high | low;
        *byte = (high << 4) | (low & 0xf);
    }
    // Any invalid digit set the high bits; valid ones never do.
    (invalid & 0xf0 == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_w3c_example() {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceParent::parse(text).unwrap();
        assert_eq!(t.to_string(), text);
        assert_eq!(t.header_value(), text);
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let child = t.child();
        assert_eq!(child.trace_id, t.trace_id);
        assert_ne!(child.span_id, t.span_id);
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473é-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(TraceParent::parse(bad).is_none(), "{bad}");
        }
        let future = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
        assert!(TraceParent::parse(future).is_some());
        let padded = " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t";
        assert!(TraceParent::parse(padded).is_some());
    }

    #[test]
    fn fresh_ids_are_nonzero_and_distinct() {
        let (a, b) = (TraceParent::new_root(), TraceParent::new_root());
        assert_ne!(a.trace_id, b.trace_id);
        assert_ne!(a.trace_id, [0; 16]);
        assert_ne!(a.child().span_id, [0; 8]);
        assert_eq!(TraceParent::parse(&a.to_header()), Some(a));
    }

    #[test]
    fn every_digit_pair_decodes_as_the_standard_library_reads_it() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let pair = [a, b];
                let lower = pair.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                let expected = std::str::from_utf8(&pair)
                    .ok()
                    .filter(|_| lower)
                    .and_then(|text| u8::from_str_radix(text, 16).ok());
                assert_eq!(unhex::<1>(&pair).map(|[v]| v), expected, "{pair:?}");
            }
        }
    }

    #[test]
    fn only_the_exact_hex_is_the_trace_id() {
        let t =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert!(t.is_trace_id(&t.trace_id_hex()));
        assert!(t.is_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"));
        for other in [
            "4BF92F3577B34DA6A3CE929D0E0E4736",
            "4bf92f3577b34da6a3ce929d0e0e473",
            "4bf92f3577b34da6a3ce929d0e0e47360",
            "4bf92f3577b34da6a3ce929d0e0e4737",
            "",
            "corr-42",
        ] {
            assert!(!t.is_trace_id(other), "{other}");
        }
    }

    #[test]
    fn new_roots_are_valid_and_distinct() {
        let (a, b) = (TraceParent::new_root(), TraceParent::new_root());
        assert_ne!(a.trace_id, b.trace_id);
        assert_eq!(TraceParent::parse(&a.to_string()), Some(a));
    }
}
