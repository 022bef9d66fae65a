//! An FTGO courier: it answers every delivery quote request with its name and how many
//! minutes it needs. Each courier consumes quote requests in its own group, so every running
//! courier answers every request, and the caller collects the quotes.

use accord::{BoxStream, CallError, Request};
use ftgo_api::api::ftgo::kitchen::{DeliveryService, Quote, QuoteRequest};
use ftgo_api::host::Journal;
// The runtime's `futures`: a streaming handler needs no dependency of its own.
use accord::futures::{StreamExt as _, stream};

/// One courier.
#[derive(Debug, Clone)]
pub struct Courier {
    pub name: String,
    pub minutes: u32,
    pub journal: Journal,
}

impl DeliveryService for Courier {
    fn quote(
        &self,
        request: Request<QuoteRequest>,
    ) -> BoxStream<'static, Result<Quote, CallError>> {
        let order_id = request.input.order_id;
        let (courier, minutes) = (self.name.clone(), self.minutes);
        self.journal
            .say(|| format!("quoting {minutes} min for order {order_id}"));
        stream::once(async move { Ok(Quote::new(courier, minutes)) }).boxed()
    }
}
