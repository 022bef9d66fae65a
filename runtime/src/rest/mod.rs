//! The REST transport (feature `rest`): [`server`] glue for axum skeletons, [`client`] glue for
//! reqwest proxies, and what both share: the [`Route`] of an operation, header names, the
//! HTTP form of the neutral status ([`Problem`], [`http_status`]) and the text form of path,
//! query and header values ([`ParamValue`]). The call core (`crate::call`) does the rest.

pub mod client;
pub mod hal;
mod observe;
mod problem;
mod route;
pub mod server;
mod sse;
mod status;

pub use crate::param::ParamValue;
pub use problem::{PROBLEM_JSON, Problem};
pub use route::Route;
pub(crate) use status::{encoding_problem, error_problem};
pub use status::{http_status, problem_of, status_of_code, status_of_problem};

/// The propagation header names (`Accord-Error`, `Accord-Deadline-Ms`, `X-Correlation-Id`,
/// `traceparent`): the call core's, shared with gRPC.
pub use crate::call::headers::{ACCORD_DEADLINE_MS, ACCORD_ERROR, CORRELATION_ID, TRACEPARENT};
