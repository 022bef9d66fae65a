// No warnings in the expansion with these options (items a binary leaves unused aside).
#![deny(warnings)]
#![allow(dead_code)]

// A folder is every `.accord` file below it, and options reach the generator: only the servers,
// an extra derive, and the defaults of `@default` fields.
#[accord::api(
    "api/library",
    client = false,
    derives = ["Eq", "Hash"],
)]
mod api {}

use api::library::loans::{Loan, LoanRequest, Loans, loans::rest};
use api::library::members::{Member, MemberId, Members};

struct Desk;

impl Loans for Desk {
    async fn open(&self, request: accord::Request<LoanRequest>) -> Result<Loan, accord::CallError> {
        Ok(Loan { loan_id: 1, book_id: request.input.book_id })
    }
}

impl Members for Desk {
    async fn get(&self, request: accord::Request<MemberId>) -> Result<Member, accord::CallError> {
        Ok(Member { member_id: request.input.member_id, name: "Ada".into() })
    }
}

fn main() {
    fn hashable<T: Eq + std::hash::Hash>(_: &T) {}
    let request = LoanRequest::new(7, 8);
    assert_eq!(request.days, 21);
    hashable(&request);
    let _router = rest::router(Desk, Default::default());
}
