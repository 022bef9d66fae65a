//! The calling side of channels: a [`Requester`] sends requests to channel-bound operations
//! and matches their replies, and a [`Publisher`] publishes events. Generated proxies and
//! publishers are thin glue over them.
//!
//! A requester owns one reply inbox (its address is every request's `reply_to`) and a reader
//! task that hands each reply to the call waiting for its `correlation_id`. A call that gives
//! up (deadline, drop) stops waiting at once; a reply that arrives after that is logged and
//! dropped. Calls pass the call core's [`Caller`]: outstanding bound, circuit breaker,
//! deadline (`@timeout` or the proxy's default), trace and span.

use super::binding::{Binding, ChannelInfo, EMPTY_TYPE, STATUS_TYPE, status_of_payload};
use super::broker::Broker;
use super::deadline;
use super::error::BrokerError;
use super::message::Message;
use super::outbox::Outbox;
use crate::call::Outcome;
use crate::call::outbound::{Caller, Outgoing};
use crate::codec::{self, Format};
use crate::metrics::{Made, MessagingCall};
use std::borrow::Cow;
// The protobuf encoding every generated type has: payloads go out in the channel's format.
use crate::proto::Message as Proto;
use crate::{BoxStream, CallError, Context, ProxyConfig, ServiceError};
use futures::{FutureExt as _, StreamExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// A generated messaging proxy: the struct over a [`Requester`] and its constructors, the same
/// for every service (`accord::__private::messaging_proxy!`).
#[doc(hidden)]
#[macro_export]
macro_rules! __messaging_proxy {
    ($(#[$attr:meta])* pub struct $name:ident;) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct $name {
            requester: $crate::messaging::Requester,
        }

        impl $name {
            /// A proxy on `broker` with its own reply inbox, and `config`'s timeouts, bound and
            /// breaker.
            pub async fn new(
                broker: &$crate::messaging::Broker,
                config: $crate::ProxyConfig,
            ) -> ::core::result::Result<Self, $crate::messaging::BrokerError> {
                let requester = $crate::messaging::Requester::new(broker, config).await?;
                ::core::result::Result::Ok(Self { requester })
            }

            /// The runtime's requester (settings, circuit breaker).
            pub fn requester(&self) -> &$crate::messaging::Requester {
                &self.requester
            }
        }
    };
}

/// Replies a collecting call may hold unread; beyond it, further replies are dropped (logged).
const COLLECT_BUFFER: usize = 1024;

/// Sends requests to channel-bound operations and receives their replies. Cheap to clone;
/// clones share the inbox, the bound and the breaker.
#[derive(Clone)]
pub struct Requester {
    shared: Arc<Shared>,
}

struct Shared {
    broker: Broker,
    caller: Caller,
    inbox: String,
    waiting: Arc<Waiting>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl std::fmt::Debug for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requester")
            .field("broker", &self.shared.broker)
            .field("inbox", &self.shared.inbox)
            .finish_non_exhaustive()
    }
}

/// Calls waiting for replies, by the request's `message_id`.
type Waiting = Mutex<HashMap<String, Waiter>>;

enum Waiter {
    /// A request/response call: the first reply.
    One(oneshot::Sender<Message>),
    /// A collecting call: every reply until its window closes.
    Many(mpsc::Sender<Message>),
}

/// Removes a call's entry when the call ends, however it ends.
struct Registration {
    waiting: Arc<Waiting>,
    id: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.waiting).remove(&self.id);
    }
}

