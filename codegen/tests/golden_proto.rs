//! Golden snapshots (insta) of the `.proto` files of the FTGO examples and the stress API, plus
//! the properties a snapshot alone would not guard: determinism, one file per package at
//! `<package path>/v<MAJOR>/<last>.proto`, and rpcs for exactly the gRPC operations. Review
//! changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test -p accord-codegen --test
//! golden_proto`).

mod common;

use accord_codegen::{OutputFile, proto};

fn snapshot_all(prefix: &str, files: &[OutputFile]) {
    for file in files {
        let name = format!("{prefix}__{}", file.path.display()).replace('/', "__");
        insta::assert_snapshot!(name, &file.contents);
    }
}

#[test]
fn proto_files_of_the_examples() {
    snapshot_all("ftgo", &proto::emit(&common::ftgo()));
}

#[test]
fn proto_files_of_the_stress_api() {
    snapshot_all("stress", &proto::emit(&common::stress()));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        proto::emit(&common::stress()),
        proto::emit(&common::stress())
    );
    assert_eq!(proto::emit(&common::ftgo()), proto::emit(&common::ftgo()));
}

#[test]
fn one_file_per_package_at_its_versioned_path() {
    let model = common::ftgo();
    let files = proto::emit(&model);
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(paths.len(), model.packages.len());
    assert!(
        paths.contains(&"ftgo/order/v1/order.proto".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"ftgo/kitchen/v0/kitchen.proto".to_string()),
        "{paths:?}"
    );
}

#[test]
fn every_grpc_operation_is_an_rpc_and_no_channel_one_is() {
    let model = common::stress();
    let text: String = proto::emit(&model)
        .into_iter()
        .map(|f| f.contents)
        .collect();
    for service in &model.services {
        for op in &service.operations {
            let rpc = format!("rpc {}(", proto::ident::rpc_name(&op.name));
            assert_eq!(text.contains(&rpc), op.is_grpc(), "{}: {rpc}", op.name);
        }
    }
}

#[test]
fn enum_values_never_collide_across_enums() {
    let text: String = proto::emit(&common::stress())
        .into_iter()
        .map(|f| f.contents)
        .collect();
    assert!(text.contains("COLOR_RED = 0;"), "{text}");
    assert!(text.contains("LIGHT_RED = 1;"), "{text}");
    assert!(text.contains("LIGHT_UNSPECIFIED = 0;"), "{text}");
}
