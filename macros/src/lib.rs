//! `#[accord::api("api/order.accord")] mod order {}`: the Rust target of an Accord API,
//! generated at compile time into the module (after anything already in it).
//!
//! The attribute takes one or more files or folders (a folder is every `.accord` file below
//! it), then the `Builder`'s options: `transports = [rest, messaging, grpc]` (default
//! `[rest, messaging]`; with `grpc` the module also gets `FILE_DESCRIPTOR_SET` for reflection),
//! `services = ["OrderService"]`, `client = false`, `server = false`, `fakes = true`,
//! `documents = true` (the module gets `documents::of("pkg.Service")`, the services' OpenAPI and
//! AsyncAPI documents for `ServerConfig::with_documents`, as `Builder::documents` writes them),
//! `derives = ["Eq"]`, `attributes = ["#[non_exhaustive]"]`.
//!
//! Paths are relative to `CARGO_MANIFEST_DIR` (under trybuild that is its project folder in
//! `target/tests/trybuild/`, where `tests/trybuild.rs` links this crate's fixtures). The expansion
//! `include_bytes!`s every source it read, so cargo rebuilds when one changes (a file added to a
//! folder is seen at the next rebuild of the crate: stable Rust cannot track a folder).
//! Contract errors become one `compile_error!` carrying the rendered report, at the path the
//! first error's file came from (stable Rust cannot point into a file that is not Rust);
//! mistakes in the options are errors at the option.

mod args;
mod sources;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use std::path::{Path, PathBuf};
use syn::{ItemMod, LitByteStr, LitStr};

#[proc_macro_attribute]
pub fn api(attribute: TokenStream, item: TokenStream) -> TokenStream {
    expand(attribute.into(), item.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

fn expand(attribute: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let mut module: ItemMod = syn::parse2(item)?;
    let Some((_, items)) = module.content.as_mut() else {
        return Err(syn::Error::new_spanned(
            &module,
            "#[accord::api] needs an inline module: `mod name {}`",
        ));
    };
    // On errors the module stays, holding the compile errors: whatever the user wrote in
    // it still compiles, so the report is not buried under follow-on errors.
    let generated = syn::parse2::<args::Args>(attribute)
        .and_then(|args| generate(&args))
        .unwrap_or_else(|e| e.to_compile_error());
    items.push(syn::Item::Verbatim(generated));
    Ok(quote! { #module })
}

/// Compiles the API and returns the generated items plus one `include_bytes!` per source.
fn generate(args: &args::Args) -> syn::Result<TokenStream2> {
    let first = &args.paths[0];
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| syn::Error::new(first.span(), "CARGO_MANIFEST_DIR is not set"))?;
    args.options
        .check()
        .map_err(|message| syn::Error::new(first.span(), message))?;
    let roots = sources::roots(&manifest, &args.paths)?;
    let files: Vec<PathBuf> = roots.iter().map(|r| r.path.clone()).collect();
    // Compile with paths relative to the manifest so the report names them as the user wrote.
    let mut loader = |p: &Path| std::fs::read_to_string(manifest.join(p));
    // One thread: rustc and cargo already keep every core busy, and the compiler would
    // otherwise start a thread per core inside each rustc that expands the macro.
    let compilation =
        accord_idl::parallel::with_threads(1, || accord_idl::compile(&files, &mut loader));
    if compilation.has_errors() {
        let report = accord_idl::render::human(&compilation.sources, &compilation.diagnostics);
        let message = format!("the Accord API has errors:\n\n{report}");
        return Err(syn::Error::new(blamed(args, &roots, &compilation), message));
    }
    let tracked = compilation.sources.iter().map(|(_, file)| {
        let absolute = manifest.join(&file.path).display().to_string();
        let literal = LitStr::new(&absolute, Span::call_site());
        quote! { const _: &[u8] = include_bytes!(#literal); }
    });
    let code = accord_codegen::rust::tokens(&compilation.model, &args.options);
    let descriptors = descriptor_set(args, &compilation.model)?;
    let documents = documents(args, &compilation.model)?;
    Ok(quote! { #(#tracked)* #code #descriptors #documents })
}

/// The attribute path whose file holds the first error (an imported file's error is shown at
/// the first path).
fn blamed(
    args: &args::Args,
    roots: &[sources::Root],
    compilation: &accord_idl::Compilation,
) -> Span {
    let file = compilation
        .errors()
        .next()
        .map(|d| &compilation.sources.get(d.primary.span.file).path);
    let from = roots
        .iter()
        .find(|r| Some(&r.path) == file)
        .map_or(0, |r| r.from);
    args.paths[from].span()
}

/// With the gRPC transport, what the `Builder` writes beside the code: the `FileDescriptorSet`
/// of the emitted `.proto` files, which gRPC reflection serves.
fn descriptor_set(args: &args::Args, model: &accord_idl::Model) -> syn::Result<TokenStream2> {
    let grpc = accord_codegen::rust::Transport::Grpc;
    if !args.options.transports.contains(&grpc) {
        return Ok(TokenStream2::new());
    }
    let set = accord_codegen::builder::descriptor_set(model)
        .map_err(|e| syn::Error::new(args.paths[0].span(), e.to_string()))?;
    let bytes = LitByteStr::new(&set, Span::call_site());
    Ok(quote! {
        /// The `FileDescriptorSet` of the API's `.proto` files (imports included), compiled at
        /// build time without protoc: what gRPC reflection serves.
        pub const FILE_DESCRIPTOR_SET: &[u8] = #bytes;
    })
}

/// With `documents = true`, what `Builder::documents` writes beside the code: `documents::of`,
/// here with each document's text in the module as a literal (a macro has no folder to write
/// the files into).
fn documents(args: &args::Args, model: &accord_idl::Model) -> syn::Result<TokenStream2> {
    if !args.documents {
        return Ok(TokenStream2::new());
    }
    let files = accord_codegen::builder::document_files(model);
    // Debug of a `str` is a Rust string literal of it.
    let module =
        accord_codegen::builder::documents_module(model, &files, |_, text| format!("{text:?}"));
    module
        .parse()
        .map_err(|e| syn::Error::new(args.paths[0].span(), format!("the documents module: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_read_is_tracked_so_cargo_rebuilds_on_change() {
        let args: args::Args = syn::parse2(quote! { "tests/api/shop.accord" }).unwrap();
        let code = generate(&args).expect("the API compiles").to_string();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            code.matches("include_bytes !").count(),
            2,
            "the file and its import"
        );
        for file in ["shop.accord", "money.accord"] {
            let absolute = manifest.join("tests/api").join(file);
            assert!(
                std::fs::canonicalize(&absolute).is_ok()
                    && code.contains(&manifest.display().to_string())
                    && code.contains(file),
                "{file} is not tracked"
            );
        }
    }

    #[test]
    fn errors_keep_the_module_and_its_items() {
        let attribute = quote! { "tests/api/broken.accord" };
        let item = quote! { mod api { pub fn kept() {} } };
        let out = expand(attribute, item).expect("expands").to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("fn kept"), "{out}");
        assert!(
            out.contains("OrderStat"),
            "the report names the problem: {out}"
        );
    }
}
