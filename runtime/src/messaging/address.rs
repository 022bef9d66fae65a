//! Which addresses a message may be sent to, and which a reply may go to (`docs/wire.md`,
//! "Reply addresses"). A request's `reply_to` is written by whoever sent the request, so it is
//! checked before anything runs: a reply steered onto a contract channel would be a forged
//! command or event, one onto a broker subject (`$JS.API...`) a call of the broker's API, and an
//! address the broker cannot parse makes nats-server close the connection every consumer of
//! the process shares.
//!
//! One rule for every backend, so a request refused on one broker is refused on all.

/// The longest address, in bytes. AMQP carries a routing key as a short string (255 bytes at
/// most); NATS recommends subjects under 256 characters and closes the connection of a client
/// whose protocol line exceeds 4 KiB.
pub const MAX_ADDRESS_BYTES: usize = 255;

/// Characters no address may hold: the NATS wildcards and AMQP's topic wildcard (`*` is both).
const WILDCARDS: [char; 3] = ['*', '>', '#'];

/// Why `address` is not one every backend can publish to literally, or `Ok`: non-empty, at most
/// [`MAX_ADDRESS_BYTES`], no whitespace, control characters or wildcards, no empty
/// `.`-separated token.
pub(crate) fn check_address(address: &str) -> Result<(), String> {
    // Every publish checks its channel's address: the common case is told in one pass over
    // the bytes, and only an address it does not clear goes through the checks that say why.
    if address.len() <= MAX_ADDRESS_BYTES && plainly_legal(address.as_bytes()) {
        return Ok(());
    }
    why_illegal(address)
}

/// [`check_address`], each rule in turn.
fn why_illegal(address: &str) -> Result<(), String> {
    if address.is_empty() {
        return Err("is empty".into());
    }
    if address.len() > MAX_ADDRESS_BYTES {
        return Err(format!(
            "is {} bytes long, more than {MAX_ADDRESS_BYTES}",
            address.len()
        ));
    }
    if let Some(c) = address
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("contains the character {c:?}"));
    }
    if let Some(c) = address.chars().find(|c| WILDCARDS.contains(c)) {
        return Err(format!("contains the wildcard `{c}`"));
    }
    if address.split('.').any(str::is_empty) {
        return Err("has an empty `.`-separated token".into());
    }
    Ok(())
}

/// Whether `address` is printable ASCII without wildcards, made of non-empty `.`-separated
/// tokens: legal for [`check_address`] (which also takes addresses beyond ASCII).
fn plainly_legal(address: &[u8]) -> bool {
    let mut previous = b'.';
    for &b in address {
        let printable = b > b' ' && b < 0x7f;
        if !printable || WILDCARDS.contains(&char::from(b)) || (b == b'.' && previous == b'.') {
            return false;
        }
        previous = b;
    }
    previous != b'.'
}

/// Why `address` may not receive a reply on any backend, or `Ok`: a legal address
/// ([`check_address`]) that is not the broker's own. `$…` subjects are NATS's (JetStream
/// `$JS.`, the system account's `$SYS.`, key-value `$KV.`, object store `$O.`, ...); `amq.…`
/// names are RabbitMQ's, except the two a client may legitimately read replies from: a
/// server-named queue (`amq.gen-…`) and direct reply-to (`amq.rabbitmq.reply-to…`).
pub(crate) fn check_reply_address(address: &str) -> Result<(), String> {
    check_address(address)?;
    if address.starts_with('$') {
        return Err("is a broker system subject (`$…`)".into());
    }
    if address.starts_with("amq.")
        && !address.starts_with("amq.gen-")
        && !address.starts_with("amq.rabbitmq.reply-to")
    {
        return Err("is a name the broker reserves (`amq.…`)".into());
    }
    Ok(())
}

/// The addresses a responder's replies may not go to: every channel of the contract its code
/// was generated from, and every address under one (`<address>.dlq`, AMQP's group queues
/// `<address>.<group>`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Protected {
    addresses: Vec<&'static str>,
}

impl Protected {
    /// Adds `addresses`, each once.
    pub(crate) fn extend(&mut self, addresses: impl IntoIterator<Item = &'static str>) {
        for address in addresses {
            if !self.addresses.contains(&address) {
                self.addresses.push(address);
            }
        }
    }

    /// Why a request's `reply_to` is refused, or `Ok`.
    pub(crate) fn check_reply_to(&self, reply_to: &str) -> Result<(), String> {
        check_reply_address(reply_to)?;
        let under = |a: &str| {
            reply_to
                .strip_prefix(a)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        };
        match self.addresses.iter().find(|a| under(a)) {
            Some(channel) => Err(format!("is the contract channel `{channel}` or under it")),
            None => Ok(()),
        }
    }
}

