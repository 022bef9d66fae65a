//! REST skeleton glue: what a generated axum handler calls, so that it stays a few lines.
//!
//! ```ignore
//! fn get_order<S: OrderService>(svc: Arc<S>, call: server::Call) -> impl Future<Output = Response> {
//!     call.unary(&routes::GET_ORDER, |p| p.path::<i64>("order_id"), move |r| async move {
//!         svc.get_order(r).await
//!     })
//! }
//! // routed as `get(server::endpoint(get_order::<S>))`
//! ```
//!
//! [`Call`] is the REST framing of the call core's inbound pipeline (`crate::call::inbound`):
//! it reads the propagation headers (`Accord-Deadline-Ms`, `X-Correlation-Id`, `traceparent`,
//! the metadata its [`ServerConfig`] allows) for the core to make the [`Context`](crate::Context), decodes
//! path, query, headers and body into the input (every violation it can find, 400/413/415
//! problems), runs `Validate`, lets the core run the handler under the deadline inside the
//! call's span, and maps the `Result` to a response.
//!
//! One concept per file: [`ServerConfig`] (`config`), the router's state, [`endpoint`] and
//! fallbacks (`router`), [`serve`] (`listen`), the [`Call`] (`call`) with its head's
//! propagation headers (`propagation`), bound fields ([`Params`], `params`), body (`body`) and
//! input (`decode`), and responses (`response`, server-sent events in `events`).

mod body;
mod call;
mod config;
mod decode;
mod events;
mod listen;
mod params;
mod propagation;
mod response;
mod router;

pub use crate::connections::Connections;
pub use crate::connections::accept::serve_with;
pub use call::Call;
pub use config::ServerConfig;
pub use decode::NoInput;
pub use listen::serve;
pub use params::Params;
pub use response::{error_response, problem_response};
pub use router::{Endpoint, Served, endpoint, finish_router};