fn lock(waiting: &Waiting) -> std::sync::MutexGuard<'_, HashMap<String, Waiter>> {
    // A panic while holding the map leaves it consistent (single inserts and removes).
    waiting
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Requester {
    /// A requester on `broker` with its own reply inbox, and `config`'s timeouts, bound and
    /// breaker.
    pub async fn new(broker: &Broker, config: ProxyConfig) -> Result<Requester, BrokerError> {
        let mut inbox = broker.reply_inbox().await?;
        let address = inbox.address().to_owned();
        let waiting = Arc::new(Waiting::default());
        let reader = {
            let waiting = waiting.clone();
            tokio::spawn(async move {
                while let Some(reply) = inbox.next().await {
                    deliver(&waiting, reply);
                }
            })
        };
        Ok(Requester {
            shared: Arc::new(Shared {
                broker: broker.clone(),
                caller: Caller::new(config),
                inbox: address,
                waiting,
                reader,
            }),
        })
    }

    /// The call core's caller (settings, breaker).
    pub fn caller(&self) -> &Caller {
        &self.shared.caller
    }

    /// Asynchronous request/response: sends `input` on the binding's channel and waits for the
    /// correlated reply under the call's deadline: the output, a declared error of `E`, or a
    /// status.
    pub fn request<I, O, E>(
        &self,
        binding: &'static Binding,
        context: Context,
        input: I,
        key: Option<String>,
    ) -> impl Future<Output = Result<O, E>> + Send + use<I, O, E>
    where
        I: Serialize + Proto + Send + 'static,
        O: DeserializeOwned + Proto,
        E: ServiceError,
    {
        let shared = self.shared.clone();
        async move {
            let call = shared.caller.outgoing(binding.op, &context);
            let output = binding.output.unwrap_or(EMPTY_TYPE);
            let message = shared
                .message(&call, binding, &input, key)
                .map(|mut message| {
                    deadline::stamp(&mut message, call.deadline);
                    message
                });
            drop(input);
            let exchange = shared.exchange(binding, message);
            let outcome = |reply: &Message| {
                if reply.message_type == output {
                    Outcome::Ok
                } else {
                    Outcome::DeclaredError
                }
            };
            let made = shared.sent(binding, "send");
            let reply = shared
                .caller
                .run(&call, "messaging", exchange, outcome, made)
                .await?;
            decode_reply(binding, output, &reply)
        }
    }

    /// One-way command (`notify`): sends `input`; done once the broker has it.
    pub fn notify<I>(
        &self,
        binding: &'static Binding,
        context: Context,
        input: I,
        key: Option<String>,
    ) -> impl Future<Output = Result<(), CallError>> + Send + use<I>
    where
        I: Serialize + Proto + Send + 'static,
    {
        let shared = self.shared.clone();
        async move {
            let call = shared.caller.outgoing(binding.op, &context);
            let message = shared.message(&call, binding, &input, key);
            drop(input);
            let send = async {
                Ok(shared
                    .broker
                    .publish(&binding.channel.channel(), message?)
                    .await?)
            };
            let made = shared.sent(binding, "send");
            shared
                .caller
                .run(&call, "messaging", send, |_| Outcome::Ok, made)
                .await
        }
    }

    /// Publish/async responses (`@collect(d)`): publishes `input` and yields every correlated
    /// reply that arrives within `d` (or before the call's deadline, if sooner), then ends.
    pub fn collect<I, O, E>(
        &self,
        binding: &'static Binding,
        context: Context,
        input: I,
        key: Option<String>,
    ) -> BoxStream<'static, Result<O, E>>
    where
        I: Serialize + Proto + Send + 'static,
        O: DeserializeOwned + Proto + Send + 'static,
        E: ServiceError,
    {
        let shared = self.shared.clone();
        let opened = async move {
            let call = shared.caller.outgoing(binding.op, &context);
            let window = binding.collect.unwrap_or_default();
            let end = call
                .deadline
                .min(tokio::time::Instant::now().into_std() + window);
            // The call holds its outstanding slot until the window closes.
            let admission = shared.caller.admit()?;
            let mut message = shared.message(&call, binding, &input, key)?;
            deadline::stamp(&mut message, end);
            drop(input);
            let (sender, receiver) = mpsc::channel(COLLECT_BUFFER);
            let registration = shared.register(&message.message_id, Waiter::Many(sender));
            shared
                .broker
                .publish(&binding.channel.channel(), message)
                .await?;
            let output = binding.output.unwrap_or(EMPTY_TYPE);
            let state = (receiver, registration, admission);
            let replies = futures::stream::unfold(
                state,
                move |(mut receiver, registration, admission)| async move {
                    let reply = tokio::time::timeout_at(end.into(), receiver.recv()).await;
                    let reply = reply.ok().flatten()?;
                    let item = decode_reply(binding, output, &reply);
                    Some((item, (receiver, registration, admission)))
                },
            );
            Ok::<_, CallError>(replies)
        };
        Box::pin(
            opened
                .map(|opened| match opened {
                    Ok(replies) => replies.left_stream(),
                    Err(e) => futures::stream::once(futures::future::ready(Err(E::from(e))))
                        .right_stream(),
                })
                .flatten_stream(),
        )
    }
}

impl Shared {
    /// The labels of a message this requester sends on `binding`'s channel (asked only with
    /// metrics).
    fn sent<T>(
        &self,
        binding: &'static Binding,
        operation: &'static str,
    ) -> impl FnOnce(&Result<T, CallError>) -> Made + use<T> {
        let system = self.broker.system();
        move |_| {
            Made::Sent(MessagingCall {
                system,
                destination: Cow::Borrowed(binding.channel.address),
                operation,
            })
        }
    }

    /// The request message: payload in the channel's format, `reply_to` this inbox, the call's
    /// trace, correlation id, allowed metadata and ordering key.
    fn message<I: Serialize + Proto>(
        &self,
        call: &Outgoing<'_>,
        binding: &Binding,
        input: &I,
        key: Option<String>,
    ) -> Result<Message, CallError> {
        let format = binding.channel.format;
        let payload =
            codec::encode(input, format).map_err(|e| CallError::Internal(e.to_string()))?;
        let mut message = Message::new(binding.input, payload).with_reply_to(self.inbox.clone());
        message.content_type = format.content_type().into();
        message.traceparent = Some(call.trace.to_header());
        message.correlation_id = call.correlation_to_send().map(str::to_owned);
        message.key = key;
        for (name, value) in self.caller.metadata(call.context) {
            message.headers.insert(name.to_owned(), value.to_owned());
        }
        Ok(message)
    }

