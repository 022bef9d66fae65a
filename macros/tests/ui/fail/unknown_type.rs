// A mistake in the API surfaces as a compile error at the attribute, with the report.
#[accord::api("api/broken.accord")]
mod api {}

fn main() {}
