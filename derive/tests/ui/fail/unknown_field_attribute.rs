#[derive(accord::Message)]
struct Order {
    #[accord(tga = 1)]
    id: i64,
}

fn main() {}
