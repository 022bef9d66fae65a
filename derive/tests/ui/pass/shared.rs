//! `#[accord::shared]`: the trait for an `Arc` of an implementation, forwarding every method.
use std::sync::Arc;

#[accord::shared]
pub trait Greeter: Send + Sync + 'static {
    fn greet(&self, name: &str) -> String;
    fn wave(&self) -> usize {
        1
    }
}

struct Plain;

impl Greeter for Plain {
    fn greet(&self, name: &str) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let shared = Arc::new(Plain);
    assert_eq!(Greeter::greet(&shared, "you"), "hello you");
    assert_eq!(Greeter::wave(&shared), 1);
}
