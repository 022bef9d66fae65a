//! A stress `Everything` over gRPC for the tests: every shape, answers that depend on the
//! input, and what the server saw (deadline, notifications, cancellations).
#![allow(dead_code)]

use accord::grpc::server::ServerConfig;
use accord::{BoxStream, CallError, Request, Shutdown};
use accord_rust_golden::stress_api::stress::everything::everything::{
    self, CreateThingError, DoThingError, EverythingError, GetThingError, PatchLabelsError,
    ReplaceThingError,
};
use accord_rust_golden::stress_api::stress::everything::*;
use futures::StreamExt as _;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `get_thing` of this id answers `Gone`.
pub const GONE: uuid::Uuid = uuid::Uuid::from_u128(0x60e);
/// `get_thing` of this id takes 5 s.
pub const SLOW: uuid::Uuid = uuid::Uuid::from_u128(0x510);
/// `watch` of this id never ends.
pub const ENDLESS: uuid::Uuid = uuid::Uuid::from_u128(0xe0d);
/// `watch` of this id streams as fast as it is read, counting what it made.
pub const FLOOD: uuid::Uuid = uuid::Uuid::from_u128(0xf100d);
/// How many things `watch` streams for any other id.
pub const WATCHED: usize = 4;

#[derive(Debug, Default)]
pub struct Seen {
    /// The remaining deadline of the last `get_thing`.
    pub remaining: Mutex<Option<Duration>>,
    pub notified: AtomicU64,
    pub slow_cancelled: AtomicBool,
    pub endless_dropped: AtomicBool,
    /// How many things the `FLOOD` watch made.
    pub flooded: AtomicU64,
}

pub struct Impl(pub Arc<Seen>);

/// Sets its flag when dropped while armed.
struct Guard(Arc<Seen>, fn(&Seen) -> &AtomicBool, bool);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.2 {
            (self.1)(&self.0).store(true, Ordering::SeqCst);
        }
    }
}

pub fn thing(id: uuid::Uuid) -> Thing {
    Thing {
        id,
        name: "thing".into(),
        color: Color::Cyan,
        shape: Some(Shape::Circle(Circle { radius: 1.5 })),
        scalars: Some(scalars()),
        labels: BTreeMap::from([("k".into(), "v".into())]),
        title: None,
        legacy_code: Some(0),
        updated_at: Some(chrono::DateTime::from_timestamp(1_767_225_600, 5).unwrap()),
    }
}

pub fn scalars() -> Scalars {
    Scalars {
        flag: true,
        small: -7,
        big: i64::MIN,
        count: u32::MAX,
        huge: u64::MAX,
        ratio: 0.25,
        precise: -1e300,
        text: "h\u{e9}llo".into(),
        blob: accord::Bytes(vec![0, 1, 255]),
        at: chrono::DateTime::from_timestamp(-62_135_596_800, 999_999_999).unwrap(),
        took: accord::Duration::new(-3, -500_000_000).unwrap(),
        id: uuid::Uuid::from_u128(0x1234),
    }
}

pub fn chunk(seq: u64, len: usize) -> Chunk {
    Chunk {
        data: accord::Bytes(vec![7; len]),
        seq,
    }
}

pub fn item(id: i64) -> Item {
    Item {
        id,
        other: (id % 2 == 0).then(|| accord_rust_golden::stress_api::stress::other::Item {
            name: format!("other {id}"),
        }),
    }
}

/// Containers holding every nesting the `.proto` needs a wrapper for, and every union variant.
pub fn containers() -> Containers {
    Containers {
        matrix: vec![vec![1, -2], vec![], vec![i32::MAX]],
        cube: vec![vec![vec![0.5], vec![]], vec![]],
        groups: BTreeMap::from([
            ("g".into(), vec!["a".into(), String::new()]),
            ("e".into(), vec![]),
        ]),
        by_id: BTreeMap::from([(-1, item(-1)), (2, item(2))]),
        by_small: BTreeMap::from([
            (0, BTreeMap::new()),
            (7, BTreeMap::from([("t".into(), true), ("f".into(), false)])),
        ]),
        shapes: vec![
            Shape::Circle(Circle { radius: 0.0 }),
            Shape::Side(0.0),
            Shape::Label(String::new()),
            Shape::Points(vec![Point { x: 1.0, y: -1.0 }, Point::default()]),
            Shape::Points(vec![]),
            Shape::Nothing(Empty {}),
            Shape::Color(Color::Red),
            Shape::Color(Color::Negative),
        ],
        colors: vec![
            Color::Red,
            Color::Negative,
            Color::Unknown(accord::UnknownValue::Number(42)),
        ],
        optional_list: Some(vec![]),
        optional_map: Some(BTreeMap::from([
            ("x".into(), vec![item(4)]),
            ("y".into(), vec![]),
        ])),
        lights: BTreeMap::from([
            (0, Light::Amber),
            (u64::MAX, Light::Unknown(accord::UnknownValue::Number(0))),
        ]),
    }
}

