//! Accounting on its store: idempotent by order (a duplicated or redelivered `AuthorizeCard`
//! charges once), a void that also declines a later `AuthorizeCard`, declines that leave
//! nothing, authorisations kept across a restart on the same `--db`.

use accord::Request;
use ftgo_accounting_service::{Accounting, TABLES};
use ftgo_api::api::ftgo::accounting::accounting_service::AuthorizeCardError;
use ftgo_api::api::ftgo::accounting::{
    AccountingService as _, AuthorizationState, AuthorizeCard, VoidAuthorization,
};
use ftgo_api::api::ftgo::common::Money;
use ftgo_api::host::Journal;

fn card(order_id: i64, amount: i64) -> Request<AuthorizeCard> {
    Request::new(AuthorizeCard {
        consumer_id: 1,
        order_id,
        amount: Money {
            amount,
            currency: "USD".into(),
        },
    })
}

fn void(order_id: i64) -> Request<VoidAuthorization> {
    Request::new(VoidAuthorization {
        order_id,
        reason: Some("saga timed out".into()),
    })
}

async fn accounting() -> Accounting {
    Accounting::in_memory(Some(5_000), Journal::silent())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_duplicated_authorize_card_charges_once() {
    let accounting = accounting().await;
    accounting.authorize_card(card(7, 2_500)).await.unwrap();
    accounting.authorize_card(card(7, 2_500)).await.unwrap();
    let authorizations = accounting.authorizations_of(7).await.unwrap();
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(authorizations[0].amount.amount, 2_500);
    assert_eq!(authorizations[0].state, AuthorizationState::Authorized);
}

#[tokio::test]
async fn a_void_voids_and_declines_a_later_authorize_card() {
    let accounting = accounting().await;
    // Before the authorisation (the compensation overtook a late command).
    accounting.void_authorization(void(8)).await.unwrap();
    let late = accounting.authorize_card(card(8, 2_500)).await;
    assert!(
        matches!(late, Err(AuthorizeCardError::PaymentDeclined(_))),
        "{late:?}"
    );
    assert!(accounting.authorizations_of(8).await.unwrap().is_empty());
    // After it, twice.
    accounting.authorize_card(card(9, 2_500)).await.unwrap();
    accounting.void_authorization(void(9)).await.unwrap();
    accounting.void_authorization(void(9)).await.unwrap();
    let authorizations = accounting.authorizations_of(9).await.unwrap();
    assert_eq!(authorizations.len(), 1);
    assert_eq!(authorizations[0].state, AuthorizationState::Voided);
    // Over the limit: declined, nothing kept.
    let declined = accounting.authorize_card(card(10, 6_250)).await;
    assert!(matches!(
        declined,
        Err(AuthorizeCardError::PaymentDeclined(_))
    ));
    assert!(accounting.authorizations_of(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn authorisations_survive_a_restart_on_the_same_db() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounting.db").display().to_string();
    let open = || async {
        let store = ftgo_api::store::open(Some(&db), TABLES).await.unwrap();
        Accounting::new(store, None, Journal::silent())
    };
    let accounting = open().await;
    accounting.authorize_card(card(1, 100)).await.unwrap();
    accounting.void_authorization(void(2)).await.unwrap();
    drop(accounting);
    let accounting = open().await;
    assert_eq!(accounting.authorizations_of(1).await.unwrap().len(), 1);
    accounting.authorize_card(card(1, 100)).await.unwrap();
    assert_eq!(accounting.authorizations_of(1).await.unwrap().len(), 1);
    assert!(accounting.authorize_card(card(2, 100)).await.is_err());
}
