//! One registered instance and where it is stored.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The root of every registration in a registry.
const ROOT: &str = "/accord/services/";

/// What a registration says of one instance of a service: stored as JSON
/// (`{"id":…,"urls":{"rest":…,"grpc":…},"version":…,"health":…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Unique among the service's instances (a host and port, a pod name, a UUID).
    pub id: String,
    /// Its base URL per transport: `rest`, `grpc`.
    pub urls: BTreeMap<String, String>,
    /// The version it runs (free text; the API's or the build's).
    #[serde(default)]
    pub version: String,
    /// Where its readiness is answered (`…/health/ready`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
}

/// An instance or a registration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceError(pub String);

impl std::fmt::Display for InstanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InstanceError {}

impl Instance {
    /// An instance `id` serving REST at `rest_url`, its health at `<rest_url>/health/ready`.
    pub fn rest(id: impl Into<String>, rest_url: impl Into<String>) -> Instance {
        let url: String = rest_url.into();
        let health = format!("{}/health/ready", url.trim_end_matches('/'));
        Instance {
            id: id.into(),
            urls: BTreeMap::from([("rest".to_owned(), url)]),
            version: String::new(),
            health: Some(health),
        }
    }

    /// Also serving `transport` at `url`.
    pub fn with_url(mut self, transport: impl Into<String>, url: impl Into<String>) -> Self {
        self.urls.insert(transport.into(), url.into());
        self
    }

    /// Running `version`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Its URL for `transport`.
    pub fn url(&self, transport: &str) -> Option<&str> {
        self.urls.get(transport).map(String::as_str)
    }

    /// The JSON stored as the registration's value.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an instance is plain data")
    }

    /// An instance read back from a registry; refused when it is not one (a registry is shared:
    /// whatever someone else wrote there is checked, never trusted).
    pub fn from_json(bytes: &[u8]) -> Result<Instance, InstanceError> {
        let instance: Instance = serde_json::from_slice(bytes)
            .map_err(|e| InstanceError(format!("not an instance: {e}")))?;
        check_id(&instance.id)?;
        Ok(instance)
    }
}

/// The key prefix of every instance of `service` (`/accord/services/ftgo.Consumers/`).
pub fn prefix_of(service: &str) -> Result<String, InstanceError> {
    let valid = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(InstanceError(format!(
            "service name {service:?}: expected a qualified name (letters, digits, `.`, `_`, `-`)"
        )));
    }
    Ok(format!("{ROOT}{service}/"))
}

/// The key of one instance of `service`.
pub fn key_of(service: &str, id: &str) -> Result<String, InstanceError> {
    check_id(id)?;
    Ok(format!("{}{id}", prefix_of(service)?))
}

fn check_id(id: &str) -> Result<(), InstanceError> {
    let valid =
        !id.is_empty() && id.len() <= 256 && !id.contains('/') && !id.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(InstanceError(format!(
            "instance id {id:?}: expected 1 to 256 characters, no `/` and no control character"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_round_trip_and_bad_names_are_refused() {
        let instance = Instance::rest("a1", "http://10.0.0.1:8081").with_version("1.2.0");
        assert_eq!(
            Instance::from_json(&instance.to_json()),
            Ok(instance.clone())
        );
        assert_eq!(
            instance.health.as_deref(),
            Some("http://10.0.0.1:8081/health/ready")
        );
        assert_eq!(
            key_of("ftgo.consumer.ConsumerService", "a1").unwrap(),
            "/accord/services/ftgo.consumer.ConsumerService/a1"
        );
        assert!(prefix_of("a/b").is_err() && prefix_of("").is_err());
        assert!(key_of("s", "a/b").is_err() && key_of("s", "").is_err());
        assert!(Instance::from_json(br#"{"id":"x/y","urls":{}}"#).is_err());
        assert!(Instance::from_json(b"[]").is_err());
    }
}