/// What `everything` answers for `c`: every field derived from it, so a wrong decoding shows.
pub fn optionals_of(c: &Containers) -> Optionals {
    Optionals {
        flag: c.matrix.is_empty(),
        small: c.matrix.iter().flatten().sum(),
        big: c.by_id.keys().sum(),
        count: c.shapes.len() as u32,
        huge: Some(c.lights.len() as u64),
        ratio: c.cube.len() as f32,
        precise: c.cube.iter().flatten().flatten().sum(),
        text: format!("{:?}", c.colors),
        blob: Some(accord::Bytes(vec![])),
        at: None,
        took: accord::Duration::from_millis(c.by_small.len() as i64).unwrap(),
        id: Some(uuid::Uuid::nil()),
        color: c.colors.last().cloned().unwrap_or(Color::Green),
        shape: c.shapes.get(3).cloned(),
        tags: c.groups.get("g").cloned(),
        scores: c
            .optional_map
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.len() as i64)).collect()),
        nested: Some(scalars()),
    }
}

impl Everything for Impl {
    async fn get_thing(&self, request: Request<GetThing>) -> Result<Thing, GetThingError> {
        *self.0.remaining.lock().unwrap() = request.context.remaining();
        let id = request.input.id;
        match id {
            id if id.is_nil() => Err(NotFound { id }.into()),
            GONE => Err(Gone { id }.into()),
            SLOW => {
                let mut guard = Guard(self.0.clone(), |s| &s.slow_cancelled, true);
                tokio::time::sleep(Duration::from_secs(5)).await;
                guard.2 = false;
                Ok(thing(id))
            }
            id => Ok(thing(id)),
        }
    }

    async fn list_things(&self, request: Request<ListThings>) -> Result<ThingList, CallError> {
        let input = request.input;
        let things = (0..input.limit as usize)
            .map(|i| {
                let mut t = thing(uuid::Uuid::from_u128(i as u128 + 1));
                t.color = input.colors[i % input.colors.len()].clone();
                t
            })
            .collect();
        Ok(ThingList {
            things,
            next: input.tags.map(|t| t.join(",")),
        })
    }

    async fn create_thing(&self, request: Request<Thing>) -> Result<Thing, CreateThingError> {
        match request.input.name.as_str() {
            "conflict" => Err(Conflict {
                reason: "taken".into(),
            }
            .into()),
            _ => Ok(request.input),
        }
    }

    async fn replace_thing(&self, _: Request<ReplaceThing>) -> Result<(), ReplaceThingError> {
        Ok(())
    }

    async fn patch_labels(&self, request: Request<PatchLabels>) -> Result<Thing, PatchLabelsError> {
        let mut t = thing(request.input.id);
        t.labels = request.input.labels;
        Ok(t)
    }

    async fn delete_thing(&self, _: Request<GetThing>) -> Result<(), CallError> {
        Ok(())
    }

    async fn ping(&self, request: Request<()>) -> Result<(), CallError> {
        if request.context.metadata("x-panic").is_some() {
            panic!("asked to panic");
        }
        Ok(())
    }

