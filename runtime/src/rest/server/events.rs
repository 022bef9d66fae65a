//! A streamed output as server-sent events (`text/event-stream`); the client's decoder is
//! `rest/sse.rs`.

use crate::deadline::Deadline;
use crate::rest::{Problem, error_problem, problem_of};
use crate::{BoxStream, CallError, ServiceError};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde::Serialize;
use std::convert::Infallible;
use std::time::Instant;

fn data_event<O: Serialize>(value: &O) -> Result<Event, Box<Problem>> {
    serde_json::to_string(value)
        .map(|data| Event::default().data(data))
        .map_err(|e| {
            Box::new(problem_of(&CallError::Internal(format!(
                "encoding an item: {e}"
            ))))
        })
}

pub(super) fn sse_response<O, E>(
    items: BoxStream<'static, Result<O, E>>,
    deadline: Option<Instant>,
) -> Response
where
    O: Serialize + Send + 'static,
    E: ServiceError,
{
    let events = items.scan(false, |failed, item| {
        let event = match item {
            _ if *failed => None,
            Ok(value) => Some(data_event(&value)),
            Err(error) => Some(Err(Box::new(error_problem(error)))),
        };
        let event = event.map(|e| {
            e.unwrap_or_else(|problem| {
                *failed = true;
                let data = serde_json::to_string(&problem).unwrap_or_default();
                Event::default().event("error").data(data)
            })
        });
        futures::future::ready(event.map(Ok::<_, Infallible>))
    });
    let events: BoxStream<'static, Result<Event, Infallible>> = match deadline {
        Some(deadline) => Box::pin(events.take_until(Deadline::at(deadline))),
        None => Box::pin(events),
    };
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
