//! The FTGO accounting service: it authorises the card payment of an order (`authorize_card`),
//! declining orders whose total exceeds a limit (`PaymentDeclined`), and disables accounts. Every
//! consumer has an active account unless disabled.

use accord::{CallError, Request};
use ftgo_api::api::ftgo::accounting::accounting_service::{AuthorizeCardError, GetAccountError};
use ftgo_api::api::ftgo::accounting::{
    Account, AccountList, AccountNotFound, AccountState, AccountingService, AuthorizeCard,
    CardAuthorized, DisableAccount, GetAccountRequest, ListAccountsRequest, PaymentDeclined,
};
use ftgo_api::host::Journal;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Accounts, in memory: every consumer's is active unless disabled.
#[derive(Debug)]
pub struct Accounting {
    /// Orders whose total (minor units) exceeds this are declined.
    decline_over: Option<i64>,
    disabled: Mutex<BTreeSet<i64>>,
    journal: Journal,
}

impl Accounting {
    /// Accounting that declines totals over `decline_over` minor units.
    pub fn new(decline_over: Option<i64>, journal: Journal) -> Accounting {
        Accounting {
            decline_over,
            disabled: Mutex::default(),
            journal,
        }
    }

    fn is_disabled(&self, consumer_id: i64) -> bool {
        let disabled = self.disabled.lock().unwrap_or_else(|e| e.into_inner());
        disabled.contains(&consumer_id)
    }

    fn account(&self, consumer_id: i64) -> Account {
        let state = if self.is_disabled(consumer_id) {
            AccountState::Disabled
        } else {
            AccountState::Active
        };
        Account {
            consumer_id,
            state,
            initial_state: AccountState::Active,
        }
    }
}

impl AccountingService for Accounting {
    async fn get_account(
        &self,
        request: Request<GetAccountRequest>,
    ) -> Result<Account, GetAccountError> {
        Ok(self.account(request.input.consumer_id))
    }

    async fn list_accounts(
        &self,
        _: Request<ListAccountsRequest>,
    ) -> Result<AccountList, CallError> {
        Ok(AccountList {
            accounts: Vec::new(),
        })
    }

    async fn authorize_card(
        &self,
        request: Request<AuthorizeCard>,
    ) -> Result<CardAuthorized, AuthorizeCardError> {
        let AuthorizeCard {
            consumer_id,
            order_id,
            amount,
        } = request.input;
        if self.is_disabled(consumer_id) {
            self.journal
                .say(|| format!("order {order_id}: account {consumer_id} is disabled"));
            return Err(AccountNotFound { consumer_id }.into());
        }
        if let Some(limit) = self.decline_over.filter(|limit| amount.amount > *limit) {
            let reason = format!(
                "{} {} is over the limit of {limit}",
                amount.amount, amount.currency
            );
            self.journal
                .say(|| format!("order {order_id} declined: {reason}"));
            return Err(PaymentDeclined { reason }.into());
        }
        self.journal.say(|| {
            format!(
                "order {order_id}: {} {} authorised",
                amount.amount, amount.currency
            )
        });
        Ok(CardAuthorized {
            consumer_id,
            order_id,
        })
    }

    async fn disable_account(&self, request: Request<DisableAccount>) -> Result<(), CallError> {
        let consumer_id = request.input.consumer_id;
        self.disabled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(consumer_id);
        self.journal
            .say(|| format!("account {consumer_id} disabled"));
        Ok(())
    }
}
