//! A generator of large, valid Accord APIs, for benchmarks and stress tests.
//!
//! [`large_api`] writes `packages` files, each a package with `services_per_package` services of
//! `ops_per_service` operations, every operation with its own request and reply structs, plus
//! enums, unions, errors, events and channels in the proportions of a real API. The defaults of
//! [`SynthConfig::benchmark`] give 200 services, 2,000 operations and about 60,000 lines.
//! [`hypermedia_api`] writes one `@hypermedia` service of a given number of operations, all on
//! one resource.

use std::fmt::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug)]
pub struct SynthConfig {
    pub packages: usize,
    pub services_per_package: usize,
    pub ops_per_service: usize,
}

impl SynthConfig {
    /// 20 packages × 10 services × 10 operations: the issue's 60,000-line benchmark API.
    pub fn benchmark() -> SynthConfig {
        SynthConfig {
            packages: 20,
            services_per_package: 10,
            ops_per_service: 10,
        }
    }
}

/// The files of the API, as `(path, text)`; `api/p00.accord` imports nothing, every later
/// package imports the one before it and uses its `Money` type.
pub fn large_api(config: SynthConfig) -> Vec<(PathBuf, String)> {
    (0..config.packages)
        .map(|p| {
            (
                PathBuf::from(format!("api/p{p:02}.accord")),
                package(p, config),
            )
        })
        .collect()
}

fn package(p: usize, config: SynthConfig) -> String {
    let mut out = String::with_capacity(200_000);
    let _ = writeln!(
        out,
        "// Generated benchmark package {p}.\npackage bench.p{p:02};\nversion 1.{p}.0;\n"
    );
    if p > 0 {
        let _ = writeln!(out, "import \"p{:02}.accord\";\n", p - 1);
    }
    shared_types(&mut out, p);
    for s in 0..config.services_per_package {
        service(&mut out, p, s, config.ops_per_service);
    }
    out
}

fn shared_types(out: &mut String, p: usize) {
    let _ = write!(
        out,
        r#"/// An amount of money in minor units.
struct Money{p} {{
    amount: i64 = 1;
    @pattern("^[A-Z]{{3}}$")
    currency: string = 2;
}}

enum Status{p} {{
    ACTIVE = 1;
    SUSPENDED = 2;
    CLOSED = 3;
}}

"#
    );
}

fn service(out: &mut String, p: usize, s: usize, ops: usize) {
    // Type names carry the package too: a short name declared in two visible packages is
    // ambiguous (docs/language.md, name resolution), and every package sees the ones before it.
    let t = format!("P{p}S{s}");
    let money = if p == 0 {
        format!("Money{p}")
    } else {
        format!("bench.p{:02}.Money{}", p - 1, p - 1)
    };
    let _ = write!(
        out,
        r#"@status(404)
error NotFound{t} {{
    id: i64 = 1;
    detail?: string = 2;
}}

/// Something happened in service {s}.
event Changed{t} {{
    id: i64 = 1;
    status: Status{p} = 2;
    at: timestamp = 3;
}}

union Choice{t} {{
    text: string = 1;
    number: i64 = 2;
}}

channel events_p{p}_s{s} {{
    kind publish_subscribe;
    address "bench.p{p:02}.s{s}.events";
    messages Changed{t};
    key id;
}}

"#
    );
    for o in 0..ops {
        op_types(out, p, &t, o, &money);
    }
    let _ = writeln!(
        out,
        "/// Service {s} of package {p}.\nservice Service{s} {{"
    );
    for o in 0..ops {
        let _ = write!(
            out,
            r#"    /// Operation {o}.
    @http(POST, "/s{s}/items/{{id}}/op{o}")
    @timeout(2s)
    op op_{o}(Request{t}x{o}) -> Reply{t}x{o} throws NotFound{t};

"#
        );
    }
    let _ = writeln!(out, "    publishes events_p{p}_s{s};\n}}\n");
}

fn op_types(out: &mut String, p: usize, t: &str, o: usize, money: &str) {
    let _ = write!(
        out,
        r#"/// Input of operation {o} of service {t}.
struct Request{t}x{o} {{
    id: i64 = 1;
    @length(min = 1, max = 64)
    name: string = 2;
    @range(min = 0, max = 1000)
    quantity: i32 = 3;
    price: {money} = 4;
    tags: list<string> = 5;
    labels: map<string, string> = 6;
    note?: string = 7;
    status?: Status{p} = 8;
    choice?: Choice{t} = 9;
    reserved 10 to 12;
}}

struct Reply{t}x{o} {{
    id: i64 = 1;
    status: Status{p} = 2;
    created_at: timestamp = 3;
    total: {money} = 4;
    items: list<Request{t}x{o}> = 5;
    ratio?: f64 = 6;
}}

"#
    );
}

/// One `@hypermedia` service of `ops` operations on one resource, the shape that makes every
/// response link to every operation: `Order` is created, read and changed by `ops - 2`
/// actions (`POST /orders/{id}/action_N`), each answering with the order, plus a `@link`
/// relation to a second service's customer. One file, `api/shop.accord`.
pub fn hypermedia_api(ops: usize) -> (PathBuf, String) {
    let mut out = String::with_capacity(120 * ops + 1_000);
    out.push_str(
        r#"// Generated hypermedia benchmark API.
package bench.shop;
version 1.0.0;

struct OrderId { id: i64 = 1; }
struct CustomerId { customer_id: i64 = 1; }
struct Customer { customer_id: i64 = 1; name: string = 2; }
struct NewOrder { customer_id: i64 = 1; note?: string = 2; }
struct Order {
    id: i64 = 1;
    @link(customer, Customers.get)
    customer_id: i64 = 2;
    note?: string = 3;
}

service Customers {
    @http(GET, "/customers/{customer_id}")
    op get(CustomerId) -> Customer;
}

@hypermedia
service Orders {
    @http(POST, "/orders", status = 201)
    op create(NewOrder) -> Order;
    @http(GET, "/orders/{id}")
    op get(OrderId) -> Order;
"#,
    );
    for n in 0..ops.saturating_sub(2) {
        let _ = write!(
            out,
            "    @http(POST, \"/orders/{{id}}/action_{n}\")\n    op action_{n}(OrderId) -> Order;\n"
        );
    }
    out.push_str("}\n");
    (PathBuf::from("api/shop.accord"), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmark_api_has_the_promised_size() {
        let files = large_api(SynthConfig::benchmark());
        let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
        let ops: usize = files
            .iter()
            .map(|(_, t)| t.matches("\n    op ").count())
            .sum();
        let services: usize = files
            .iter()
            .map(|(_, t)| t.matches("\nservice ").count())
            .sum();
        assert_eq!((services, ops), (200, 2000));
        assert!((55_000..70_000).contains(&lines), "{lines} lines");
    }

    #[test]
    fn hypermedia_api_has_the_asked_operations() {
        let (_, text) = hypermedia_api(100);
        assert_eq!(text.matches("\n    op ").count(), 100 + 1);
    }
}
