#[derive(accord::Message)]
enum Shape {
    Circle(f64),
    Rectangle { width: f64, height: f64 },
}

fn main() {}
