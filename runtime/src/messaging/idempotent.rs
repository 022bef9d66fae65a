//! The idempotent consumer (`docs/wire.md`, "Delivery guarantees: outbox and idempotent
//! consumer"): a responder served with a store runs each message's handler in a transaction that
//! also records (consumer group, `message_id`) and the reply, so a redelivered or duplicated
//! message is acknowledged without running the handler again, and a request's stored reply is
//! sent again. The reply leaves after the commit, never before: a caller never sees the answer
//! of work that was rolled back.

use super::message::Message;
use std::sync::{Arc, Mutex};

/// Where a responder holds a request's reply until the handler's transaction has committed
/// (put in the handler's context extensions by [`Idempotent`]; absent otherwise, and the reply
/// is sent at once).
#[derive(Clone, Default)]
pub(crate) struct HeldReply(Arc<Mutex<Option<Message>>>);

impl HeldReply {
    pub(crate) fn hold(&self, reply: Message) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(reply);
    }

    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    fn take(&self) -> Option<Message> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use with_store::Idempotent;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod with_store {
    use super::HeldReply;
    use crate::messaging::broker::Broker;
    use crate::messaging::consumer::HandlerError;
    use crate::messaging::message::Message;
    use crate::store::{Processed, Store, StoreError, Transaction};
    use futures::future::BoxFuture;

    /// Runs handlers the idempotent way for one consumer group.
    pub(crate) struct Idempotent {
        pub(crate) store: Store,
        pub(crate) group: String,
        pub(crate) broker: Broker,
    }

    impl Idempotent {
        /// Handles `message` with `handle` (given the context extensions that carry the
        /// transaction and the held reply) unless its group handled it before; then calls
        /// `on_duplicate` (which counts it).
        pub(crate) async fn run<F>(
            &self,
            message: Message,
            handle: F,
            on_duplicate: impl FnOnce(),
        ) -> Result<(), HandlerError>
        where
            F: FnOnce(&Message, http::Extensions) -> BoxFuture<'static, Result<(), HandlerError>>,
        {
            let id = &message.message_id;
            let mut tx = self.store.begin().await.map_err(failed)?;
            if let Some(done) = tx.seen(&self.group, id).await.map_err(failed)? {
                drop(tx);
                on_duplicate();
                return self.again(&message, done).await;
            }
            // Recorded before the handler runs: a concurrent delivery of the same message
            // (PostgreSQL, several instances) waits here for this transaction, then finds the
            // record, instead of running the handler beside this one.
            match tx.record(&self.group, id, None).await {
                Ok(()) => {}
                Err(StoreError::Duplicate) => {
                    on_duplicate();
                    let _ = tx.rollback().await;
                    return self.resend_stored(&message).await;
                }
                Err(e) => return Err(failed(e)),
            }
            let transaction = Transaction::new(tx);
            let held = HeldReply::default();
            let mut extensions = http::Extensions::new();
            extensions.insert(transaction.clone());
            extensions.insert(held.clone());
            // On failure the transaction rolls back as it drops: the handler's writes and
            // outbox messages go, and the consumer policy retries or dead-letters.
            handle(&message, extensions).await?;
            let reply = held.take();
            let mut tx = transaction.take().await.map_err(|_| {
                HandlerError::Failed("the handler ended the responder's transaction".into())
            })?;
            if let Some(reply) = &reply {
                tx.record_reply(&self.group, id, reply)
                    .await
                    .map_err(failed)?;
            }
            tx.commit().await.map_err(failed)?;
            self.send(&message, reply).await
        }

        /// Another delivery of the message committed first (this one's work is rolled back):
        /// that one's reply is sent again.
        async fn resend_stored(&self, message: &Message) -> Result<(), HandlerError> {
            let mut tx = self.store.begin().await.map_err(failed)?;
            let done = tx.seen(&self.group, &message.message_id).await;
            drop(tx);
            match done.map_err(failed)? {
                Some(done) => self.again(message, done).await,
                None => Err(HandlerError::Failed(
                    "a concurrent delivery's record vanished".into(),
                )),
            }
        }

        /// A message this group handled before: acknowledged without running the handler, its
        /// stored reply sent again.
        async fn again(&self, message: &Message, done: Processed) -> Result<(), HandlerError> {
            tracing::info!(
                message_id = %message.message_id,
                group = %self.group,
                "message handled before: acknowledged without running its handler"
            );
            self.send(message, done.reply).await
        }

        /// Sends a reply to the request's `reply_to`. A reply that cannot be sent is retried
        /// (the message is handed back): its redelivery finds the record and sends the stored
        /// reply, without running the handler.
        async fn send(
            &self,
            message: &Message,
            reply: Option<Message>,
        ) -> Result<(), HandlerError> {
            let (Some(reply), Some(to)) = (reply, &message.reply_to) else {
                return Ok(());
            };
            self.broker
                .reply(to, reply)
                .await
                .map_err(|e| HandlerError::Failed(format!("reply not sent: {e}")))
        }
    }

    fn failed(e: StoreError) -> HandlerError {
        HandlerError::Failed(e.to_string())
    }
}
