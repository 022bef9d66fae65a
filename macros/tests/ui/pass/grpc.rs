// No warnings in the expansion with these options (items a binary leaves unused aside).
#![deny(warnings)]
#![allow(dead_code)]

// Several files, and gRPC when asked: the tonic skeleton and the descriptors reflection serves.
#[accord::api(
    "api/shop.accord",
    "api/library/members/members.accord",
    transports = [rest, grpc],
)]
mod api {}

use api::library::members::{Member, MemberId, Members, members::grpc};

struct Registry;

impl Members for Registry {
    async fn get(&self, request: accord::Request<MemberId>) -> Result<Member, accord::CallError> {
        Ok(Member { member_id: request.input.member_id, name: "Ada".into() })
    }
}

fn main() {
    let _server = grpc::Server::new(Registry, Default::default());
    let _shop = api::shop::orders::shop::grpc::SERVICE_NAME;
    assert!(api::FILE_DESCRIPTOR_SET.len() > 100);
}
