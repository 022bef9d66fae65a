//! Per service, in its module: `Fake`, an implementation of the service trait for tests whose
//! operations are `accord::testing::Stub`s, one public field per operation (programmable
//! answers, recorded calls). Transport-free: a fake serves over any transport's skeleton or
//! stands in for a proxy.
//!
//! What each shape records and answers:
//! - input: the message, or a streamed input read whole (`Vec` of messages);
//! - answer: `Result<Output, Error>`, or for a streamed output the stream's items
//!   (`Vec<Result<Output, Error>>`); unprogrammed, an operation without output (`()`,
//!   `notify`) succeeds and any other fails with `FailedPrecondition`, naming it.

use super::Generator;
use super::ident::ident;
use super::signature::{self, Scope};
use super::writer::{Code, string_literal};
use accord_idl::model::*;

/// `pub struct Fake`, its `Default` and its impl of the trait, in the service module.
pub fn fake(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = Scope::package(service.package).below(1);
    let trait_name = ident(&names.trait_name);
    code.line("");
    code.lines(&format!(
        "/// A fake `{trait_name}` for tests: each operation is a stub whose answer the test sets
/// (`fake.op.returns(…)`, `fake.op.answers(|request| …)`) and which records every call
/// (`fake.op.inputs()`). Clones share the stubs: keep one, serve the other."
    ));
    code.line("#[derive(Clone)]");
    code.block("pub struct Fake", |code| {
        for i in 0..service.operations.len() {
            let (input, answer) = stub_types(g, scope, id, i);
            code.line(&format!(
                "pub {}: __accord::testing::Stub<{input}, {answer}>,",
                ident(&names.methods[i])
            ));
        }
    });
    code.line("");
    code.block("impl __accord::Default for Fake", |code| {
        code.block("fn default() -> Self", |code| {
            code.block("Fake", |code| {
                for (i, op) in service.operations.iter().enumerate() {
                    let operation = format!("{}.{}", g.model.qualified_service_name(id), op.name);
                    code.line(&format!(
                        "{}: __accord::testing::Stub::new({}),",
                        ident(&names.methods[i]),
                        string_literal(&operation)
                    ));
                }
            });
        });
    });
    code.line("");
    code.block(&format!("impl super::{trait_name} for Fake"), |code| {
        for i in 0..service.operations.len() {
            if i > 0 {
                code.line("");
            }
            method(g, code, scope, id, i);
        }
    });
}

/// The stub's input (what is recorded) and answer types of operation `index`.
fn stub_types(g: &Generator<'_>, scope: Scope, id: ServiceId, index: usize) -> (String, String) {
    let op = &g.model.service(id).operations[index];
    let input = match op.input {
        None => "()".to_owned(),
        Some(input) if op.input_stream => {
            format!("__accord::Vec<{}>", signature::decl(g, scope, input))
        }
        Some(input) => signature::decl(g, scope, input),
    };
    let output = signature::output_type(g, scope, id, index);
    let error = signature::error_type(g, scope, id, index);
    let result = format!("__accord::Result<{output}, {error}>");
    let answer = if op.output.is_stream() {
        format!("__accord::Vec<{result}>")
    } else {
        result
    };
    (input, answer)
}

/// The trait method: read a streamed input whole, ask the stub, make a streamed output.
fn method(g: &Generator<'_>, code: &mut Code, scope: Scope, id: ServiceId, index: usize) {
    let op = &g.model.service(id).operations[index];
    let field = ident(&g.names.services[id.index()].methods[index]);
    let failed = "__accord::Result::Err(__accord::From::from(e))";
    let unanswered = match (op.output.is_stream(), op.output.decl()) {
        (true, _) => format!("|e| __accord::Vec::from([{failed}])"),
        (false, None) => "|_| __accord::Result::Ok(())".to_owned(),
        (false, Some(_)) => format!("|e| {failed}"),
    };
    let streamed = op.output.is_stream();
    let signature = signature::signature(g, scope, id, index, !streamed);
    code.open_lines(&format!("{signature} {{"));
    match (op.input_stream, streamed) {
        (false, false) => code.line(&format!("self.{field}.call(request, {unanswered})")),
        (true, false) => {
            code.line("let request = __accord::testing::collect(request).await;");
            code.line(&format!("self.{field}.call(request, {unanswered})"));
        }
        (false, true) => {
            code.line(&format!(
                "let items = self.{field}.call(request, {unanswered});"
            ));
            code.line(
                "__accord::futures::StreamExt::boxed(__accord::futures::stream::iter(items))",
            );
        }
        (true, true) => {
            code.line(&format!("let stub = self.{field}.clone();"));
            code.open("let items = async move");
            code.line("let request = __accord::testing::collect(request).await;");
            code.line(&format!(
                "__accord::futures::stream::iter(stub.call(request, {unanswered}))"
            ));
            code.close(";");
            code.line("__accord::futures::StreamExt::boxed(__accord::futures::StreamExt::flatten(");
            code.line("    __accord::futures::stream::once(items),");
            code.line("))");
        }
    }
    code.close("");
}
