//! The reference page as plain data, built once from the model and rendered twice (HTML and
//! Markdown), so the two formats always say the same thing.

/// One package's reference page.
pub struct Page {
    pub package: String,
    pub version: String,
    /// Top-level groups in order: Services, Channels, Types, Events, Errors.
    pub groups: Vec<Group>,
}

/// A titled list of sections ("Services").
pub struct Group {
    pub anchor: String,
    pub title: &'static str,
    pub sections: Vec<Section>,
}

/// One service, operation, channel or declaration.
pub struct Section {
    pub anchor: String,
    pub title: String,
    /// What it is: `struct`, `service`, `op`, `channel`…
    pub kind: String,
    pub deprecated: Option<String>,
    pub since: Option<String>,
    /// Doc comment (CommonMark).
    pub docs: Option<String>,
    /// Label–value lines ("HTTP", "gRPC", "Address"…).
    pub facts: Vec<(String, Vec<Inline>)>,
    pub table: Option<Table>,
    pub children: Vec<Section>,
}

impl Section {
    pub fn new(anchor: String, title: String, kind: &str) -> Section {
        Section {
            anchor,
            title,
            kind: kind.to_string(),
            deprecated: None,
            since: None,
            docs: None,
            facts: Vec::new(),
            table: None,
            children: Vec::new(),
        }
    }

    pub fn fact(&mut self, label: &str, value: Vec<Inline>) {
        self.facts.push((label.to_string(), value));
    }
}

pub struct Table {
    pub head: Vec<&'static str>,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub anchor: Option<String>,
    pub deprecated: bool,
    pub cells: Vec<Vec<Inline>>,
}

/// Inline content of a fact or a table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    /// A link to an anchor, on this page (`page: None`) or another package's page.
    Link {
        text: String,
        page: Option<String>,
        anchor: String,
    },
    /// A short highlighted word: `optional`, `deprecated`, `stream`.
    Badge(String),
    /// A doc comment (CommonMark).
    Markdown(String),
}

pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}
