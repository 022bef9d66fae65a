//! [`Transaction`]: a [`Tx`] shared by the pieces of one unit of work: the handler's own SQL,
//! the publishers writing into its outbox ([`Publisher::within`](crate::messaging::Publisher::within)),
//! and the idempotent responder that opened it for a message and commits it after the handler.

use super::error::StoreError;
use super::tx::Tx;
use crate::Context;
use crate::messaging::{BrokerError, Channel, Message, Outbox};
use futures::future::BoxFuture;
use std::sync::Arc;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

/// An open transaction that can be handed around (cheap to clone; clones share it). A
/// responder served with a store ([`ServeConfig::store`](crate::messaging::ServeConfig::store))
/// opens one per message and puts it in the handler's context: get it with
/// [`Transaction::of`], write with [`Transaction::lock`], publish with
/// `publisher.within(transaction.clone())`, and leave the commit to the responder. Elsewhere (a
/// REST handler), make one with [`Transaction::new`] and [`Transaction::commit`] it.
#[derive(Clone)]
pub struct Transaction(Arc<Mutex<Option<Tx>>>);

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

impl Transaction {
    /// Shares `tx`.
    pub fn new(tx: Tx) -> Transaction {
        Transaction(Arc::new(Mutex::new(Some(tx))))
    }

    /// The transaction a responder opened for the message being handled, if it was served
    /// with a store.
    pub fn of(context: &Context) -> Option<Transaction> {
        context.extensions.get::<Transaction>().cloned()
    }

    /// The transaction, for the service's SQL (`tx.conn()`) or its outbox (`tx.publish`);
    /// others wait until the guard drops. Fails once it was committed or rolled back.
    pub async fn lock(&self) -> Result<MappedMutexGuard<'_, Tx>, StoreError> {
        let guard = self.0.lock().await;
        MutexGuard::try_map(guard, Option::as_mut).map_err(|_| ended())
    }

    /// Takes the transaction out (ending every clone's use of it), to commit or roll back.
    pub async fn take(&self) -> Result<Tx, StoreError> {
        self.0.lock().await.take().ok_or_else(ended)
    }

    /// Commits (see [`Tx::commit`]).
    pub async fn commit(&self) -> Result<(), StoreError> {
        self.take().await?.commit().await
    }

    /// Rolls back (see [`Tx::rollback`]).
    pub async fn rollback(&self) -> Result<(), StoreError> {
        self.take().await?.rollback().await
    }
}

fn ended() -> StoreError {
    StoreError::Database("the transaction was already committed or rolled back".into())
}

/// Publishers write into the transaction's outbox: the message leaves once it commits.
impl Outbox for Transaction {
    fn write(&self, channel: Channel, message: Message) -> BoxFuture<'_, Result<(), BrokerError>> {
        Box::pin(async move {
            let mut tx = self.lock().await.map_err(outbox_error)?;
            tx.publish(&channel, &message).await.map_err(outbox_error)
        })
    }
}

/// A store failure as a publisher reports it: the database is unavailable or refused.
fn outbox_error(e: StoreError) -> BrokerError {
    match e {
        StoreError::Unavailable(m) => BrokerError::Unavailable(format!("outbox: {m}")),
        other => BrokerError::Rejected(format!("outbox: {other}")),
    }
}
