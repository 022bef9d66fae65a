//! The idempotent consumer, the store's side: [`Store`] is an
//! [`Idempotence`](crate::messaging::Idempotence). Each message runs in a transaction that
//! first records (consumer group, `message_id`) in `accord_processed_messages`, then runs the
//! handler with the [`Transaction`] in its context, stores its reply, and commits.

use super::error::StoreError;
use super::open::Store;
use super::transaction::Transaction;
use crate::messaging::{Handled, HandlerError, Idempotence, Message, Run};
use futures::future::BoxFuture;

impl Idempotence for Store {
    fn handle<'a>(
        &'a self,
        group: &'a str,
        message: &'a Message,
        run: Run,
    ) -> BoxFuture<'a, Result<Handled, HandlerError>> {
        Box::pin(handle(self, group, message, run))
    }
}

async fn handle(
    store: &Store,
    group: &str,
    message: &Message,
    run: Run,
) -> Result<Handled, HandlerError> {
    let id = &message.message_id;
    let mut tx = store.begin().await.map_err(failed)?;
    if let Some(done) = tx.seen(group, id).await.map_err(failed)? {
        return Ok(duplicate(done.reply));
    }
    // Recorded before the handler runs: a concurrent delivery of the same message (PostgreSQL,
    // several instances) waits here for this transaction, then finds the record, instead of
    // running the handler beside this one.
    match tx.record(group, id, None).await {
        Ok(()) => {}
        Err(StoreError::Duplicate) => {
            let _ = tx.rollback().await;
            return stored(store, group, id).await;
        }
        Err(e) => return Err(failed(e)),
    }
    let transaction = Transaction::new(tx);
    let mut extensions = http::Extensions::new();
    extensions.insert(transaction.clone());
    // On failure the transaction rolls back as it drops: the handler's writes, its outbox
    // messages and the record go.
    let reply = run(extensions).await?;
    let mut tx = transaction.take().await.map_err(|_| {
        HandlerError::Failed("the handler ended the responder's transaction itself".into())
    })?;
    if let Some(reply) = &reply {
        tx.record_reply(group, id, reply).await.map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    Ok(Handled {
        reply,
        duplicate: false,
    })
}

/// Another delivery of the message committed first: its stored reply.
async fn stored(store: &Store, group: &str, id: &str) -> Result<Handled, HandlerError> {
    let mut tx = store.begin().await.map_err(failed)?;
    match tx.seen(group, id).await.map_err(failed)? {
        Some(done) => Ok(duplicate(done.reply)),
        None => Err(HandlerError::Failed(
            "a concurrent delivery's record vanished".into(),
        )),
    }
}

fn duplicate(reply: Option<Message>) -> Handled {
    Handled {
        reply,
        duplicate: true,
    }
}

fn failed(e: StoreError) -> HandlerError {
    HandlerError::Failed(e.to_string())
}
