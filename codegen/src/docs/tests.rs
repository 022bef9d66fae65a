//! The docs emitter on small fixtures compiled by the front end.

use super::{emit, html};
use accord_idl::compile_str;

fn page(source: &str, name: &str) -> String {
    let compilation = compile_str(source);
    assert!(
        !compilation.has_errors(),
        "{}",
        accord_idl::render::human(&compilation.sources, &compilation.diagnostics)
    );
    let files = emit(&compilation.model);
    let file = files.iter().find(|f| f.path.to_str() == Some(name));
    file.unwrap_or_else(|| panic!("no {name}")).contents.clone()
}

const SHOP: &str = r#"package shop;
version 1.4.0;

/// An **item**. <script>alert(1)</script> [bad](javascript:alert(1)) [good](https://example.com)
struct Item {
    @range(min = 1, max = 9)
    count: i32 = 1;
    @default("x")
    note?: string = 2;
    @deprecated("gone")
    old?: string = 3;
}

@status(404)
error Missing { id: i64 = 1; }

service Shop {
    @http(GET, "/items/{count}")
    op get(Item) -> Item throws Missing;
}
"#;

#[test]
fn pages_and_an_index_per_package() {
    let compilation = compile_str(SHOP);
    let names: Vec<String> = emit(&compilation.model)
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(names, ["shop.html", "shop.md", "index.html", "index.md"]);
}

#[test]
fn html_escapes_raw_html_and_unsafe_links_in_docs() {
    let out = page(SHOP, "shop.html");
    assert!(!out.contains("<script>"), "{out}");
    assert!(out.contains("&lt;script&gt;"), "{out}");
    assert!(!out.contains("javascript:"), "{out}");
    assert!(
        out.contains("<a href=\"https://example.com\">good</a>"),
        "{out}"
    );
    assert!(out.contains("<strong>item</strong>"), "{out}");
}

#[test]
fn html_is_self_contained() {
    let out = page(SHOP, "shop.html");
    for needle in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!out.contains(needle), "{needle} in {out}");
    }
}

#[test]
fn bindings_errors_and_constraints_are_shown() {
    let out = page(SHOP, "shop.html");
    assert!(out.contains("<code>GET /items/{count}</code>"), "{out}");
    assert!(out.contains("<code>/shop.v1.Shop/Get</code>"), "{out}");
    assert!(out.contains("(404, NOT_FOUND)"), "{out}");
    assert!(out.contains("1 ≤ value ≤ 9"), "{out}");
    assert!(out.contains("default <code>&quot;x&quot;</code>"), "{out}");
    assert!(out.contains("<tr class=\"deprecated\">"), "{out}");
    assert!(out.contains("id=\"error-Missing\""), "{out}");
    assert!(out.contains("href=\"#error-Missing\""), "{out}");
}

#[test]
fn the_declared_status_and_the_streaming_shape_are_shown() {
    let source = r#"package loans;
version 1.0.0;

struct Loan { id: i64 = 1; }

service Loans {
    @http(POST, "/loans", status = 201)
    op create(Loan) -> Loan;
    @http(GET, "/loans/{id}/changes")
    op watch(Loan) -> stream Loan;
    op upload(stream Loan) -> Loan;
    op sync(stream Loan) -> stream Loan;
    @http(DELETE, "/loans/{id}")
    op remove(Loan) -> ();
}
"#;
    let out = page(source, "loans.md");
    assert!(out.contains("`POST /loans` → 201, JSON body"), "{out}");
    assert!(
        out.contains("`GET /loans/{id}/changes` → 200, text/event-stream"),
        "{out}"
    );
    assert!(out.contains("`DELETE /loans/{id}` → 204, no body"), "{out}");
    for shape in [
        "server stream: one request, a stream of replies",
        "client stream: a stream of requests, one reply",
        "bidirectional stream",
    ] {
        assert!(out.contains(shape), "{shape}: {out}");
    }
    // `create` and `remove`; the three streams say which side streams.
    assert_eq!(out.matches("request/response").count(), 2, "{out}");
}

