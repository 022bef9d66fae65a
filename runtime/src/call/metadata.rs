//! Which metadata crosses a process boundary. A server keeps the caller's metadata in the
//! handler's `Context`, and a proxy sends a context's metadata on; a handler that passes its
//! own context downstream would forward its caller's credentials. So both sides filter
//! through a [`MetadataPolicy`], and credentials pass only when named.

use std::collections::BTreeSet;
use std::sync::Arc;

/// Header names that carry credentials: never metadata unless a policy names them.
pub const CREDENTIALS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// An allow-list of metadata names (compared in lower case).
///
/// [`MetadataPolicy::default`] allows every name but the [`CREDENTIALS`];
/// [`MetadataPolicy::only`] exactly the names given (credentials included, when named);
/// [`MetadataPolicy::allow`] adds names, credentials included, to either.
///
/// Cheap to clone (the lists are shared): a server's config is cloned per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataPolicy {
    /// `None`: the default, every name that is not a credential.
    rules: Option<Arc<Rules>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rules {
    /// `None`: every name that is not a credential.
    only: Option<BTreeSet<String>>,
    /// Names allowed besides, credentials included.
    also: BTreeSet<String>,
}

impl MetadataPolicy {
    /// Exactly `names`.
    pub fn only<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names = names
            .into_iter()
            .map(|n| n.as_ref().to_ascii_lowercase())
            .collect();
        let rules = Rules {
            only: Some(names),
            also: BTreeSet::new(),
        };
        MetadataPolicy {
            rules: Some(Arc::new(rules)),
        }
    }

    /// No metadata at all.
    pub fn none() -> Self {
        Self::only(std::iter::empty::<&str>())
    }

    /// Also allows `name`, a credential header included (explicitly).
    pub fn allow(self, name: &str) -> Self {
        let mut rules = self.rules.map(|r| (*r).clone()).unwrap_or_default();
        rules.also.insert(name.to_ascii_lowercase());
        MetadataPolicy {
            rules: Some(Arc::new(rules)),
        }
    }

    /// Whether metadata `name` (lower case) may pass.
    pub fn allows(&self, name: &str) -> bool {
        let Some(rules) = &self.rules else {
            return !is_credential(name);
        };
        if rules.also.contains(name) {
            return true;
        }
        match &rules.only {
            Some(names) => names.contains(name),
            None => !is_credential(name),
        }
    }
}

/// Whether `name` (lower case) is a credential header.
pub fn is_credential(name: &str) -> bool {
    CREDENTIALS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_pass_only_when_named() {
        let default = MetadataPolicy::default();
        assert!(default.allows("x-tenant"));
        for name in CREDENTIALS {
            assert!(!default.allows(name), "{name}");
        }
        assert!(
            default
                .clone()
                .allow("Authorization")
                .allows("authorization")
        );
        let only = MetadataPolicy::only(["X-Tenant", "cookie"]);
        assert!(only.allows("x-tenant") && only.allows("cookie"));
        assert!(!only.allows("x-other") && !only.allows("authorization"));
        assert!(!MetadataPolicy::none().allows("x-tenant"));
    }
}
