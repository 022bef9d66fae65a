//! The build.rs entry point: compiles `.accord` files and writes the Rust target to `OUT_DIR`.
//!
//! ```ignore
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     accord_codegen::Builder::new().compile(&["api/order.accord"])?;
//!     Ok(())
//! }
//! // src/lib.rs
//! accord::include_api!("api");
//! ```

use crate::rust::{self, Options};
use std::fmt;
use std::path::{Path, PathBuf};

/// Configures and runs the Rust generator from a build script.
#[derive(Clone, Debug)]
pub struct Builder {
    options: Options,
    name: String,
    out_dir: Option<PathBuf>,
    cargo_directives: bool,
    threads: usize,
    documents: bool,
}

/// Why a build failed: the rendered diagnostics, an I/O problem or a bad option.
///
/// `Debug` writes the same text as `Display`, as `anyhow::Error` does: a build script's
/// `fn main() -> Result<(), Box<dyn Error>>` prints its error with `Debug`, and a report must
/// reach the user as `accord check` prints it, one line per line, not as an escaped string.
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// Every service, proxy and skeleton, written to `$OUT_DIR/accord/api/`.
    pub fn new() -> Builder {
        Builder {
            options: Options::default(),
            name: "api".to_owned(),
            out_dir: None,
            cargo_directives: true,
            threads: 1,
            documents: false,
        }
    }

    /// Only these services (short or qualified names); types are always generated.
    pub fn services<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, names: I) -> &mut Self {
        self.options.services = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The transports to generate skeletons and proxies for (default: REST and messaging; see
    /// `Transport::ALL` and `Transport::from_name` for the names).
    pub fn transports(
        &mut self,
        transports: impl IntoIterator<Item = crate::rust::Transport>,
    ) -> &mut Self {
        self.options.transports = transports.into_iter().collect();
        self
    }

    /// Whether to generate the proxies of each transport and the routing client (default true).
    pub fn client(&mut self, yes: bool) -> &mut Self {
        self.options.client = yes;
        self
    }

    /// Whether to generate the skeletons of each transport (default true).
    pub fn server(&mut self, yes: bool) -> &mut Self {
        self.options.server = yes;
        self
    }

    /// Whether to also generate a `Fake` per service, a test double whose operations are
    /// `accord::testing::Stub`s (default false; a crate of test support turns it on).
    pub fn fakes(&mut self, yes: bool) -> &mut Self {
        self.options.fakes = yes;
        self
    }

    /// An extra derive on every generated struct and union (`"Eq"`, `"Hash"`).
    pub fn derive(&mut self, path: impl Into<String>) -> &mut Self {
        self.options.derives.push(path.into());
        self
    }

    /// An extra attribute on every generated type, as written (`"#[non_exhaustive]"`).
    pub fn attribute(&mut self, attribute: impl Into<String>) -> &mut Self {
        self.options.attributes.push(attribute.into());
        self
    }

    /// The name `accord::include_api!` takes (default `"api"`): the output goes to
    /// `$OUT_DIR/accord/<name>/`.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self
    }

    /// Writes to `dir` itself instead of `$OUT_DIR/accord/<name>/`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default true; off outside build.rs).
    pub fn cargo_directives(&mut self, yes: bool) -> &mut Self {
        self.cargo_directives = yes;
        self
    }

    /// How many threads compiling and generating may use (default 1: cargo already runs
    /// one job per core, and a build script that started a thread per core on top would
    /// overcommit them; `0` means every core).
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }

    /// Whether to write each service's OpenAPI and AsyncAPI documents beside the code (default
    /// false), with `api::documents::of("pkg.Service")` returning them as `accord::Documents`
    /// for `ServerConfig::with_documents`: the server then serves its own contract.
    pub fn documents(&mut self, yes: bool) -> &mut Self {
        self.documents = yes;
        self
    }

    /// Compiles `roots` (and everything they import) and writes `mod.rs` plus one file per
    /// package. Returns the output folder.
    pub fn compile<P: AsRef<Path>>(&self, roots: &[P]) -> Result<PathBuf, BuildError> {
        let threads = match self.threads {
            0 => accord_idl::parallel::cores(),
            n => n,
        };
        accord_idl::parallel::with_threads(threads, || self.compile_now(roots))
    }

    fn compile_now<P: AsRef<Path>>(&self, roots: &[P]) -> Result<PathBuf, BuildError> {
        self.options.check().map_err(BuildError)?;
        let roots: Vec<PathBuf> = roots.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let mut loader = |path: &Path| std::fs::read_to_string(path);
        let compilation = accord_idl::compile(&roots, &mut loader);
        if self.cargo_directives {
            for path in tracked(&compilation, &roots) {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        if compilation.has_errors() {
            let rendered =
                accord_idl::render::human(&compilation.sources, &compilation.diagnostics);
            return Err(BuildError(rendered));
        }
        let dir = self.output_dir()?;
        let mut files = rust::emit(&compilation.model, &self.options);
        if self.options.transports.contains(&rust::Transport::Grpc) {
            let set = descriptor_set(&compilation.model)?;
            if let Some(tree) = files.iter_mut().find(|f| f.path.as_os_str() == "mod.rs") {
                tree.contents.push_str(&descriptor_const(&set));
            }
        }
        if self.documents {
            add_documents(&compilation.model, &mut files);
        }
        write_all(&dir, files)?;
        Ok(dir)
    }

    fn output_dir(&self) -> Result<PathBuf, BuildError> {
        if let Some(dir) = &self.out_dir {
            return Ok(dir.clone());
        }
        let out = std::env::var_os("OUT_DIR").ok_or_else(|| {
            BuildError(
                "OUT_DIR is not set: call Builder::compile from build.rs or set out_dir".into(),
            )
        })?;
        Ok(PathBuf::from(out).join("accord").join(&self.name))
    }
}

/// The `FileDescriptorSet` of every emitted `.proto` file (imports included): the emitted text
/// compiled by protox, in pure Rust, so no build needs protoc. gRPC reflection serves it.
pub fn descriptor_set(model: &accord_idl::Model) -> Result<Vec<u8>, BuildError> {
    use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
    struct Emitted(std::collections::BTreeMap<String, String>);
    impl FileResolver for Emitted {
        fn open_file(&self, name: &str) -> Result<File, protox::Error> {
            match self.0.get(name) {
                Some(text) => File::from_source(name, text),
                None => Err(protox::Error::file_not_found(name)),
            }
        }
    }
    let emitted: std::collections::BTreeMap<String, String> = crate::proto::emit(model)
        .into_iter()
        .map(|f| {
            (
                f.path
                    .to_string_lossy()
                    .replace(std::path::MAIN_SEPARATOR, "/"),
                f.contents,
            )
        })
        .collect();
    let names: Vec<String> = emitted.keys().cloned().collect();
    let mut resolver = ChainFileResolver::new();
    resolver.add(Emitted(emitted));
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(false);
    compiler
        .open_files(&names)
        .map_err(|e| BuildError(format!("the emitted .proto files do not compile: {e}")))?;
    Ok(compiler.encode_file_descriptor_set())
}

/// The OpenAPI and AsyncAPI documents under `openapi/` and `asyncapi/`, and `documents::of` at
/// the root of the generated tree, which `include_str!`s them.
fn add_documents(model: &accord_idl::Model, files: &mut Vec<crate::OutputFile>) {
    let documents = document_files(model);
    // Debug of a `str` is a Rust string literal of it.
    let text = documents_module(model, &documents, |path, _| {
        format!("include_str!({path:?})")
    });
    if let Some(tree) = files.iter_mut().find(|f| f.path.as_os_str() == "mod.rs") {
        tree.contents.push_str(&text);
    }
    files.extend(documents);
}

/// Each service's OpenAPI and AsyncAPI documents (YAML and JSON), under `openapi/` and
/// `asyncapi/`: what `Builder::documents` writes beside the code.
pub fn document_files(model: &accord_idl::Model) -> Vec<crate::OutputFile> {
    let mut documents = Vec::new();
    for (folder, emitted) in [
        ("openapi", crate::openapi::emit(model)),
        ("asyncapi", crate::asyncapi::emit(model)),
    ] {
        for mut file in emitted {
            file.path = Path::new(folder).join(&file.path);
            documents.push(file);
        }
    }
    documents
}

/// The `documents` module (`documents::of(service)`) over `documents` (from
/// [`document_files`]). `text(path, contents)` writes the Rust expression of one document's
/// text, given its path (`openapi/pkg.Service.yaml`, with `/`) and contents: an `include_str!`
/// of the file written beside the code (the `Builder`), or the text as a literal (the macro).
pub fn documents_module(
    model: &accord_idl::Model,
    documents: &[crate::OutputFile],
    text: impl Fn(&str, &str) -> String,
) -> String {
    let find = |folder: &str, service: &str, ext: &str| {
        let path = Path::new(folder).join(format!("{service}.{ext}"));
        documents.iter().find(|f| f.path == path)
    };
    let mut module = String::from(
        "\n/// The services' own OpenAPI and AsyncAPI documents (`Builder::documents`, the macro's `documents = true`).\n\
         pub mod documents {\n    \
         /// The documents of `service` (a qualified name: `pkg.Service`) for\n    \
         /// `ServerConfig::with_documents`; `None` for a service the API does not have.\n    \
         pub fn of(service: &str) -> ::core::option::Option<::accord::Documents> {\n        \
         match service {\n",
    );
    for id in model.service_ids() {
        let name = model.qualified_service_name(id);
        let document = |folder: &str| {
            let (Some(yaml), Some(json)) =
                (find(folder, &name, "yaml"), find(folder, &name, "json"))
            else {
                return "::core::option::Option::None".to_owned();
            };
            let form = |ext: &str, file: &crate::OutputFile| {
                text(&format!("{folder}/{name}.{ext}"), &file.contents)
            };
            format!(
                "::core::option::Option::Some(::accord::Document {{ yaml: {}, json: {} }})",
                form("yaml", yaml),
                form("json", json)
            )
        };
        module.push_str(&format!(
            "            {name:?} => ::core::option::Option::Some(::accord::Documents {{\n                \
             openapi: {},\n                asyncapi: {},\n            }}),\n",
            document("openapi"),
            document("asyncapi")
        ));
    }
    module.push_str("            _ => ::core::option::Option::None,\n        }\n    }\n}\n");
    module
}

/// `pub const FILE_DESCRIPTOR_SET: &[u8] = b"…";` at the root of the generated tree.
fn descriptor_const(set: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::from(
        "\n/// The `FileDescriptorSet` of the API's `.proto` files (imports included), compiled at \
         build time\n/// without protoc: what gRPC reflection serves.\n\
         pub const FILE_DESCRIPTOR_SET: &[u8] = b\"",
    );
    for byte in set {
        let _ = write!(text, "\\x{byte:02x}");
    }
    text.push_str("\";\n");
    text
}

/// Every file the build depends on: the roots (even when missing, so creating one reruns the
/// build) and every source read, imports included; sorted, each once.
fn tracked(compilation: &accord_idl::Compilation, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = compilation
        .sources
        .iter()
        .map(|(_, file)| file.path.clone())
        .chain(roots.iter().cloned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Writes every file, leaving a file whose contents did not change untouched (so its
/// modification time does not trigger rebuilds).
fn write_all(dir: &Path, files: Vec<crate::OutputFile>) -> Result<(), BuildError> {
    let io = |path: &Path, e: std::io::Error| BuildError(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for file in files {
        let path = dir.join(&file.path);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == file.contents) {
            continue;
        }
        // The documents go in folders of their own (`openapi/`, `asyncapi/`).
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| io(folder, e))?;
        }
        std::fs::write(&path, file.contents).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: &str =
        "package shop.common;\nversion 1.0.0;\nstruct Money { amount: i64 = 1; }\n";
    const ORDERS: &str = r#"package shop.orders;
version 1.0.0;
import "common.accord";
struct Id { id: i64 = 1; }
enum State { OPEN = 1; }
service Orders {
    @http(GET, "/orders/{id}")
    op get(Id) -> Money;
}
service Audit {
    @http(GET, "/audit/{id}")
    op get(Id) -> Id;
}
"#;

    /// A folder with `orders.accord` importing `common.accord`.
    fn api() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("common.accord"), COMMON).expect("write");
        std::fs::write(dir.path().join("orders.accord"), ORDERS).expect("write");
        dir
    }

    fn compile(builder: &mut Builder, dir: &Path) -> String {
        let out = dir.join("out");
        let written = builder
            .cargo_directives(false)
            .out_dir(&out)
            .compile(&[dir.join("orders.accord")])
            .expect("compiles");
        assert_eq!(written, out);
        assert!(out.join("mod.rs").is_file());
        std::fs::read_to_string(out.join("shop.orders.rs")).expect("package file")
    }

    #[test]
    fn imports_are_tracked_for_rebuilds() {
        let dir = api();
        let root = dir.path().join("orders.accord");
        let mut loader = |p: &Path| std::fs::read_to_string(p);
        let compilation = accord_idl::compile(std::slice::from_ref(&root), &mut loader);
        let tracked = tracked(&compilation, std::slice::from_ref(&root));
        assert_eq!(tracked, [dir.path().join("common.accord"), root]);
    }

    #[test]
    fn options_choose_services_sides_and_extras() {
        let dir = api();
        let everything = compile(&mut Builder::new(), dir.path());
        assert!(everything.contains("pub trait Audit"));
        assert!(everything.contains("pub struct Proxy"));
        assert!(everything.contains("pub fn router<"));
        let picked = compile(
            Builder::new()
                .services(["Orders"])
                .client(false)
                .derive("Default")
                .attribute("#[non_exhaustive]"),
            dir.path(),
        );
        assert!(picked.contains("pub trait Orders"));
        assert!(!picked.contains("pub trait Audit"));
        assert!(!picked.contains("pub struct Proxy"));
        assert!(picked.contains("pub fn router<"));
        assert!(picked.contains(", Default, __accord::Message)]\n#[non_exhaustive]\n#[accord("));
        let server_off = compile(Builder::new().server(false), dir.path());
        assert!(!server_off.contains("pub fn router<"));
        assert!(server_off.contains("pub struct Proxy"));
        let no_transport = compile(Builder::new().transports([]), dir.path());
        assert!(no_transport.contains("pub trait Orders"));
        assert!(!no_transport.contains("pub mod rest") && !no_transport.contains("Client"));
    }

    #[test]
    fn errors_are_reported_not_written() {
        let dir = api();
        let bad = Builder::new()
            .cargo_directives(false)
            .derive("not a path")
            .out_dir(dir.path().join("out"))
            .compile(&[dir.path().join("orders.accord")]);
        assert!(bad.unwrap_err().to_string().contains("not a path"));
        std::fs::write(dir.path().join("common.accord"), "package shop.common;\n").expect("write");
        let broken = Builder::new()
            .cargo_directives(false)
            .out_dir(dir.path().join("out"))
            .compile(&[dir.path().join("orders.accord")]);
        assert!(broken.unwrap_err().to_string().contains("error"));
        assert!(!dir.path().join("out").exists());
        let no_out_dir = Builder::new()
            .cargo_directives(false)
            .compile(&[dir.path().join("missing.accord")]);
        assert!(no_out_dir.is_err());
    }

    #[test]
    fn unchanged_files_keep_their_modification_time() {
        let dir = api();
        compile(&mut Builder::new(), dir.path());
        let file = dir.path().join("out/shop.orders.rs");
        let before = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        compile(&mut Builder::new(), dir.path());
        let after = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(before, after);
    }
}
