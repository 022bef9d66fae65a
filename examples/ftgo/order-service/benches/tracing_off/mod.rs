//! Tracing switched off for the whole process, as explicitly as a service that installs a
//! subscriber switches it on.
//!
//! This crate links the store, and sqlx turns on `tracing`'s `log` feature for everyone (cargo
//! unifies features). With that feature, and no global dispatcher set, every span also asks the
//! `log` facade whether to mirror its creation, entering and leaving: h2 opens several spans per
//! frame, so a gRPC unary call pays about 40,000 more instructions (callgrind: 162 k against
//! 202 k per call) in `Span::log` and friends, whichever side wrote the code. A service that
//! installs any subscriber never takes that path. The benches measure our code with tracing off,
//! as they did before the store was linked, and say so here rather than by accident.

/// Sets the no-op dispatcher as the global default, so `tracing` neither collects nor mirrors
/// spans into `log`. Call it first in `main`.
pub fn install() {
    // Only fails when a default was already set, which then decides instead.
    let _ = tracing::dispatcher::set_global_default(tracing::Dispatch::none());
}
