//! API keys: a set of keys stored as SHA-256 hashes, compared in constant time.

use super::{AuthError, Authenticator, Credential, Principal};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// An [`Authenticator`] for API keys.
///
/// Only the SHA-256 of each key is kept, so the set can be built from hashes in a config file
/// ([`ApiKeys::hashed`]) and a memory dump shows no key. A presented key is hashed and compared
/// with every entry in constant time (no early exit, [`subtle`]), so the timing says nothing
/// about how much of a key matched. The principal's subject is the entry's name: the one
/// configured, or `key-` and the first 16 hex digits of the key's hash.
#[derive(Clone, Default)]
pub struct ApiKeys {
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    hash: [u8; 32],
    name: Arc<str>,
}

impl ApiKeys {
    /// The keys, each named after its hash prefix (`key-0123456789abcdef`).
    pub fn new<I, S>(keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = ApiKeys::default();
        for key in keys {
            let hash = sha256(key.as_ref());
            set.push(hash, format!("key-{}", &hex(&hash)[..16]));
        }
        set
    }

    /// The keys with their names: `(name, key)` pairs.
    pub fn named<I, N, K>(keys: I) -> Self
    where
        I: IntoIterator<Item = (N, K)>,
        N: Into<String>,
        K: AsRef<str>,
    {
        let mut set = ApiKeys::default();
        for (name, key) in keys {
            set.push(sha256(key.as_ref()), name.into());
        }
        set
    }

    /// Adds a key by its name and the lower- or upper-case hex of its SHA-256 (as
    /// `printf %s "$KEY" | sha256sum` prints it); `Err` names the entry when the hex is not 64
    /// hex digits.
    pub fn hashed(mut self, name: impl Into<String>, sha256_hex: &str) -> Result<Self, String> {
        let name = name.into();
        let hash = unhex(sha256_hex.trim())
            .ok_or_else(|| format!("API key {name:?}: the hash is not 64 hex digits"))?;
        self.push(hash, name);
        Ok(self)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn push(&mut self, hash: [u8; 32], name: String) {
        self.entries.push(Entry {
            hash,
            name: name.into(),
        });
    }

    /// The name of the entry `key` matches; every entry is compared.
    fn find(&self, key: &str) -> Option<&str> {
        let hash = sha256(key);
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.hash.ct_eq(&hash)) {
                found = Some(&*entry.name);
            }
        }
        found
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.entries.iter().map(|e| &*e.name).collect();
        f.debug_struct("ApiKeys").field("names", &names).finish()
    }
}

impl Authenticator for ApiKeys {
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
        let Credential::ApiKey(key) = credential else {
            return Err(AuthError::INVALID);
        };
        match self.find(key) {
            Some(name) => Ok(Principal::new(name)),
            None => {
                tracing::debug!("API key rejected: no such key");
                Err(AuthError::INVALID)
            }
        }
    }
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        out[i] = (high * 16 + low) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_keys_pass_wrong_ones_do_not() {
        let keys = ApiKeys::named([("billing", "k-billing-1"), ("ci", "k-ci-2")]);
        let ok = keys.authenticate(Credential::ApiKey("k-ci-2")).unwrap();
        assert_eq!(ok.subject, "ci");
        assert!(ok.scopes.is_empty() && ok.claims.is_empty());
        for wrong in ["k-ci-3", "k-ci-", "k-ci-22", "K-CI-2", ""] {
            assert_eq!(
                keys.authenticate(Credential::ApiKey(wrong)),
                Err(AuthError::INVALID),
                "{wrong:?}"
            );
        }
        assert_eq!(
            keys.authenticate(Credential::Bearer("k-ci-2")),
            Err(AuthError::INVALID),
            "a bearer token is no API key"
        );
    }

    #[test]
    fn unnamed_keys_are_named_by_hash_prefix_and_hashes_load() {
        // printf %s secret | sha256sum
        let digest = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";
        let keys = ApiKeys::new(["secret"]);
        let p = keys.authenticate(Credential::ApiKey("secret")).unwrap();
        assert_eq!(p.subject, format!("key-{}", &digest[..16]));
        let keys = ApiKeys::default()
            .hashed("ops", &digest.to_ascii_uppercase())
            .unwrap();
        assert_eq!(keys.len(), 1);
        let p = keys.authenticate(Credential::ApiKey("secret")).unwrap();
        assert_eq!(p.subject, "ops");
        assert!(ApiKeys::default().hashed("bad", "abc").is_err());
        assert!(ApiKeys::default().hashed("bad", &"zz".repeat(32)).is_err());
        assert!(!format!("{keys:?}").contains(digest));
    }
}
