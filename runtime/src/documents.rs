//! [`Documents`]: a service's own OpenAPI and AsyncAPI documents, which its REST server serves
//! when given them (`docs/wire.md`, "Contract documents"). The `Builder` writes them into the
//! generated code with `.documents(true)` (`api::documents::of("pkg.Service")`).

/// One document in both of its forms, as `accord build` writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub yaml: &'static str,
    pub json: &'static str,
}

/// The documents a service serves about itself; none by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Documents {
    /// Served at `GET /openapi.yaml` and `GET /openapi.json`.
    pub openapi: Option<Document>,
    /// Served at `GET /asyncapi.yaml` and `GET /asyncapi.json`.
    pub asyncapi: Option<Document>,
}

impl Documents {
    /// The text and media type served at `path`, if a document is served there.
    pub fn at(&self, path: &str) -> Option<(&'static str, &'static str)> {
        let (document, form) = match path {
            "/openapi.yaml" => (self.openapi?, Form::Yaml),
            "/openapi.json" => (self.openapi?, Form::Json),
            "/asyncapi.yaml" => (self.asyncapi?, Form::Yaml),
            "/asyncapi.json" => (self.asyncapi?, Form::Json),
            _ => return None,
        };
        Some(match form {
            Form::Yaml => (document.yaml, "application/yaml"),
            Form::Json => (document.json, "application/json"),
        })
    }
}

enum Form {
    Yaml,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_document_at_its_two_paths_and_nothing_else() {
        let openapi = Document {
            yaml: "openapi: 3.0.3",
            json: "{\"openapi\":\"3.0.3\"}",
        };
        let documents = Documents {
            openapi: Some(openapi),
            asyncapi: None,
        };
        assert_eq!(
            documents.at("/openapi.yaml"),
            Some(("openapi: 3.0.3", "application/yaml"))
        );
        assert_eq!(documents.at("/openapi.json").unwrap().1, "application/json");
        assert_eq!(documents.at("/asyncapi.yaml"), None, "not given");
        assert_eq!(documents.at("/openapi"), None);
        assert_eq!(Documents::default().at("/openapi.yaml"), None);
    }
}
