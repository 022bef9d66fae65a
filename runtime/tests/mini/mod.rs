//! A mini order service written by hand exactly the way `accord-codegen` will generate it from:
//!
//! ```accord
//! package shop.orders;
//! version 1.0.0;
//!
//! struct LineItem { menu_item_id: string = 1; @range(min = 1, max = 100) quantity: i32 = 2; }
//! struct CreateOrderRequest {
//!     restaurant_id: i64 = 1; consumer_id: i64 = 2;
//!     @length(min = 1, max = 20) line_items: list<LineItem> = 3;
//!     @length(max = 200) delivery_note?: string = 4;
//!     @pattern("^[A-Z]{3}$") currency: string = 5;
//! }
//! struct CreateOrderReply { order_id: i64 = 1; }
//! struct GetOrderRequest { order_id: i64 = 1; }
//! struct ListOrdersRequest { state: list<OrderState> = 1; @range(min = 1, max = 50) limit?: u32 = 2; }
//! struct OrderList { orders: list<Order> = 1; }
//! struct CancelOrderRequest { order_id: i64 = 1; reason?: string = 2; @header("X-Actor") actor?: string = 3; }
//! enum OrderState { APPROVAL_PENDING = 1; APPROVED = 2; CANCELLED = 3; }
//! struct Order {
//!     order_id: i64 = 1; state: OrderState = 2; line_items: list<LineItem> = 3;
//!     labels: map<string, string> = 4;
//! }
//! @status(404) error RestaurantNotFound { restaurant_id: i64 = 1; }
//! @status(404) error OrderNotFound { order_id: i64 = 1; }
//!
//! service OrderService {
//!     @http(POST, "/orders") op create_order(CreateOrderRequest) -> CreateOrderReply throws RestaurantNotFound;
//!     @http(GET, "/orders/{order_id}") op get_order(GetOrderRequest) -> Order throws OrderNotFound;
//!     @http(GET, "/orders") op list_orders(ListOrdersRequest) -> OrderList;
//!     @http(POST, "/orders/{order_id}/cancel") @timeout(2s)
//!     op cancel_order(CancelOrderRequest) -> Order throws OrderNotFound;
//!     @http(DELETE, "/orders/{order_id}") op delete_order(GetOrderRequest) -> () throws OrderNotFound;
//!     @http(POST, "/orders/{order_id}/viewed") notify order_viewed(GetOrderRequest);
//!     @http(GET, "/orders/{order_id}/watch") op watch_order(GetOrderRequest) -> stream Order throws OrderNotFound;
//! }
//! ```
//!
//! Everything it names comes from `::accord` and `::accord::__private`.
#![allow(dead_code)]

use ::accord::__private::axum::response::Response;
use ::accord::__private::axum::routing::{get, post};
use ::accord::__private::http::{Method, StatusCode};
use ::accord::__private::rest::client::{Parts, RestClient};
use ::accord::__private::rest::server::{Call, ServerConfig, endpoint};
use ::accord::__private::rest::{Operation, ParamValue};
use ::accord::__private::serde::{Deserialize, Deserializer, Serialize, Serializer};
use ::accord::__private::{
    BoxStream, CallError, ErrorEncoding, FieldPath, JsonValue, Pattern, Request, ServiceError,
    Shape, Validate, Violations, axum, decode_declared, shape,
};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

// ---- types ----

/// A menu item and how many of it were ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct LineItem {
    pub menu_item_id: String,
    pub quantity: i32,
}

impl Validate for LineItem {
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        violations.range(&path.field("quantity"), self.quantity, Some(1), Some(100));
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct CreateOrderRequest {
    pub restaurant_id: i64,
    pub consumer_id: i64,
    pub line_items: Vec<LineItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_note: Option<String>,
    pub currency: String,
}

impl Shape for LineItem {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = shape::object(value, path, violations) else {
            return;
        };
        shape::field::<String>(object, "menu_item_id", true, path, violations);
        shape::field::<i32>(object, "quantity", true, path, violations);
    }
}

