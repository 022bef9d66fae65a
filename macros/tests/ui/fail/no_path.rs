#[accord::api(shop)]
mod api {}

fn main() {}
