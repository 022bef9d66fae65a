//! The attribute's arguments: one or more paths, then the `Builder`'s options as `key = value`.
//!
//! ```text
//! #[accord::api("api/order.accord")]
//! #[accord::api("api/order.accord", "api/kitchen.accord", transports = [rest, grpc])]
//! #[accord::api("api", services = ["OrderService"], client = false, derives = ["Eq", "Hash"])]
//! #[accord::api("api/order.accord", documents = true)]
//! ```
//!
//! Every mistake is a `syn::Error` at the token that is wrong, and all of them are reported
//! together.

use accord_codegen::rust::{Options, Transport};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitBool, LitStr, Token, bracketed};

/// What the attribute asked for.
pub struct Args {
    /// The files and folders, relative to `CARGO_MANIFEST_DIR`, as written.
    pub paths: Vec<LitStr>,
    pub options: Options,
    /// `documents = true`: the module gets `documents::of`, as `Builder::documents` writes it.
    pub documents: bool,
}

/// The option keys, in the order the error message lists them.
const KEYS: &str = "transports, services, client, server, fakes, documents, derives, attributes";

/// The transport names `transports = [...]` takes.
const TRANSPORTS: &str = "rest, messaging, grpc";

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Args> {
        let usage = "expected the API's files or folders, then options: \
                     #[accord::api(\"api/order.accord\", transports = [rest, grpc])]";
        if input.is_empty() {
            return Err(input.error(usage));
        }
        let mut args = Args {
            paths: Vec::new(),
            options: Options::default(),
            documents: false,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Errors::default();
        while !input.is_empty() {
            if input.peek(LitStr) {
                let path: LitStr = input.parse()?;
                if !seen.is_empty() {
                    errors.push(syn::Error::new(
                        path.span(),
                        "paths come before the options",
                    ));
                }
                args.paths.push(path);
            } else if input.peek(Ident) {
                let key: Ident = input.parse()?;
                if !input.peek(Token![=]) {
                    return Err(syn::Error::new(key.span(), usage));
                }
                input.parse::<Token![=]>()?;
                let name = key.to_string();
                if seen.contains(&name) {
                    errors.push(syn::Error::new(
                        key.span(),
                        format!("`{name}` is given twice"),
                    ));
                }
                seen.push(name);
                if let Err(e) = option(&key, input, &mut args) {
                    errors.push(e);
                    skip_value(input)?;
                }
            } else {
                return Err(input.error(usage));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        if args.paths.is_empty() {
            errors.push(syn::Error::new(input.span(), usage));
        }
        errors.finish()?;
        Ok(args)
    }
}

/// Reads the value of `key` into `args`.
fn option(key: &Ident, input: ParseStream, args: &mut Args) -> syn::Result<()> {
    let options = &mut args.options;
    match key.to_string().as_str() {
        "transports" => options.transports = transports(input)?,
        "services" => options.services = Some(strings(input)?),
        "client" => options.client = input.parse::<LitBool>()?.value,
        "server" => options.server = input.parse::<LitBool>()?.value,
        "fakes" => options.fakes = input.parse::<LitBool>()?.value,
        "documents" => args.documents = input.parse::<LitBool>()?.value,
        "derives" => options.derives = strings(input)?,
        "attributes" => options.attributes = strings(input)?,
        other => {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown option `{other}`; the options are {KEYS}"),
            ));
        }
    }
    Ok(())
}

/// Skips what is left of a refused value, so the options after it are still read and checked.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// `[rest, grpc]`: each transport once.
fn transports(input: ParseStream) -> syn::Result<Vec<Transport>> {
    let content;
    bracketed!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    let mut transports = Vec::new();
    for name in names {
        let transport = match name.to_string().as_str() {
            "rest" => Transport::Rest,
            "messaging" => Transport::Messaging,
            "grpc" => Transport::Grpc,
            other => {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown transport `{other}`; the transports are {TRANSPORTS}"),
                ));
            }
        };
        if transports.contains(&transport) {
            return Err(syn::Error::new(
                name.span(),
                "this transport is given twice",
            ));
        }
        transports.push(transport);
    }
    Ok(transports)
}

/// `["a", "b"]`.
fn strings(input: ParseStream) -> syn::Result<Vec<String>> {
    let content;
    bracketed!(content in input);
    let items = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(items.iter().map(LitStr::value).collect())
}

/// Every error found, reported as one (rustc shows each at its own place).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
        syn::parse2(tokens)
    }

    #[test]
    fn one_path_keeps_the_builder_defaults() {
        let args = parse(quote::quote! { "api/order.accord" }).unwrap();
        assert_eq!(args.paths.len(), 1);
        assert_eq!(args.options.transports, Options::default().transports);
        assert!(args.options.client && args.options.server);
        assert!(!args.documents);
    }

    #[test]
    fn paths_and_every_option() {
        let args = parse(quote::quote! {
            "api/a.accord", "api/b", transports = [rest, grpc], services = ["Orders"],
            client = false, server = true, fakes = true, documents = true,
            derives = ["Eq", "Hash"], attributes = ["#[non_exhaustive]"],
        })
        .unwrap();
        assert!(args.documents);
        let paths: Vec<String> = args.paths.iter().map(LitStr::value).collect();
        assert_eq!(paths, ["api/a.accord", "api/b"]);
        let options = args.options;
        assert_eq!(options.transports, [Transport::Rest, Transport::Grpc]);
        assert_eq!(options.services, Some(vec!["Orders".to_owned()]));
        assert!(!options.client && options.server && options.fakes);
        assert_eq!(options.derives, ["Eq", "Hash"]);
        assert_eq!(options.attributes, ["#[non_exhaustive]"]);
    }

    #[test]
    fn mistakes_are_named_and_all_reported() {
        let error = parse(quote::quote! {
            "api", transport = [rest], transports = [rest, soap], client = false, client = true
        })
        .err()
        .expect("refused");
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("unknown option `transport`; the options are transports"));
        assert!(messages[1].contains("unknown transport `soap`"));
        assert!(messages[2].contains("`client` is given twice"));
    }

    #[test]
    fn a_path_is_required_and_comes_first() {
        let none = parse(quote::quote! { transports = [rest] }).err().unwrap();
        assert!(
            none.to_string()
                .contains("expected the API's files or folders")
        );
        let bare = parse(quote::quote! { shop }).err().unwrap();
        assert!(
            bare.to_string()
                .contains("expected the API's files or folders")
        );
        let late = parse(quote::quote! { "a", client = false, "b" })
            .err()
            .unwrap();
        assert!(late.to_string().contains("paths come before the options"));
    }
}