impl Shape for CreateOrderRequest {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = shape::object(value, path, violations) else {
            return;
        };
        shape::field::<i64>(object, "restaurant_id", true, path, violations);
        shape::field::<i64>(object, "consumer_id", true, path, violations);
        shape::field::<Vec<LineItem>>(object, "line_items", true, path, violations);
        shape::field::<Option<String>>(object, "delivery_note", false, path, violations);
        shape::field::<String>(object, "currency", true, path, violations);
    }
}

static CREATE_ORDER_REQUEST_CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");

impl Validate for CreateOrderRequest {
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        let line_items = path.field("line_items");
        violations.length(&line_items, &self.line_items, Some(1), Some(20));
        self.line_items.validate_into(&line_items, violations);
        if let Some(delivery_note) = &self.delivery_note {
            violations.length(&path.field("delivery_note"), delivery_note, None, Some(200));
        }
        let currency = path.field("currency");
        violations.pattern(&currency, &self.currency, &CREATE_ORDER_REQUEST_CURRENCY);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct CreateOrderReply {
    pub order_id: i64,
}

impl Validate for CreateOrderReply {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct GetOrderRequest {
    pub order_id: i64,
}

impl Validate for GetOrderRequest {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

impl Shape for GetOrderRequest {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = shape::object(value, path, violations) else {
            return;
        };
        shape::field::<i64>(object, "order_id", true, path, violations);
    }
}

impl Shape for ListOrdersRequest {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = shape::object(value, path, violations) else {
            return;
        };
        shape::field::<Vec<OrderState>>(object, "state", true, path, violations);
        shape::field::<Option<u32>>(object, "limit", false, path, violations);
    }
}

impl Shape for CancelOrderRequest {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = shape::object(value, path, violations) else {
            return;
        };
        shape::field::<i64>(object, "order_id", true, path, violations);
        shape::field::<Option<String>>(object, "reason", false, path, violations);
        shape::field::<Option<String>>(object, "actor", false, path, violations);
    }
}

