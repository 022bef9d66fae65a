//! The FTGO accounting service: it authorises the card payment of an order (`authorize_card`),
//! declining orders whose total exceeds a limit (`PaymentDeclined`), voids authorisations (the
//! saga's compensation, and a cancelled order's), and disables accounts. Every consumer has an
//! active account unless disabled. It follows the order events, as its contract says: a
//! cancelled order's authorisation is voided.
//!
//! Its authorisations live in its store (`--db`, else in memory). Every command is idempotent
//! by order: an order has at most one authorisation, so a redelivered or duplicated
//! `AuthorizeCard` charges nothing more; and a void is remembered, so an `AuthorizeCard` that
//! arrives after it (late, or redelivered after the saga gave up) is declined instead of
//! charging the card of a rejected order.

use accord::store::{Store, StoreError, Tx, sqlx};
use accord::{CallError, Context, Request};
use ftgo_api::api::ftgo::accounting::accounting_service::messaging::OrderEventsSubscriber;
use ftgo_api::api::ftgo::accounting::accounting_service::{AuthorizeCardError, GetAccountError};
use ftgo_api::api::ftgo::accounting::{
    Account, AccountList, AccountNotFound, AccountState, AccountingService, Authorization,
    AuthorizationList, AuthorizationState, AuthorizeCard, CardAuthorized, DisableAccount,
    GetAccountRequest, ListAccountsRequest, ListAuthorizationsRequest, PaymentDeclined,
    VoidAuthorization,
};
use ftgo_api::api::ftgo::common::Money;
use ftgo_api::api::ftgo::order::{OrderCancelled, OrderCreated};
use ftgo_api::host::Journal;
use ftgo_api::store::{Tables, Work};

/// The accounting tables: one authorisation per order at most, the orders voided (with or
/// without an authorisation yet), the disabled accounts.
pub const TABLES: Tables = Tables {
    sqlite: STATEMENTS,
    postgres: STATEMENTS,
};

const STATEMENTS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS accounting_authorizations (
        order_id BIGINT PRIMARY KEY,
        consumer_id BIGINT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        state TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS accounting_voided_orders (
        order_id BIGINT PRIMARY KEY,
        reason TEXT
    )",
    "CREATE TABLE IF NOT EXISTS accounting_disabled_accounts (
        consumer_id BIGINT PRIMARY KEY
    )",
];

const AUTHORIZED: &str = "AUTHORIZED";
const VOIDED: &str = "VOIDED";

/// Accounts and authorisations in `store`.
#[derive(Debug)]
pub struct Accounting {
    /// Orders whose total (minor units) exceeds this are declined.
    decline_over: Option<i64>,
    store: Store,
    journal: Journal,
}

impl Accounting {
    /// Accounting on `store` (opened with [`TABLES`]) that declines totals over `decline_over`
    /// minor units.
    pub fn new(store: Store, decline_over: Option<i64>, journal: Journal) -> Accounting {
        Accounting {
            decline_over,
            store,
            journal,
        }
    }

    /// Accounting on a private in-memory store.
    pub async fn in_memory(
        decline_over: Option<i64>,
        journal: Journal,
    ) -> Result<Accounting, StoreError> {
        let store = ftgo_api::store::open(None, TABLES).await?;
        Ok(Accounting::new(store, decline_over, journal))
    }

