//! The in-memory implementation of `OrderService`: restaurants with their menus, orders, and a
//! watch channel per order so `watch_order` streams state changes. With a saga
//! ([`InMemoryOrders::with_saga`]), a new order publishes `OrderCreated` and stays
//! APPROVAL_PENDING until the Create Order saga approves or rejects it. With a store
//! ([`InMemoryOrders::with_db`]), every order and its saga's progress are written there first
//! (the events through its outbox), so they survive a restart; memory then holds what the
//! store holds, for reads and watches.

use crate::api::ftgo::common::Money;
use crate::api::ftgo::order::order_service::{CancelOrderError, CreateOrderError, GetOrderError};
use crate::api::ftgo::order::{
    CancelOrderRequest, CreateOrderReply, CreateOrderRequest, GetOrderRequest, LineItem,
    MenuItemUnavailable, Order, OrderNotFound, OrderService, OrderState, RestaurantNotFound,
};
use crate::durable::OrderDb;
use crate::saga::{CreateOrderSaga, NewOrder, Outcome};
use accord::{BoxStream, CallError, Code, Request};
use futures::StreamExt as _;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// A restaurant's menu: item id to price in minor units of `currency`.
#[derive(Debug, Clone)]
pub struct Menu {
    pub currency: String,
    pub prices: BTreeMap<String, i64>,
}

/// The demo menus: two restaurants (ids 1 and 2) with a few dishes each, priced in USD cents.
/// The binary serves them; the tests and benches order from them.
pub fn demo_restaurants() -> Vec<(i64, Menu)> {
    let menu = |items: &[(&str, i64)]| Menu {
        currency: "USD".to_owned(),
        prices: items.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
    };
    vec![
        (1, menu(&[("pad-thai", 1250), ("spring-roll", 450)])),
        (2, menu(&[("margherita", 1100), ("tiramisu", 650)])),
    ]
}

/// Orders kept in memory; cheap to share behind the router's `Arc`.
#[derive(Debug)]
pub struct InMemoryOrders {
    restaurants: HashMap<i64, Menu>,
    orders: Mutex<HashMap<i64, watch::Sender<Order>>>,
    next_id: AtomicI64,
    views: AtomicU64,
    /// Added before every answer: lets a demo or a test play a slow service.
    latency: Duration,
    /// Runs for every new order, when set.
    saga: Option<Arc<CreateOrderSaga>>,
    /// Where orders persist, when set.
    db: Option<OrderDb>,
}

impl InMemoryOrders {
    pub fn new(restaurants: impl IntoIterator<Item = (i64, Menu)>) -> Self {
        InMemoryOrders {
            restaurants: restaurants.into_iter().collect(),
            orders: Mutex::new(HashMap::new()),
            next_id: AtomicI64::new(1),
            views: AtomicU64::new(0),
            latency: Duration::ZERO,
            saga: None,
            db: None,
        }
    }

    /// Keeps the orders in `db`: reads back those it holds (a restarted service answers for
    /// its earlier orders), and stores every new one there, with the ids `db` hands out (never
    /// reused). Call [`InMemoryOrders::resume_sagas`] once a saga is set.
    pub async fn with_db(mut self, db: OrderDb) -> Result<Self, accord::store::StoreError> {
        let stored = db.load().await?;
        {
            let mut orders = self.lock();
            for s in stored {
                orders.insert(s.order.order_id, watch::Sender::new(s.order));
            }
        }
        self.db = Some(db);
        Ok(self)
    }

    /// Resumes the saga of every stored order still APPROVAL_PENDING from the step it had
    /// reached (after a crash); returns how many.
    pub async fn resume_sagas(&self) -> Result<usize, accord::store::StoreError> {
        let (Some(saga), Some(db)) = (&self.saga, &self.db) else {
            return Ok(0);
        };
        let pending: Vec<_> = db
            .load()
            .await?
            .into_iter()
            .filter(|s| s.order.state == OrderState::ApprovalPending)
            .collect();
        for stored in &pending {
            let Ok(sender) = self.find(stored.order.order_id) else {
                continue;
            };
            let new = NewOrder::of(&stored.order);
            let run = run_saga(
                saga.clone(),
                new,
                sender,
                Some(db.clone()),
                stored.saga_step,
            );
            tokio::spawn(run);
        }
        Ok(pending.len())
    }

    /// Runs the Create Order saga for every new order.
    pub fn with_saga(mut self, saga: CreateOrderSaga) -> Self {
        self.saga = Some(Arc::new(saga));
        self
    }

    /// Waits `latency` before each answer.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// How many `order_viewed` notifications arrived.
    pub fn views(&self) -> u64 {
        self.views.load(Ordering::Relaxed)
    }

