//! W3C trace context written and read by hand, as the hand-written pairs do when they take on
//! the generated pairs' duties (`bench/instructions.sh --ratios`, the throughput benches'
//! "hand-written with duties" pairings).

// Each bench uses part: the gRPC one has no axum middleware, for instance.
#![allow(dead_code)]

/// A fresh `traceparent`: a random trace id and span id, sampled.
pub fn fresh() -> String {
    let (trace, span) = (fastrand::u128(1..), fastrand::u64(1..));
    format!("00-{trace:032x}-{span:016x}-01")
}

/// The trace and parent span ids of a `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn parse(header: &[u8]) -> Option<(u128, u64)> {
    let text = std::str::from_utf8(header).ok()?;
    let mut parts = text.split('-');
    let (_version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    let trace = u128::from_str_radix(trace, 16).ok()?;
    let span = u64::from_str_radix(span, 16).ok()?;
    Some((trace, span))
}

/// The hand-written REST server's trace context, as an axum middleware (the idiomatic place for
/// a concern every route shares): the caller's `traceparent`, read and parsed. A middleware boxes
/// each request's future, so this bounds the duty's cost from above.
pub async fn read(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let caller = request.headers().get("traceparent");
    std::hint::black_box(caller.and_then(|v| parse(v.as_bytes())));
    next.run(request).await
}

/// `router` reading the caller's trace context before every route ([`read`]): the hand-written
/// server doing the generated skeleton's duty.
pub fn read_on(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn(read))
}
