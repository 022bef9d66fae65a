//! `#[accord::api("api/order.accord")] mod order {}`: the Rust target of an Accord API,
//! generated at compile time into the module (after anything already in it).
//!
//! The path is relative to `CARGO_MANIFEST_DIR` (under trybuild that is its project folder in
//! `target/tests/trybuild/`, hence the `../../../../` in this crate's fixtures). The expansion `include_bytes!`s every source
//! it read, so cargo rebuilds when one changes. Diagnostics become one `compile_error!` at the
//! attribute, carrying the rendered report.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use std::path::{Path, PathBuf};
use syn::{ItemMod, LitStr};

#[proc_macro_attribute]
pub fn api(attribute: TokenStream, item: TokenStream) -> TokenStream {
    expand(attribute.into(), item.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

fn expand(attribute: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let path: LitStr = syn::parse2(attribute).map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the API file: #[accord::api(\"api/order.accord\")]",
        )
    })?;
    let mut module: ItemMod = syn::parse2(item)?;
    let Some((_, items)) = module.content.as_mut() else {
        return Err(syn::Error::new_spanned(
            &module,
            "#[accord::api] needs an inline module: `mod name {}`",
        ));
    };
    // On errors the module stays, holding the one compile error: whatever the user wrote in
    // it still compiles, so the report is not buried under follow-on errors.
    let generated = generate(&path).unwrap_or_else(|e| e.to_compile_error());
    items.push(syn::Item::Verbatim(generated));
    Ok(quote! { #module })
}

/// Compiles the API and returns the generated items plus one `include_bytes!` per source.
fn generate(path: &LitStr) -> syn::Result<TokenStream2> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| syn::Error::new(path.span(), "CARGO_MANIFEST_DIR is not set"))?;
    // Compile with paths relative to the manifest so the report names them as the user wrote.
    let root = PathBuf::from(path.value());
    let mut loader = |p: &Path| std::fs::read_to_string(manifest.join(p));
    // One thread: rustc and cargo already keep every core busy, and the compiler would
    // otherwise start a thread per core inside each rustc that expands the macro.
    let compilation =
        accord_idl::parallel::with_threads(1, || accord_idl::compile(&[root], &mut loader));
    if compilation.has_errors() {
        let report = accord_idl::render::human(&compilation.sources, &compilation.diagnostics);
        let message = format!("the Accord API has errors:\n\n{report}");
        return Err(syn::Error::new(path.span(), message));
    }
    let tracked = compilation.sources.iter().map(|(_, file)| {
        let absolute = manifest.join(&file.path).display().to_string();
        let literal = LitStr::new(&absolute, Span::call_site());
        quote! { const _: &[u8] = include_bytes!(#literal); }
    });
    let options = accord_codegen::rust::Options::default();
    let code = accord_codegen::rust::tokens(&compilation.model, &options);
    Ok(quote! { #(#tracked)* #code })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_read_is_tracked_so_cargo_rebuilds_on_change() {
        let path = LitStr::new("tests/api/shop.accord", Span::call_site());
        let code = generate(&path).expect("the API compiles").to_string();
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
