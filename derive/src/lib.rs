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
