#[derive(accord::Message)]
struct Order {
    id: i64,
    #[accord(tag = 1)]
    total: i64,
}

fn main() {}
