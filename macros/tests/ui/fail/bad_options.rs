// Mistakes in the options are errors at the option, all of them at once.
#[accord::api(
    "api/shop.accord",
    transport = [rest],
    transports = [rest, soap],
    client = yes,
)]
mod api {}

fn main() {}
