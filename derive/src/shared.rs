//! `#[accord::shared]` on a trait: the trait as written plus `impl Trait for Arc<T>` forwarding
//! every method, so one implementation can serve several transports (or channels) at once and
//! the trait is declared once. Generated service and subscriber traits carry it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemTrait, Pat, TraitItem};

pub fn expand(item: &ItemTrait) -> syn::Result<TokenStream> {
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "`accord::shared` does not support generic traits",
        ));
    }
    let name = &item.ident;
    let methods = item
        .items
        .iter()
        .filter_map(|i| match i {
            TraitItem::Fn(f) => Some(forward(name, &f.sig)),
            _ => None,
        })
        .collect::<syn::Result<Vec<_>>>()?;
    Ok(quote! {
        #item

        impl<__T: #name> #name for ::accord::__private::Arc<__T> {
            #(#methods)*
        }
    })
}

/// A method calling `T`'s with the same arguments.
fn forward(name: &syn::Ident, sig: &syn::Signature) -> syn::Result<TokenStream> {
    let method = &sig.ident;
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) if r.reference.is_some() && r.mutability.is_none() => {}
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(arg) => args.push(&arg.ident),
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "`accord::shared` needs plain argument names",
                    ));
                }
            },
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "`accord::shared` forwards `&self` methods only (an `Arc` is shared)",
                ));
            }
        }
    }
    Ok(quote! {
        #sig {
            <__T as #name>::#method(self, #(#args),*)
        }
    })
}
