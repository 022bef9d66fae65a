//! `#[derive(accord::Message)]`: one declaration of a type gives everything Accord's transports
//! need of it, as `#[derive(prost::Message)]` does for prost. Re-exported as `accord::Message`;
//! the attributes are documented there.
//!
//! The derive writes, from the fields and their `#[accord(…)]` attributes: the serde impls (the
//! JSON form of docs/wire.md, written by serde's own derive), `accord::Validate`, the JSON
//! shape a REST skeleton reports a rejected body with, the protobuf encoding and, on request,
//! the constructors. A mistake in an attribute is a compile error at the attribute.

mod construct;
mod glue;
mod model;
mod serde;
mod shared;
mod validate;

use proc_macro::TokenStream;

/// One declaration of a message type gives everything Accord's transports need of it: serde's
/// `Serialize` and `Deserialize` (by serde's own derive, so the JSON code is serde's),
/// `accord::Validate`, the JSON shape a REST skeleton reports a rejected body with, the
/// protobuf encoding (`accord::proto::Message`) and, with `new`, the constructors.
///
/// ```ignore
/// #[derive(Debug, Clone, PartialEq, accord::Message)]
/// #[accord(proto = "ftgo.order.v1.LineItem", new)]
/// pub struct LineItem {
///     pub menu_item_id: String,
///     #[accord(range(min = 1, max = 100))]
///     pub quantity: i32,
/// }
/// ```
///
/// On the type: `proto = "package.Name"` (the protobuf full name; the Rust name by default) and
/// `new` (structs: `new(required…)` and `with_<field>(value)` per optional field).
///
/// On a field or a union's variant: `tag = N` (the protobuf number; by default the previous
/// member's plus one, the first 1), `rename = "wire"` (the JSON name; the Rust name without
/// `r#` by default), `default` (absent means `Type::default_<field>()`), `range(min = …, max =
/// …)`, `length(min = …, max = …)`, `pattern = "regex"`. An `Option<T>` field is optional (left
/// out of JSON when `None`); every other field is required. An enum is a union: each variant
/// holds one value, externally tagged in JSON, a `oneof` in protobuf. See `docs/rust.md`.
#[proc_macro_derive(Message, attributes(accord))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match model::read(&input) {
        Ok(input) => expand(&input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(input: &model::Input) -> proc_macro2::TokenStream {
    let mut code = serde::impls(input);
    code.extend(validate::impl_validate(input));
    code.extend(glue::impl_shape(input));
    code.extend(glue::impl_message(input));
    code.extend(construct::impl_constructors(input));
    code
}

/// `#[accord::shared]` on a trait of `&self` methods: also `impl Trait for Arc<T>` for every
/// `T: Trait`, each method calling `T`'s, so one implementation behind an `Arc` serves several
/// transports or channels at once.
#[proc_macro_attribute]
pub fn shared(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let args = proc_macro2::TokenStream::from(args);
        return syn::Error::new_spanned(args, "`accord::shared` takes no arguments")
            .to_compile_error()
            .into();
    }
    let item = syn::parse_macro_input!(item as syn::ItemTrait);
    match shared::expand(&item) {
        Ok(code) => code.into(),
        Err(error) => error.to_compile_error().into(),
    }
}
