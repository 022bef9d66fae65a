// `client = false` generates no proxy.
#[accord::api("api/shop.accord", client = false)]
mod api {}

fn main() {
    let _ = api::shop::orders::shop::rest::Proxy::connect("http://127.0.0.1:9");
}