impl Shape for OrderState {
    fn check_shape(value: &JsonValue, path: &FieldPath<'_>, violations: &mut Violations) {
        shape::leaf::<Self>(value, path, violations)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct ListOrdersRequest {
    pub state: Vec<OrderState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl Validate for ListOrdersRequest {
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        if let Some(limit) = self.limit {
            violations.range(&path.field("limit"), limit, Some(1), Some(50));
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct OrderList {
    pub orders: Vec<Order>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct CancelOrderRequest {
    pub order_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Validate for CancelOrderRequest {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderState {
    ApprovalPending,
    Approved,
    Cancelled,
    /// A value this version does not know (added to the API later).
    Unknown(String),
}

impl OrderState {
    pub const KNOWN: &'static [&'static str] = &["APPROVAL_PENDING", "APPROVED", "CANCELLED"];

    pub fn as_str(&self) -> &str {
        match self {
            Self::ApprovalPending => "APPROVAL_PENDING",
            Self::Approved => "APPROVED",
            Self::Cancelled => "CANCELLED",
            Self::Unknown(name) => name,
        }
    }

    fn known(name: &str) -> Option<Self> {
        match name {
            "APPROVAL_PENDING" => Some(Self::ApprovalPending),
            "APPROVED" => Some(Self::Approved),
            "CANCELLED" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

impl Serialize for OrderState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::known(&name).unwrap_or(Self::Unknown(name)))
    }
}

impl ParamValue for OrderState {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Self::known(raw).ok_or_else(|| ::accord::__private::unknown_enum_value(raw, Self::KNOWN))
    }

    fn to_param(&self) -> String {
        self.as_str().to_owned()
    }
}

impl Validate for OrderState {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

/// An order, as its consumer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct Order {
    pub order_id: i64,
    pub state: OrderState,
    pub line_items: Vec<LineItem>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct RestaurantNotFound {
    pub restaurant_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "::accord::__private::serde")]
pub struct OrderNotFound {
    pub order_id: i64,
}

// ---- service error ----

/// Every error an `OrderService` operation may end with.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderServiceError {
    RestaurantNotFound(RestaurantNotFound),
    OrderNotFound(OrderNotFound),
    /// A transport or internal failure.
    Call(CallError),
}

impl std::fmt::Display for OrderServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RestaurantNotFound(e) => write!(f, "shop.orders.RestaurantNotFound: {e:?}"),
            Self::OrderNotFound(e) => write!(f, "shop.orders.OrderNotFound: {e:?}"),
            Self::Call(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OrderServiceError {}

impl From<CallError> for OrderServiceError {
    fn from(error: CallError) -> Self {
        Self::Call(error)
    }
}

impl ServiceError for OrderServiceError {
    fn encode(self) -> ErrorEncoding {
        match self {
            Self::RestaurantNotFound(e) => {
                ErrorEncoding::declared(404, "shop.orders.RestaurantNotFound", &e)
            }
            Self::OrderNotFound(e) => ErrorEncoding::declared(404, "shop.orders.OrderNotFound", &e),
            Self::Call(e) => ErrorEncoding::Call(e),
        }
    }

    fn decode(name: &str, body: &[u8]) -> Option<Result<Self, CallError>> {
        match name {
            "shop.orders.RestaurantNotFound" => {
                Some(decode_declared(body).map(Self::RestaurantNotFound))
            }
            "shop.orders.OrderNotFound" => Some(decode_declared(body).map(Self::OrderNotFound)),
            _ => None,
        }
    }
}

// ---- service trait ----

pub trait OrderService: Send + Sync + 'static {
    /// Places an order.
    fn create_order(
        &self,
        request: Request<CreateOrderRequest>,
    ) -> impl Future<Output = Result<CreateOrderReply, OrderServiceError>> + Send;

    fn get_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<Order, OrderServiceError>> + Send;

    fn list_orders(
        &self,
        request: Request<ListOrdersRequest>,
    ) -> impl Future<Output = Result<OrderList, OrderServiceError>> + Send;

    fn cancel_order(
        &self,
        request: Request<CancelOrderRequest>,
    ) -> impl Future<Output = Result<Order, OrderServiceError>> + Send;

    fn delete_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), OrderServiceError>> + Send;

    fn order_viewed(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), OrderServiceError>> + Send;

    fn watch_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, OrderServiceError>>;
}

// ---- REST operations ----

const SERVICE: &str = "shop.orders.OrderService";

macro_rules! operation {
    ($name:ident, $op:literal, $method:ident, $path:literal, $timeout:expr, $idempotent:literal) => {
        pub static $name: Operation = Operation {
            service: SERVICE,
            name: $op,
            method: Method::$method,
            path: $path,
            timeout: $timeout,
            idempotent: $idempotent,
        };
    };
}

operation!(CREATE_ORDER, "create_order", POST, "/orders", None, false);
operation!(
    GET_ORDER,
    "get_order",
    GET,
    "/orders/{order_id}",
    None,
    true
);
operation!(LIST_ORDERS, "list_orders", GET, "/orders", None, true);
operation!(
    CANCEL_ORDER,
    "cancel_order",
    POST,
    "/orders/{order_id}/cancel",
    Some(std::time::Duration::from_secs(2)),
    false
);
operation!(
    DELETE_ORDER,
    "delete_order",
    DELETE,
    "/orders/{order_id}",
    None,
    true
);
operation!(
    ORDER_VIEWED,
    "order_viewed",
    POST,
    "/orders/{order_id}/viewed",
    None,
    false
);
operation!(
    WATCH_ORDER,
    "watch_order",
    GET,
    "/orders/{order_id}/watch",
    None,
    true
);

// ---- REST skeleton ----

/// Serves `service` over REST.
pub fn order_service_router<S: OrderService>(service: S, config: ServerConfig) -> axum::Router {
    let router = axum::Router::new()
        .route(
            "/orders",
            post(endpoint(create_order::<S>)).get(endpoint(list_orders::<S>)),
        )
        .route(
            "/orders/{order_id}",
            get(endpoint(get_order::<S>)).delete(endpoint(delete_order::<S>)),
        )
        .route(
            "/orders/{order_id}/cancel",
            post(endpoint(cancel_order::<S>)),
        )
        .route(
            "/orders/{order_id}/viewed",
            post(endpoint(order_viewed::<S>)),
        )
        .route("/orders/{order_id}/watch", get(endpoint(watch_order::<S>)));
    ::accord::__private::rest::server::finish_router(router, service, config)
}

fn create_order<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    call.unary(
        &CREATE_ORDER,
        |p| p.body(),
        move |r| async move { service.create_order(r).await },
    )
}

fn get_order<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| p.path::<i64>("order_id");
    call.unary(&GET_ORDER, bind, move |r| async move {
        service.get_order(r).await
    })
}

fn list_orders<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| {
        p.query_list::<OrderState>("state", "state");
        p.query::<u32>("limit", "limit");
    };
    call.unary(&LIST_ORDERS, bind, move |r| async move {
        service.list_orders(r).await
    })
}

fn cancel_order<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| {
        p.path::<i64>("order_id");
        p.header::<String>("actor", "X-Actor");
        p.body();
    };
    call.unary(&CANCEL_ORDER, bind, move |r| async move {
        service.cancel_order(r).await
    })
}

