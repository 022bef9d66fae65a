#[derive(accord::Message)]
struct Page {
    #[accord(default)]
    size: Option<u32>,
}

fn main() {}
