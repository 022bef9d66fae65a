//! An operation's REST binding.

use super::hal;
use crate::call::OperationInfo;

/// An operation's REST binding; generated as a `static` beside its [`OperationInfo`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Route {
    /// The operation.
    pub op: &'static OperationInfo,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template with `{field}` placeholders (`/orders/{order_id}`).
    pub path: &'static str,
    /// The status of a successful call (`@http(..., status = N)`, else 200, 204 or 202).
    pub success: u16,
    /// The output's links and relations, in a `@hypermedia` service.
    pub resource: Option<&'static hal::Resource>,
}

impl Route {
    /// [`Route::success`] as a status code.
    pub fn status(&self) -> http::StatusCode {
        http::StatusCode::from_u16(self.success).unwrap_or(http::StatusCode::OK)
    }
}
