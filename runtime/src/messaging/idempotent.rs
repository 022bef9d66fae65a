//! The idempotent consumer, messaging's side (`docs/wire.md`, "Delivery guarantees: outbox and
//! idempotent consumer"). A responder served with an [`Idempotence`] (the store's: `accord::store`,
//! `ServeConfig::store`) has it run each message's handler, so a redelivered or duplicated
//! message is acknowledged without running the handler again and a request's stored reply is
//! sent again. The reply is held until the handler's work is committed, then sent: a caller
//! never sees the answer of work that was rolled back.
//!
//! A trait, so messaging knows nothing of databases: the store implements it (`store` depends on
//! `messaging`, never the other way).

use super::broker::Broker;
use super::consumer::HandlerError;
use super::message::Message;
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};

/// One run of a message's handler: given the context extensions to run it with, its reply (a
/// request's; `None` for events, commands and requests without `reply_to`).
pub type Run = Box<
    dyn FnOnce(http::Extensions) -> BoxFuture<'static, Result<Option<Message>, HandlerError>>
        + Send,
>;

/// What [`Idempotence::handle`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The reply to send: the one the handler just made, or the one stored when it ran before.
    pub reply: Option<Message>,
    /// The group had handled the message before: its handler did not run now.
    pub duplicate: bool,
}

/// Runs each message's handler at most once per consumer group and `message_id`, with the
/// handler's effects and the record of the message committed together.
pub trait Idempotence: Send + Sync + std::fmt::Debug + 'static {
    /// Runs `run` for `message` as `group`, unless `group` handled the message before; either
    /// way, the reply to send. An error is the handler's (or the record's): nothing was
    /// committed, and the consumer policy retries or dead-letters the message.
    fn handle<'a>(
        &'a self,
        group: &'a str,
        message: &'a Message,
        run: Run,
    ) -> BoxFuture<'a, Result<Handled, HandlerError>>;
}

/// Where a responder holds a request's reply while its handler's work is not committed (in the
/// handler's context extensions; absent otherwise, and the reply is sent at once).
#[derive(Clone, Default)]
pub(crate) struct HeldReply(Arc<Mutex<Option<Message>>>);

impl HeldReply {
    pub(crate) fn hold(&self, reply: Message) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(reply);
    }

    fn take(&self) -> Option<Message> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Handles `message` with `handle` through `idempotence`, then sends the reply. A reply that
/// cannot be sent hands the message back (a failure): its redelivery finds the record and sends
/// the stored reply, without running the handler.
pub(crate) async fn handle<F>(
    idempotence: &dyn Idempotence,
    group: &str,
    broker: &Broker,
    message: Message,
    handle: F,
    on_duplicate: impl FnOnce(),
) -> Result<(), HandlerError>
where
    F: FnOnce(&Message, http::Extensions) -> BoxFuture<'static, Result<(), HandlerError>>
        + Send
        + 'static,
{
    let held = HeldReply::default();
    let run: Run = {
        let (message, held) = (message.clone(), held.clone());
        Box::new(move |mut extensions| {
            extensions.insert(held.clone());
            let work = handle(&message, extensions);
            Box::pin(async move {
                work.await?;
                Ok(held.take())
            })
        })
    };
    let handled = idempotence.handle(group, &message, run).await?;
    if handled.duplicate {
        on_duplicate();
        tracing::info!(
            message_id = %message.message_id,
            group,
            "message handled before: acknowledged without running its handler"
        );
    }
    let (Some(reply), Some(to)) = (handled.reply, &message.reply_to) else {
        return Ok(());
    };
    broker
        .reply(to, reply)
        .await
        .map_err(|e| HandlerError::Failed(format!("reply not sent: {e}")))
}
