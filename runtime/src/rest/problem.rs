//! RFC 9457 problem details, with Accord's `violations` extension: how the REST transport
//! carries a [`Status`](crate::Status) and the skeleton's own rejections.

pub use crate::validate::Violation;
use serde::{Deserialize, Serialize};

/// The media type of a [`Problem`] body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem body (`application/problem+json`).
///
/// Accord uses `type` `about:blank`, so `title` is the status's reason phrase and `detail` says
/// what happened. Extension members other than `violations` land in `extensions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    /// Short summary: the HTTP reason phrase.
    #[serde(default)]
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every violation found in the input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Other extension members.
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    /// A problem for `status` with its reason phrase as title.
    pub fn new(status: u16) -> Self {
        let title = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        Problem {
            kind: about_blank(),
            title: title.to_owned(),
            status,
            detail: None,
            violations: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// Sets `detail`.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A 400 listing the input's violations.
    pub fn invalid(violations: Vec<Violation>) -> Self {
        let detail = format!("the input breaks {} rule(s)", violations.len());
        Problem {
            violations,
            ..Problem::new(400).with_detail(detail)
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.title)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        for v in &self.violations {
            write!(f, "; {}: {}", v.field, v.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_as_rfc_9457_with_violations() {
        let p = Problem::invalid(vec![Violation {
            field: "line_items[0].quantity".into(),
            message: "must be at least 1".into(),
        }]);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            json!({"type": "about:blank", "title": "Bad Request", "status": 400,
                   "detail": "the input breaks 1 rule(s)",
                   "violations": [{"field": "line_items[0].quantity", "message": "must be at least 1"}]})
        );
        assert_eq!(serde_json::from_value::<Problem>(v).unwrap(), p);
    }

    #[test]
    fn reads_foreign_problems() {
        let p: Problem = serde_json::from_value(json!({"status": 503, "retry": 3})).unwrap();
        assert_eq!((p.kind.as_str(), p.status), ("about:blank", 503));
        assert_eq!(p.extensions["retry"], json!(3));
    }
}
