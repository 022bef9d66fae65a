//! A decoder for `text/event-stream` bodies (the client side of SSE streams). The format is a
//! few line rules, so it lives here rather than pulling in a parser crate.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field; `None` for the default `message` type.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Longest line accepted before the stream is declared broken (no unbounded buffering).
const MAX_LINE: usize = 16 << 20;

/// Incremental decoder: push chunks as they arrive, take whole events out.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    buffer: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseDecoder {
    /// Feeds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, String> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = std::str::from_utf8(line).map_err(|_| "event stream is not UTF-8")?;
            if let Some(event) = self.line(line) {
                events.push(event);
            }
        }
        if self.buffer.len() > MAX_LINE {
            return Err(format!("event stream line longer than {MAX_LINE} bytes"));
        }
        Ok(events)
    }

    /// Bytes held for the event not yet complete.
    pub fn pending(&self) -> usize {
        self.buffer.len() + self.data.as_ref().map_or(0, String::len)
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take()?;
            return Some(SseEvent {
                event: self.event.take(),
                data,
            });
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            // Comments (keep-alives), `id` and `retry` mean nothing to a one-shot call.
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_events_split_across_chunks() {
        let mut d = SseDecoder::default();
        assert_eq!(d.push(b": keep-alive\n\nda").unwrap(), []);
        let events = d
            .push(b"ta: {\"a\":1}\r\n\r\nevent: error\ndata: x\ndata:y\n\n")
            .unwrap();
        assert_eq!(
            events,
            [
                SseEvent {
                    event: None,
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: Some("error".into()),
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn the_unfinished_event_is_counted_across_its_lines() {
        let mut d = SseDecoder::default();
        d.push(b"data: 0123456789\ndata: 0123").unwrap();
        assert_eq!(d.pending(), 10 + 10, "the data so far and the partial line");
        d.push(b"\n\n").unwrap();
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert!(SseDecoder::default().push(b"data: \xff\n").is_err());
    }
}