    async fn pause(&self) {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, watch::Sender<Order>>> {
        // A panic while holding the lock cannot leave a map half-updated: recover the data.
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, order_id: i64) -> Result<watch::Sender<Order>, OrderNotFound> {
        self.lock()
            .get(&order_id)
            .cloned()
            .ok_or(OrderNotFound { order_id })
    }

    /// The order's total, or the declared error naming every item the menu lacks.
    fn total(
        restaurant_id: i64,
        menu: &Menu,
        items: &[LineItem],
    ) -> Result<Money, MenuItemUnavailable> {
        let mut amount = 0i64;
        let mut unknown = Vec::new();
        for item in items {
            match menu.prices.get(&item.menu_item_id) {
                Some(price) => amount = amount.saturating_add(price * i64::from(item.quantity)),
                None => unknown.push(item.menu_item_id.clone()),
            }
        }
        if !unknown.is_empty() {
            return Err(MenuItemUnavailable {
                restaurant_id,
                menu_item_ids: unknown,
            });
        }
        Ok(Money {
            amount,
            currency: menu.currency.clone(),
        })
    }
}

impl OrderService for InMemoryOrders {
    async fn create_order(
        &self,
        request: Request<CreateOrderRequest>,
    ) -> Result<CreateOrderReply, CreateOrderError> {
        self.pause().await;
        let input = request.input;
        let restaurant_id = input.restaurant_id;
        let menu = self
            .restaurants
            .get(&restaurant_id)
            .ok_or(RestaurantNotFound { restaurant_id })?;
        let total = Self::total(restaurant_id, menu, &input.line_items)?;
        let mut labels =
            BTreeMap::from([("consumer_id".to_owned(), input.consumer_id.to_string())]);
        if let Some(note) = input.delivery_note {
            labels.insert("delivery_note".to_owned(), note);
        }
        let mut order = Order {
            order_id: 0,
            state: OrderState::ApprovalPending,
            line_items: input.line_items,
            total,
            payment: None,
            labels,
            placed_at: accord::Timestamp::from(std::time::SystemTime::now()),
            consumer_id: input.consumer_id,
        };
        order.order_id = match &self.db {
            // The order and its `OrderCreated` commit together: with the broker away, the
            // event waits in the outbox and the order is accepted all the same.
            Some(db) => db
                .insert(&order, self.saga.is_some())
                .await
                .map_err(CallError::from)?,
            None => self.next_id.fetch_add(1, Ordering::Relaxed),
        };
        let order_id = order.order_id;
        let new = NewOrder::of(&order);
        let order = watch::Sender::new(order);
        self.lock().insert(order_id, order.clone());
        if let Some(saga) = &self.saga {
            // Without a store, announced directly: refused while the broker is away.
            if self.db.is_none()
                && let Err(e) = saga.created(&new).await
            {
                self.lock().remove(&order_id);
                let why = format!("the order could not be announced: {e}");
                return Err(CallError::status(Code::Unavailable, why).into());
            }
            tokio::spawn(run_saga(saga.clone(), new, order, self.db.clone(), 0));
        }
        Ok(CreateOrderReply { order_id })
    }

    async fn get_order(&self, request: Request<GetOrderRequest>) -> Result<Order, GetOrderError> {
        self.pause().await;
        Ok(self.find(request.input.order_id)?.borrow().clone())
    }

    async fn cancel_order(
        &self,
        request: Request<CancelOrderRequest>,
    ) -> Result<Order, CancelOrderError> {
        self.pause().await;
        let input = request.input;
        let order = self.find(input.order_id)?;
        let mut cancelled = order.borrow().clone();
        cancelled.state = OrderState::Cancelled;
        if let Some(reason) = input.reason {
            cancelled.labels.insert("cancel_reason".to_owned(), reason);
        }
        if let Some(db) = &self.db {
            // Stored with its `OrderCancelled` (through the outbox) before anyone sees it.
            db.cancel(&cancelled, self.saga.is_some())
                .await
                .map_err(CallError::from)?;
        }
        order.send_replace(cancelled.clone());
        if let (Some(saga), None) = (&self.saga, &self.db) {
            let reason = cancelled.labels.get("cancel_reason").cloned();
            if let Err(e) = saga.cancelled(cancelled.order_id, reason).await {
                // The order is cancelled here whatever the broker says; subscribers miss it.
                eprintln!(
                    "order {}: OrderCancelled not published: {e}",
                    cancelled.order_id
                );
            }
        }
        Ok(cancelled)
    }

    /// The order now, then each change, until it is cancelled.
    fn watch_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, CallError>> {
        let order_id = request.input.order_id;
        let receiver = match self.find(order_id) {
            Ok(sender) => sender.subscribe(),
            Err(_) => {
                let missing = CallError::status(Code::NotFound, format!("no order {order_id}"));
                return futures::stream::once(async { Err(missing) }).boxed();
            }
        };
        futures::stream::unfold(Some((receiver, true)), |state| async move {
            let (mut receiver, first) = state?;
            if !first && receiver.changed().await.is_err() {
                return None;
            }
            let order = receiver.borrow_and_update().clone();
            let next = (order.state != OrderState::Cancelled).then_some((receiver, false));
            Some((Ok(order), next))
        })
        .boxed()
    }

    async fn order_viewed(&self, _: Request<GetOrderRequest>) -> Result<(), CallError> {
        self.views.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Runs the saga from `step` and records its outcome, unless the order was cancelled meanwhile
/// (with `db`, the saga has stored it there already).
async fn run_saga(
    saga: Arc<CreateOrderSaga>,
    order: NewOrder,
    state: watch::Sender<Order>,
    db: Option<OrderDb>,
    step: i64,
) {
    let outcome = saga.resume(&order, step, db.as_ref()).await;
    state.send_if_modified(|o| {
        if o.state != OrderState::ApprovalPending {
            return false;
        }
        o.state = match &outcome {
            Outcome::Approved => OrderState::Approved,
            Outcome::Rejected(why) => {
                o.labels.insert("rejection_reason".to_owned(), why.clone());
                OrderState::Rejected
            }
        };
        true
    });
}