/// An address as an error message shows it: at most 64 characters, escaped, on one line.
pub(crate) fn shown(address: &str) -> String {
    const SHOWN: usize = 64;
    match address.char_indices().nth(SHOWN) {
        None => format!("{address:?}"),
        Some((end, _)) => format!("{:?}… ({} bytes)", &address[..end], address.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_addresses_pass() {
        for ok in [
            "_INBOX.abc123",
            "accord.inbox.0f3a",
            "myapp.replies.7",
            "amq.gen-JzTY20BRgKO-HjmUJj0wLg",
            "amq.rabbitmq.reply-to.g1h2AA",
            "ftgo.kitchen.commandsx",
            "réponses.1",
        ] {
            assert_eq!(check_reply_address(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_address(&"a".repeat(MAX_ADDRESS_BYTES)), Ok(()));
    }

    #[test]
    fn illegal_addresses_say_why() {
        let cases = [
            ("", "is empty"),
            ("a b", "contains the character ' '"),
            ("a\tb", "contains the character '\\t'"),
            ("a\r\nPUB x 0", "contains the character '\\r'"),
            ("a\u{0}", "contains the character '\\0'"),
            ("a\u{a0}b", "contains the character '\\u{a0}'"),
            ("orders.*", "contains the wildcard `*`"),
            ("orders.>", "contains the wildcard `>`"),
            ("orders.#", "contains the wildcard `#`"),
            ("orders..x", "has an empty `.`-separated token"),
            (".orders", "has an empty `.`-separated token"),
            ("orders.", "has an empty `.`-separated token"),
            ("$JS.API.STREAM.LIST", "is a broker system subject (`$…`)"),
            ("$SYS.REQ.SERVER.PING", "is a broker system subject (`$…`)"),
            ("$KV.bucket.key", "is a broker system subject (`$…`)"),
            ("amq.direct", "is a name the broker reserves (`amq.…`)"),
            (
                "amq.rabbitmq.trace",
                "is a name the broker reserves (`amq.…`)",
            ),
        ];
        for (address, why) in cases {
            assert_eq!(check_reply_address(address), Err(why.into()), "{address:?}");
        }
        let long = "a".repeat(5 * 1024);
        assert_eq!(
            check_reply_address(&long),
            Err("is 5120 bytes long, more than 255".into())
        );
    }

    #[test]
    fn the_one_pass_check_agrees_with_the_rules() {
        // Every two-byte string over the bytes that matter, and some longer ones: on ASCII the
        // fast check clears exactly what the rules clear, and beyond ASCII it clears nothing.
        let bytes = [
            b'a', b'.', b' ', b'\t', 0, 0x7f, b'*', b'>', b'#', b'$', b'-', 0xc3, 0xa9,
        ];
        let mut inputs: Vec<Vec<u8>> = vec![vec![]];
        for &a in &bytes {
            inputs.push(vec![a]);
            for &b in &bytes {
                inputs.push(vec![a, b]);
                inputs.push(vec![b'x', a, b'.', b, b'y']);
            }
        }
        for input in inputs {
            let Ok(address) = std::str::from_utf8(&input) else {
                assert!(!plainly_legal(&input), "{input:?}");
                continue;
            };
            let fast = plainly_legal(&input);
            if address.is_ascii() {
                assert_eq!(fast, why_illegal(address).is_ok(), "{address:?}");
            } else {
                assert!(!fast, "{address:?}");
            }
        }
    }

    #[test]
    fn contract_channels_and_what_is_under_them_are_protected() {
        let mut protected = Protected::default();
        protected.extend(["ftgo.accounting.commands", "ftgo.order.events"]);
        protected.extend(["ftgo.order.events"]);
        assert_eq!(protected.addresses.len(), 2);
        for refused in [
            "ftgo.accounting.commands",
            "ftgo.accounting.commands.dlq",
            "ftgo.order.events",
            "ftgo.order.events.ftgo.kitchen.KitchenService",
        ] {
            assert!(protected.check_reply_to(refused).is_err(), "{refused}");
        }
        for allowed in ["ftgo.order.eventsx", "ftgo.order", "_INBOX.x"] {
            assert_eq!(protected.check_reply_to(allowed), Ok(()), "{allowed}");
        }
        assert_eq!(
            protected.check_reply_to("ftgo.order.events.dlq"),
            Err("is the contract channel `ftgo.order.events` or under it".into())
        );
    }

    #[test]
    fn long_addresses_are_shown_cut() {
        assert_eq!(shown("a b"), "\"a b\"");
        let long = "x".repeat(5000);
        assert_eq!(shown(&long), format!("{:?}… (5000 bytes)", "x".repeat(64)));
    }
}
