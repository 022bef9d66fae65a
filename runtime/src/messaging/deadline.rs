//! Deadlines on the wire (`docs/wire.md`, "Deadlines"): a request carries the instant its caller
//! stops waiting, as the `deadline` header (milliseconds since the Unix epoch, UTC), and a
//! responder drops a request whose deadline has passed before its handler runs. An absolute
//! instant, not a budget: a message waits in a queue for a time nobody measures, so only the
//! wall clock (kept in step by NTP on both machines) can say what is left.

use super::message::{Message, header};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch of `deadline`, an instant of this process's clock.
pub(crate) fn to_wire(deadline: Instant) -> u64 {
    let left = deadline.saturating_duration_since(Instant::now());
    let at = SystemTime::now() + left;
    let ms = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    // Rounded up, so a responder never thinks the caller waits less than it does.
    u64::try_from(ms).unwrap_or(u64::MAX).saturating_add(1)
}

/// Sets the `deadline` header of a request.
pub(crate) fn stamp(message: &mut Message, deadline: Instant) {
    let mut text = itoa::Buffer::new();
    let text = text.format(to_wire(deadline));
    message
        .headers
        .insert(header::DEADLINE.to_owned(), text.to_owned());
}

/// What a request's `deadline` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Left {
    /// No deadline header: the request waits as long as it takes.
    Unbounded,
    /// The time its caller still waits.
    Remaining(Duration),
    /// Its caller stopped waiting this long ago.
    Expired(Duration),
}

/// The time left of `message`'s deadline at `now`. A header that is not a whole number of
/// milliseconds counts as no deadline: dropping the request would lose it for a typo, and it
/// is the sender's own bound.
pub(crate) fn left(message: &Message, now: SystemTime) -> Left {
    let Some(ms) = message
        .headers
        .get(header::DEADLINE)
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Left::Unbounded;
    };
    let at = UNIX_EPOCH + Duration::from_millis(ms);
    match at.duration_since(now) {
        Ok(left) if !left.is_zero() => Left::Remaining(left),
        Ok(_) => Left::Expired(Duration::ZERO),
        Err(past) => Left::Expired(past.duration()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_deadline_reads_back_as_the_time_left() {
        let mut m = Message::new("t", "{}");
        stamp(&mut m, Instant::now() + Duration::from_secs(30));
        let Left::Remaining(remaining) = left(&m, SystemTime::now()) else {
            panic!("{:?}", left(&m, SystemTime::now()));
        };
        assert!(remaining > Duration::from_secs(29) && remaining <= Duration::from_secs(31));
        let later = SystemTime::now() + Duration::from_secs(40);
        let Left::Expired(ago) = left(&m, later) else {
            panic!("not expired");
        };
        assert!(ago >= Duration::from_secs(9) && ago <= Duration::from_secs(11));
        assert_eq!(left(&Message::new("t", "{}"), later), Left::Unbounded);
        let bad = Message::new("t", "{}").with_header(header::DEADLINE, "soon");
        assert_eq!(left(&bad, later), Left::Unbounded);
    }
}