fn delete_order<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| p.path::<i64>("order_id");
    call.empty(
        &DELETE_ORDER,
        StatusCode::NO_CONTENT,
        bind,
        move |r| async move { service.delete_order(r).await },
    )
}

fn order_viewed<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| p.path::<i64>("order_id");
    call.empty(
        &ORDER_VIEWED,
        StatusCode::ACCEPTED,
        bind,
        move |r| async move { service.order_viewed(r).await },
    )
}

fn watch_order<S: OrderService>(
    service: Arc<S>,
    call: Call,
) -> impl Future<Output = Response> + Send {
    let bind = |p: &mut ::accord::__private::rest::server::Params<'_>| p.path::<i64>("order_id");
    call.stream(&WATCH_ORDER, bind, move |r| service.watch_order(r))
}

// ---- REST proxy ----

/// Calls an `OrderService` over REST.
#[derive(Debug, Clone)]
pub struct OrderServiceRestProxy {
    client: RestClient,
}

impl OrderServiceRestProxy {
    pub fn new(client: RestClient) -> Self {
        Self { client }
    }
}

impl OrderService for OrderServiceRestProxy {
    fn create_order(
        &self,
        request: Request<CreateOrderRequest>,
    ) -> impl Future<Output = Result<CreateOrderReply, OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new().json(&input, &[]);
        self.client.call(&CREATE_ORDER, context, parts)
    }

    fn get_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<Order, OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new().path("order_id", &input.order_id);
        self.client.call(&GET_ORDER, context, parts)
    }

    fn list_orders(
        &self,
        request: Request<ListOrdersRequest>,
    ) -> impl Future<Output = Result<OrderList, OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new()
            .query_list("state", &input.state)
            .query("limit", input.limit.as_ref());
        self.client.call(&LIST_ORDERS, context, parts)
    }

    fn cancel_order(
        &self,
        request: Request<CancelOrderRequest>,
    ) -> impl Future<Output = Result<Order, OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new()
            .path("order_id", &input.order_id)
            .header("X-Actor", input.actor.as_ref())
            .json(&input, &["order_id", "actor"]);
        self.client.call(&CANCEL_ORDER, context, parts)
    }

    fn delete_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new().path("order_id", &input.order_id);
        self.client.call_empty(&DELETE_ORDER, context, parts)
    }

    fn order_viewed(
        &self,
        request: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), OrderServiceError>> + Send {
        let (context, input) = request.into_parts();
        let parts = Parts::new().path("order_id", &input.order_id);
        self.client.call_empty(&ORDER_VIEWED, context, parts)
    }

    fn watch_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, OrderServiceError>> {
        let (context, input) = request.into_parts();
        let parts = Parts::new().path("order_id", &input.order_id);
        self.client.call_stream(&WATCH_ORDER, context, parts)
    }
}
