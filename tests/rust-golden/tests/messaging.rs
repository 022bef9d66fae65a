//! Channels with `format protobuf` through the generated messaging code: the stress API's
//! `thing_events` carries its events in the protobuf of the emitted `.proto`, keyed by `id`.

use accord::messaging::{Broker, BrokerConfig, PROTOBUF, Responder, ServeConfig};
use accord::proto::Message as _;
use accord::{CallError, Request};
use accord_rust_golden::stress_api::stress::everything::{Circle, Shape, ThingHappened};
use accord_rust_golden::stress_api::stress::everything::{THING_EVENTS, ThingEventsPublisher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn event() -> ThingHappened {
    ThingHappened {
        id: accord::Uuid::new_v4(),
        at: accord::Timestamp::from(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(7)),
        shape: Some(Shape::Circle(Circle { radius: 2.5 })),
    }
}

#[tokio::test]
async fn a_protobuf_channel_carries_the_emitted_proto_encoding() {
    let broker = Broker::memory(BrokerConfig::default());
    let channel = THING_EVENTS.channel();
    let mut raw = broker.subscribe(&channel, "raw").await.unwrap();
    let sent = event();
    ThingEventsPublisher::new(broker.clone())
        .thing_happened(&sent)
        .await
        .unwrap();
    let delivery = raw.next().await.unwrap();
    let message = delivery.message();
    assert_eq!(message.message_type, "stress.everything.ThingHappened");
    assert_eq!(message.content_type, PROTOBUF);
    assert_eq!(message.key.as_deref(), Some(&*sent.id.to_string()));
    // The payload is protobuf (what the `.proto` says), not JSON.
    assert!(serde_json::from_slice::<serde_json::Value>(&message.payload).is_err());
    assert_eq!(ThingHappened::decode(&message.payload).unwrap(), sent);
}

#[tokio::test]
async fn a_subscriber_decodes_protobuf_events() {
    let broker = Broker::memory(BrokerConfig::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _serving = Responder::new("test.Subscriber")
        .event(
            &THING_EVENTS,
            "stress.everything.ThingHappened",
            &seen,
            |seen, event: Request<ThingHappened>| {
                seen.lock().unwrap().push(event.input);
                std::future::ready(Ok::<(), CallError>(()))
            },
        )
        .serve(&broker, ServeConfig::default())
        .await
        .unwrap();
    let sent = event();
    ThingEventsPublisher::new(broker.clone())
        .thing_happened(&sent)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while seen.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the event arrives");
    assert_eq!(*seen.lock().unwrap(), [sent]);
}

/// A handler that publishes uses `?` on the publish: an operation's error converts from a
/// `BrokerError` (into its `Call` variant), as it does from a `CallError`.
#[tokio::test]
async fn a_handler_that_publishes_uses_the_question_mark() {
    use accord::messaging::BrokerError;
    use accord_rust_golden::stress_api::stress::everything::everything::GetThingError;
    async fn handler(publisher: &ThingEventsPublisher) -> Result<(), GetThingError> {
        publisher.thing_happened(&event()).await?;
        Result::<(), BrokerError>::Err(BrokerError::Timeout)?;
        Ok(())
    }
    let broker = Broker::memory(BrokerConfig::default());
    let error = handler(&ThingEventsPublisher::new(broker))
        .await
        .unwrap_err();
    let GetThingError::Call(call) = &error else {
        panic!("not a call error: {error:?}");
    };
    assert_eq!(*call, CallError::from(BrokerError::Timeout));
}

/// A streaming handler builds its stream with the runtime's `futures`, no dependency of its own.
#[tokio::test]
async fn a_streaming_handler_needs_only_the_runtime_futures() {
    use accord::futures::{StreamExt, stream};
    let items: accord::BoxStream<'static, Result<u32, CallError>> =
        stream::iter([1, 2, 3].map(Ok)).boxed();
    let got: Vec<u32> = items.map(|r| r.unwrap()).collect().await;
    assert_eq!(got, [1, 2, 3]);
}

/// What an outbox was given, in order (clones share it).
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<(String, accord::messaging::Message)>>>);

impl accord::messaging::Outbox for Recorded {
    fn write(
        &self,
        channel: accord::messaging::Channel,
        message: accord::messaging::Message,
    ) -> futures::future::BoxFuture<'_, Result<(), accord::messaging::BrokerError>> {
        self.0
            .lock()
            .unwrap()
            .push((channel.address.into_owned(), message));
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A generated publisher `within` an outbox (a handler's transaction) writes its events there,
/// keyed and encoded as it would publish them, and sends nothing to the broker itself.
#[tokio::test]
async fn a_generated_publisher_within_an_outbox_writes_there_and_not_to_the_broker() {
    let broker = Broker::memory(BrokerConfig::default());
    let mut raw = broker
        .subscribe(&THING_EVENTS.channel(), "raw")
        .await
        .unwrap();
    let outbox = Recorded::default();
    let sent = event();
    ThingEventsPublisher::new(broker.clone())
        .within(outbox.clone())
        .thing_happened(&sent)
        .await
        .unwrap();
    let kept = std::mem::take(&mut *outbox.0.lock().unwrap());
    assert_eq!(kept.len(), 1, "one message kept for the transaction");
    let (address, message) = &kept[0];
    assert_eq!(address, &THING_EVENTS.channel().address);
    assert_eq!(message.message_type, "stress.everything.ThingHappened");
    assert_eq!(message.key.as_deref(), Some(&*sent.id.to_string()));
    assert_eq!(ThingHappened::decode(&message.payload).unwrap(), sent);
    let nothing = tokio::time::timeout(Duration::from_millis(200), raw.next()).await;
    assert!(
        nothing.is_err(),
        "nothing reached the broker before the commit"
    );
}