    fn register(&self, id: &str, waiter: Waiter) -> Registration {
        lock(&self.waiting).insert(id.to_owned(), waiter);
        Registration {
            waiting: self.waiting.clone(),
            id: id.to_owned(),
        }
    }

    /// Sends a request and waits for its reply; a status reply is a failure (so the breaker
    /// counts server faults).
    async fn exchange(
        &self,
        binding: &Binding,
        message: Result<Message, CallError>,
    ) -> Result<Message, CallError> {
        let message = message?;
        let (sender, receiver) = oneshot::channel();
        let _registration = self.register(&message.message_id, Waiter::One(sender));
        self.broker
            .publish(&binding.channel.channel(), message)
            .await?;
        let reply = receiver
            .await
            .map_err(|_| CallError::Connect("the reply inbox closed".into()))?;
        if reply.message_type == STATUS_TYPE {
            return Err(status_of_payload(&reply.payload)?.into());
        }
        Ok(reply)
    }
}

/// Hands a reply to the call waiting for it; a reply nobody waits for is dropped.
fn deliver(waiting: &Waiting, reply: Message) {
    let Some(id) = reply.correlation_id.clone() else {
        tracing::warn!(message_type = %reply.message_type, "reply without correlation_id dropped");
        return;
    };
    let mut waiting = lock(waiting);
    match waiting.get(&id) {
        Some(Waiter::One(_)) => {
            if let Some(Waiter::One(sender)) = waiting.remove(&id) {
                let _ = sender.send(reply);
            }
        }
        Some(Waiter::Many(sender)) => {
            if sender.try_send(reply).is_err() {
                tracing::warn!(correlation_id = %id, "collected reply dropped: the caller reads too slowly");
            }
        }
        None => tracing::info!(
            correlation_id = %id,
            message_type = %reply.message_type,
            "late reply dropped: its caller no longer waits"
        ),
    }
}

/// Reads a reply: the output when it is of the output's type, else a declared error of `E`,
/// a status, or a decode error.
fn decode_reply<O: DeserializeOwned + Proto, E: ServiceError>(
    binding: &Binding,
    output: &str,
    reply: &Message,
) -> Result<O, E> {
    let format = reply.format().unwrap_or(Format::Json);
    if reply.message_type == output {
        return codec::decode(&reply.payload, format)
            .map_err(|e| E::from(CallError::Decode(format!("`{output}` reply: {e}"))));
    }
    if reply.message_type == STATUS_TYPE {
        return Err(E::from(status_of_payload(&reply.payload)?.into()));
    }
    match E::decode(&reply.message_type, &reply.payload, format) {
        Some(Ok(declared)) => Err(declared),
        Some(Err(e)) => Err(E::from(e)),
        None => Err(E::from(CallError::Decode(format!(
            "`{}` is not a reply of {}.{}",
            reply.message_type, binding.op.service, binding.op.name
        )))),
    }
}

/// Publishes the events of channels (`publishes c`). Cheap to clone.
#[derive(Clone)]
pub struct Publisher {
    broker: Broker,
    /// Set by [`Publisher::within`]: events go here instead of to the broker.
    outbox: Option<Arc<dyn Outbox>>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("broker", &self.broker)
            .field("within_outbox", &self.outbox.is_some())
            .finish()
    }
}

impl Publisher {
    /// A publisher on `broker`.
    pub fn new(broker: Broker) -> Publisher {
        Publisher {
            broker,
            outbox: None,
        }
    }

    /// This publisher writing into `outbox` instead of publishing: with the handler's
    /// `accord::store::Transaction`, an event is published (by the store's relay)
    /// only if that transaction commits, with the state change that caused it.
    pub fn within(&self, outbox: impl Outbox + 'static) -> Publisher {
        Publisher {
            broker: self.broker.clone(),
            outbox: Some(Arc::new(outbox)),
        }
    }

    /// Publishes `event` as `message_type` on `channel`, ordered by `key`; done once the broker
    /// has it (confirmed on durable channels), or, [`within`](Publisher::within) an outbox,
    /// once the outbox has it.
    pub fn publish<T: Serialize + Proto>(
        &self,
        channel: &'static ChannelInfo,
        message_type: &'static str,
        event: &T,
        key: Option<String>,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send + 'static {
        let (broker, outbox) = (self.broker.clone(), self.outbox.clone());
        let message = codec::encode(event, channel.format).map(|payload| {
            let mut message = Message::new(message_type, payload);
            message.content_type = channel.format.content_type().into();
            message.key = key;
            message
        });
        async move {
            let message = message.map_err(|e| BrokerError::Config(e.to_string()))?;
            match outbox {
                Some(outbox) => outbox.write(channel.channel(), message).await,
                None => broker.publish(&channel.channel(), message).await,
            }
        }
    }
}