#[test]
fn markdown_has_anchors_tables_and_escapes() {
    let out = page(SHOP, "shop.md");
    assert!(out.contains("<a id=\"struct-Item\"></a>"), "{out}");
    assert!(
        out.contains("| # | Field | Type | Presence | Constraints | Description |"),
        "{out}"
    );
    assert!(out.contains("- **HTTP**: `GET /items/{count}`"), "{out}");
    assert!(
        out.contains("[`Missing`](#error-Missing) (404, NOT\\_FOUND)"),
        "{out}"
    );
    // Neighbouring code parts merge: "`)`` -> `" would read as one double-backtick span.
    let signature = "- **Signature**: `get(`[`Item`](#struct-Item)`) -> `[`Item`](#struct-Item)\n";
    assert!(out.contains(signature), "{out}");
}

#[test]
fn escaping_covers_attribute_quotes() {
    assert_eq!(
        html::esc("<a href=\"x\">'&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

/// Text from the sources cannot leave a Markdown code span, add raw HTML or leave a fence
/// open: a line break in a string literal, backtick runs, HTML in docs, an unclosed fence.
#[test]
fn markdown_survives_any_text() {
    let source = r#"package shop;
version 1.0.0;

/// Docs with <script>alert(1)</script> and <img src=x onerror=alert(1)>
///
/// ```
/// never closed
struct Item {
    @default("a\n\n<script>alert(2)</script>``x`")
    note?: string = 1;
    @deprecated("b\n\n<b>bold</b>\u{202E}")
    old?: string = 2;
}

service Shop {
    @http(GET, "/items")
    op get(Item) -> Item;
}
"#;
    let out = page(source, "shop.md");
    let events: Vec<_> = pulldown_cmark::Parser::new(&out).collect();
    let html: Vec<_> = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
            )
        })
        .filter(|e| {
            !format!("{e:?}").contains("<a id=")
                && !format!("{e:?}").contains("</a>")
                && !format!("{e:?}").contains("<!-- @generated")
        })
        .collect();
    assert!(html.is_empty(), "raw HTML: {html:?}\n{out}");
    assert!(
        out.contains(r#"```"a\n\n<script>alert(2)</script>``x`"```"#),
        "{out}"
    );
    assert!(out.contains(r"b\\n\\n\<b\>bold\</b\>\\u{202e}"), "{out}");
    assert!(!out.contains('\u{202e}'), "{out}");
    // The fence the docs left open is closed before the next section.
    let code_blocks = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::CodeBlock(_))
            )
        })
        .count();
    assert_eq!(code_blocks, 1, "{out}");
    let after = &out[out.find("never closed").unwrap()..];
    assert!(after.contains("\n```\n"), "{out}");
}

#[test]
fn a_service_page_links_the_services_it_uses() {
    let fixture = r#"//- /pay.accord
package pay;
version 1.0.0;
import "shop.accord";

channel payments {
    kind point_to_point;
    address "pay.commands";
    messages shop.Order;
}

service Payments {
    @channel(payments)
    notify pay(shop.Order);
}
//- /shop.accord
package shop;
version 1.0.0;

struct Order { id: i64 = 1; }

service Billing {
    op bill(Order) -> ();
}

service Orders {
    op get(Order) -> Order;
    uses Billing, pay.Payments;
}
"#;
    let out = page(fixture, "shop.md");
    let uses =
        "- **Uses**: [`Billing`](#service-Billing), [`pay.Payments`](pay.md#service-Payments)\n";
    assert!(out.contains(uses), "{out}");
    let out = page(fixture, "shop.html");
    assert!(out.contains("href=\"pay.html#service-Payments\""), "{out}");
    // Only the service that says `uses` shows it.
    assert_eq!(out.matches("Uses").count(), 1, "{out}");
    // The channel it sends to through `uses` names it as a sender.
    let out = page(fixture, "pay.md");
    let senders = "- **Sent to by (uses)**: [`shop.Orders`](shop.md#service-Orders)\n";
    assert!(out.contains(senders), "{out}");
}