    fn watch(&self, request: Request<GetThing>) -> BoxStream<'static, Result<Thing, CallError>> {
        let id = request.input.id;
        if id == ENDLESS {
            let guard = Guard(self.0.clone(), |s| &s.endless_dropped, true);
            let ticks = futures::stream::unfold(guard, move |guard| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((Ok(thing(id)), guard))
            });
            return ticks.boxed();
        }
        if id == FLOOD {
            let seen = self.0.clone();
            return futures::stream::repeat_with(move || {
                seen.flooded.fetch_add(1, Ordering::SeqCst);
                Ok(thing(id))
            })
            .boxed();
        }
        futures::stream::iter((0..WATCHED).map(move |_| Ok(thing(id)))).boxed()
    }

    async fn viewed(&self, _: Request<GetThing>) -> Result<(), CallError> {
        self.0.notified.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn upload(
        &self,
        request: Request<BoxStream<'static, Chunk>>,
    ) -> Result<UploadReply, CallError> {
        let total = request
            .input
            .fold(0u64, |n, c| async move { n + c.data.len() as u64 })
            .await;
        Ok(UploadReply { total })
    }

    fn chat(
        &self,
        request: Request<BoxStream<'static, Chunk>>,
    ) -> BoxStream<'static, Result<Chunk, CallError>> {
        request
            .input
            .map(|c| {
                Ok(Chunk {
                    seq: c.seq + 1,
                    data: c.data,
                })
            })
            .boxed()
    }

    async fn r#async(&self, request: Request<Keywords>) -> Result<Keywords, CallError> {
        Ok(request.input)
    }

    async fn everything(&self, request: Request<Containers>) -> Result<Optionals, EverythingError> {
        if request.input.matrix.is_empty() && request.input.shapes.is_empty() {
            return Err(Internal {
                detail: Some("nothing at all".into()),
            }
            .into());
        }
        Ok(optionals_of(&request.input))
    }

    async fn constrained(&self, _: Request<Constrained>) -> Result<Empty, CallError> {
        Ok(Empty {})
    }

    async fn fire_and_forget(&self, _: Request<Empty>) -> Result<(), CallError> {
        self.0.notified.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn do_thing(&self, _: Request<DoThing>) -> Result<Thing, DoThingError> {
        Err(CallError::Internal("channel-bound".into()).into())
    }

    async fn forget_thing(&self, _: Request<ForgetThing>) -> Result<(), CallError> {
        Ok(())
    }

    fn survey(&self, _: Request<Survey>) -> BoxStream<'static, Result<SurveyAnswer, CallError>> {
        futures::stream::empty().boxed()
    }
}

/// Serves `service` on an ephemeral loopback port; the URL.
pub async fn serve(service: Impl, config: ServerConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut routes = accord::grpc::tonic::service::Routes::builder();
    routes.add_service(everything::grpc::Server::new(service, config));
    tokio::spawn(accord::grpc::server::serve(
        listener,
        routes.routes(),
        Shutdown::never(),
    ));
    url
}

/// A service on loopback on a runtime of its own in a thread, so that [`Killable::kill`] drops
/// its connections too, as a killed process would.
pub struct Killable {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Killable {
    pub fn start<F, Fut>(serve: F) -> Killable
    where
        F: FnOnce(tokio::net::TcpListener, Shutdown) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                // Never drained: the runtime is dropped with its connections.
                tokio::select! {
                    _ = serve(listener, Shutdown::never()) => {}
                    _ = stopped => {}
                }
            });
        });
        Killable {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn rest() -> Killable {
        Killable::start(|listener, shutdown| async move {
            let config = accord::rest::server::ServerConfig {
                insecure_no_auth: true,
                ..Default::default()
            };
            let router = everything::rest::router(Impl(Arc::new(Seen::default())), config);
            let _ = accord::rest::server::serve(listener, router, shutdown).await;
        })
    }

    pub fn grpc() -> Killable {
        Killable::start(|listener, shutdown| async move {
            let config = accord::grpc::server::ServerConfig {
                insecure_no_auth: true,
                ..Default::default()
            };
            let mut routes = accord::grpc::tonic::service::Routes::builder();
            routes.add_service(everything::grpc::Server::new(
                Impl(Arc::new(Seen::default())),
                config,
            ));
            let _ = accord::grpc::server::serve(listener, routes.routes(), shutdown).await;
        })
    }

    pub async fn kill(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let thread = self.thread.take().unwrap();
        tokio::task::spawn_blocking(move || thread.join().unwrap())
            .await
            .unwrap();
    }
}