    async fn is_disabled(&self, consumer_id: i64) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT consumer_id FROM accounting_disabled_accounts WHERE consumer_id = $1",
        )
        .bind(consumer_id)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(row.is_some())
    }

    async fn account(&self, consumer_id: i64) -> Result<Account, StoreError> {
        let state = if self.is_disabled(consumer_id).await? {
            AccountState::Disabled
        } else {
            AccountState::Active
        };
        Ok(Account {
            consumer_id,
            state,
            initial_state: AccountState::Active,
        })
    }

    /// The authorisations of `order_id` (at most one).
    pub async fn authorizations_of(&self, order_id: i64) -> Result<Vec<Authorization>, StoreError> {
        let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
            "SELECT order_id, consumer_id, amount, currency, state \
             FROM accounting_authorizations WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(order_id, consumer_id, amount, currency, state)| Authorization {
                    order_id,
                    consumer_id,
                    amount: Money { amount, currency },
                    state: if state == VOIDED {
                        AuthorizationState::Voided
                    } else {
                        AuthorizationState::Authorized
                    },
                },
            )
            .collect())
    }

    /// Voids the authorisation of `order_id` (if any) and remembers the order as voided, in the
    /// call's transaction. Doing it again changes nothing.
    async fn void(
        &self,
        context: &Context,
        order_id: i64,
        reason: Option<String>,
    ) -> Result<(), StoreError> {
        let work = Work::begin(&self.store, context).await?;
        let voided = {
            let mut tx = work.lock().await?;
            sqlx::query(
                "INSERT INTO accounting_voided_orders (order_id, reason) VALUES ($1, $2) \
                 ON CONFLICT (order_id) DO NOTHING",
            )
            .bind(order_id)
            .bind(reason)
            .execute(tx.conn())
            .await?;
            sqlx::query(
                "UPDATE accounting_authorizations SET state = $1 \
                 WHERE order_id = $2 AND state <> $1",
            )
            .bind(VOIDED)
            .bind(order_id)
            .execute(tx.conn())
            .await?
            .rows_affected()
        };
        work.commit().await?;
        if voided > 0 {
            self.journal
                .say(|| format!("order {order_id}: authorisation voided"));
        }
        Ok(())
    }

    /// Authorises in `tx`: `Ok(None)` when it did, `Ok(Some(error))` when it declines.
    async fn authorize(
        &self,
        tx: &mut Tx,
        card: &AuthorizeCard,
    ) -> Result<Option<AuthorizeCardError>, StoreError> {
        let AuthorizeCard {
            consumer_id,
            order_id,
            amount,
        } = card;
        let voided: Option<(i64,)> =
            sqlx::query_as("SELECT order_id FROM accounting_voided_orders WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(tx.conn())
                .await?;
        if voided.is_some() {
            let reason = format!("the authorisation of order {order_id} was voided");
            return Ok(Some(PaymentDeclined { reason }.into()));
        }
        let existing: Option<(i64,)> =
            sqlx::query_as("SELECT order_id FROM accounting_authorizations WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(tx.conn())
                .await?;
        if existing.is_some() {
            self.journal
                .say(|| format!("order {order_id}: already authorised"));
            return Ok(None);
        }
        let disabled: Option<(i64,)> = sqlx::query_as(
            "SELECT consumer_id FROM accounting_disabled_accounts WHERE consumer_id = $1",
        )
        .bind(consumer_id)
        .fetch_optional(tx.conn())
        .await?;
        if disabled.is_some() {
            self.journal
                .say(|| format!("order {order_id}: account {consumer_id} is disabled"));
            let consumer_id = *consumer_id;
            return Ok(Some(AccountNotFound { consumer_id }.into()));
        }
        if let Some(limit) = self.decline_over.filter(|limit| amount.amount > *limit) {
            let reason = format!(
                "{} {} is over the limit of {limit}",
                amount.amount, amount.currency
            );
            self.journal
                .say(|| format!("order {order_id} declined: {reason}"));
            return Ok(Some(PaymentDeclined { reason }.into()));
        }
        sqlx::query(
            "INSERT INTO accounting_authorizations \
             (order_id, consumer_id, amount, currency, state) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(order_id)
        .bind(consumer_id)
        .bind(amount.amount)
        .bind(amount.currency.as_str())
        .bind(AUTHORIZED)
        .execute(tx.conn())
        .await?;
        self.journal.say(|| {
            format!(
                "order {order_id}: {} {} authorised",
                amount.amount, amount.currency
            )
        });
        Ok(None)
    }
}

impl AccountingService for Accounting {
    async fn get_account(
        &self,
        request: Request<GetAccountRequest>,
    ) -> Result<Account, GetAccountError> {
        Ok(self
            .account(request.input.consumer_id)
            .await
            .map_err(CallError::from)?)
    }

    async fn list_accounts(
        &self,
        _: Request<ListAccountsRequest>,
    ) -> Result<AccountList, CallError> {
        Ok(AccountList {
            accounts: Vec::new(),
        })
    }

    async fn list_authorizations(
        &self,
        request: Request<ListAuthorizationsRequest>,
    ) -> Result<AuthorizationList, CallError> {
        let authorizations = self.authorizations_of(request.input.order_id).await?;
        Ok(AuthorizationList { authorizations })
    }

    async fn authorize_card(
        &self,
        request: Request<AuthorizeCard>,
    ) -> Result<CardAuthorized, AuthorizeCardError> {
        let card = request.input;
        let work = Work::begin(&self.store, &request.context)
            .await
            .map_err(CallError::from)?;
        let declined = {
            let mut tx = work.lock().await.map_err(CallError::from)?;
            self.authorize(&mut tx, &card)
                .await
                .map_err(CallError::from)?
        };
        if let Some(declined) = declined {
            return Err(declined);
        }
        work.commit().await.map_err(CallError::from)?;
        Ok(CardAuthorized {
            consumer_id: card.consumer_id,
            order_id: card.order_id,
        })
    }

    async fn disable_account(&self, request: Request<DisableAccount>) -> Result<(), CallError> {
        let consumer_id = request.input.consumer_id;
        let work = Work::begin(&self.store, &request.context).await?;
        sqlx::query(
            "INSERT INTO accounting_disabled_accounts (consumer_id) VALUES ($1) \
             ON CONFLICT (consumer_id) DO NOTHING",
        )
        .bind(consumer_id)
        .execute(work.lock().await?.conn())
        .await
        .map_err(StoreError::from)?;
        work.commit().await?;
        self.journal
            .say(|| format!("account {consumer_id} disabled"));
        Ok(())
    }

    async fn void_authorization(
        &self,
        request: Request<VoidAuthorization>,
    ) -> Result<(), CallError> {
        let VoidAuthorization { order_id, reason } = request.input;
        self.void(&request.context, order_id, reason).await?;
        Ok(())
    }
}

impl OrderEventsSubscriber for Accounting {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        let order_id = event.input.order_id;
        self.journal.say(|| format!("saw order {order_id} created"));
        Ok(())
    }

    /// A cancelled order's authorisation is voided (and one asked for later is declined).
    async fn order_cancelled(&self, event: Request<OrderCancelled>) -> Result<(), CallError> {
        let OrderCancelled { order_id, reason } = event.input;
        self.journal
            .say(|| format!("saw order {order_id} cancelled"));
        self.void(&event.context, order_id, reason).await?;
        Ok(())
    }
}
