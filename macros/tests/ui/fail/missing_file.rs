#[accord::api("../../../../macros/tests/api/no_such_file.accord")]
mod api {}

fn main() {}
