#[accord::api("api/no_such_file.accord")]
mod api {}

fn main() {}
