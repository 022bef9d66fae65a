//! `accord build FILES-OR-DIRS… --out DIR [--target …]` writes every requested target into
//! `DIR/<target>/`; `accord openapi|proto|asyncapi FILE…` print one target's documents on
//! stdout, several as one machine-readable stream (see [`stream`]).
//!
//! Exit codes: 0 done, 1 the sources have errors (the front end's diagnostics are printed) or
//! there is nothing to print, 2 usage and I/O problems.
//!
//! Several targets go into `DIR/<target>/`; one target named with `--target` goes straight into
//! `DIR` (so `--target rust --out DIR` gives `DIR/mod.rs`).
//!
//! Nothing half-written is left behind: every file is first written into a staging folder
//! inside `DIR` (`DIR/.accord-build-*`, same file system), then moved into place by renames: a
//! target's whole folder (replacing the previous one), or each file of a single target. The
//! staging folder is removed when the run ends; a run killed by a signal can leave it, but
//! only inside `DIR`, never beside it.

use crate::publish::{publish, publish_flat, staging_in, write_all};
use accord_codegen::{OutputFile, Target};
use accord_idl::model::ServiceId;
use accord_idl::source::normalize;
use accord_idl::{Compilation, Model, render};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// `.accord` files, or folders searched (recursively) for them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder. Each target goes into `<out>/<target>/`; a single target named with
    /// `--target` goes straight into `<out>` (`--target rust` gives `<out>/mod.rs`).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Targets to write, comma-separated: openapi, proto, asyncapi, jsonschema, docs, rust.
    /// All of them when left out.
    #[arg(long, value_delimiter = ',', value_parser = parse_target)]
    pub target: Vec<Target>,
    /// Another folder imports may come from (repeatable); see `accord check --help`.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Keep running: build again whenever a source changes (an input, a file it imports, a
    /// `.accord` file added to an input folder), parsing only the files that changed. Stop
    /// with Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// The transports the Rust target writes skeletons and proxies for, comma-separated: rest,
    /// messaging, grpc (gRPC needs the `accord` feature `grpc`; the reflection descriptors come
    /// with the build.rs `Builder`).
    #[arg(long, value_delimiter = ',', value_parser = parse_transport, default_value = "rest,messaging")]
    pub rust_transport: Vec<accord_codegen::rust::Transport>,
    /// The Rust target also writes a `Fake` per service: a test double whose operations are
    /// `accord::testing::Stub`s (programmable answers, recorded calls).
    #[arg(long)]
    pub rust_fakes: bool,
    /// A `servers` URL of the OpenAPI documents (repeatable): an absolute `http`/`https` URL,
    /// such as `https://api.example.com/v1`, or a path on the host serving them (`/v1`);
    /// without one they name `/`.
    #[arg(long = "openapi-server", value_name = "URL", value_parser = parse_server)]
    pub openapi_servers: Vec<String>,
}

/// A transport by its name in the registry (`Transport::from_name`): the CLI lists none itself.
fn parse_transport(name: &str) -> Result<accord_codegen::rust::Transport, String> {
    name.parse()
}

/// A `servers` URL for the OpenAPI documents (`--openapi-server`): an absolute `http` or
/// `https` URL with a host (`https://api.example.com/v1`), or a path on the host serving the
/// document (`/v1`). OpenAPI appends each operation's path to it, so it takes no query or
/// fragment; it names no server variables (`{name}`, which would need a `variables` entry), and
/// no user or password (the document is published). Written as URI characters (RFC 3986),
/// non-ASCII ones percent-encoded.
fn parse_server(url: &str) -> Result<String, String> {
    let expected = "expected an http(s) URL such as `https://api.example.com/v1`, or a path \
                    starting with `/`";
    // `[` and `]` only around an IPv6 host, checked below.
    let uri_char = |c: char| c.is_ascii_alphanumeric() || "-._~:/@!$&'()*+,;=%[]".contains(c);
    if let Some(c) = url.chars().find(|&c| !uri_char(c)) {
        let why = match c {
            '?' | '#' => "takes no query or fragment".to_owned(),
            '{' | '}' => "names no server variables".to_owned(),
            c => format!("has `{}`, not a URL character", c.escape_debug()),
        };
        return Err(format!("the server URL {why} ({expected})"));
    }
    let bad_escape = url.split('%').skip(1).any(|rest| {
        let hex = rest.as_bytes().get(..2);
        !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if bad_escape {
        return Err(format!(
            "the server URL has a `%` not followed by two hex digits ({expected})"
        ));
    }
    let bracket = |text: &str| {
        text.contains(['[', ']'])
            .then(|| format!("the server URL has `[` or `]` outside its host ({expected})"))
    };
    if url.starts_with('/') && !url.starts_with("//") {
        return bracket(url).map_or_else(|| Ok(url.to_owned()), Err);
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = ["http://", "https://"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &url[scheme.len()..]))
    else {
        return Err(format!("`{}`: {expected}", url.escape_debug()));
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if let Some(error) = bracket(path) {
        return Err(error);
    }
    if authority.contains('@') {
        return Err(
            "the server URL names a user or password, which the published document \
                    would show"
                .into(),
        );
    }
    if !host_and_port(authority) {
        return Err(format!(
            "`{}` has no valid host ({expected})",
            url.escape_debug()
        ));
    }
    Ok(url.to_owned())
}

/// `host[:port]`: a name (letters, digits, `-`, `.`, percent escapes) or a bracketed IPv6
/// address, and a port of at most 65535.
fn host_and_port(authority: &str) -> bool {
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && (!h.starts_with('[') || h.ends_with(']')) => (h, Some(p)),
        _ => (authority, None),
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65_535)
    });
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok()),
        None => {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.%".contains(c))
        }
    };
    port_ok && host_ok
}

/// Arguments of `accord openapi`, `accord proto` and `accord asyncapi`.
#[derive(clap::Args, Debug)]
pub struct DocumentArgs {
    /// `.accord` files, or folders searched (recursively) for them. The documents printed
    /// are those of the services these files declare, not of the services they import.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Print only the document of this service (`OrderService` or `ftgo.order.OrderService`);
    /// for protobuf, the file of the service's package.
    #[arg(long)]
    pub service: Option<String>,
    /// OpenAPI and AsyncAPI documents as YAML or JSON. One document prints as it is; several
    /// print as one YAML stream (each document after `---` and a `# file: PATH` comment) or
    /// one JSON array. Protobuf files print each after a `// file: PATH` comment line.
    #[arg(long, value_enum, default_value_t = DocFormat::Yaml)]
    pub format: DocFormat,
    /// Another folder imports may come from (repeatable); see `accord check --help`.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// A `servers` URL of the OpenAPI documents (repeatable): an absolute `http`/`https` URL,
    /// such as `https://api.example.com/v1`, or a path on the host serving them (`/v1`);
    /// without one they name `/`.
    #[arg(long = "openapi-server", value_name = "URL", value_parser = parse_server)]
    pub openapi_servers: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocFormat {
    Yaml,
    Json,
}

fn parse_target(name: &str) -> Result<Target, String> {
    Target::from_name(name.trim()).ok_or_else(|| {
        let all: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        format!(
            "unknown target `{name}` (expected one of: {})",
            all.join(", ")
        )
    })
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: Option<String>,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: Some(message.into()),
    }
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(message) = failure.message {
                eprintln!("error: {}", crate::output::escaped(&message));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// `accord build` once (`main` hands `--watch` to `crate::watch`, which builds through
/// [`build_again`]: so this module never calls back into the watcher).
pub fn run(args: &BuildArgs) -> ExitCode {
    finish(build(args))
}

fn build(args: &BuildArgs) -> Result<(), Failure> {
    let model = compile(&args.inputs, &args.include)?;
    write_targets(args, &model)?;
    // The process ends next: the OS reclaims the model at once, faster than freeing every
    // value (as in `accord check`).
    std::mem::forget(model);
    Ok(())
}

/// Emits every target asked for and publishes them into `--out`.
fn write_targets(args: &BuildArgs, model: &Model) -> Result<(), Failure> {
    let targets: BTreeSet<Target> = if args.target.is_empty() {
        Target::ALL.into_iter().collect()
    } else {
        args.target.iter().copied().collect()
    };
    let rust = accord_codegen::rust::Options {
        transports: args.rust_transport.clone(),
        fakes: args.rust_fakes,
        ..Default::default()
    };
    let emit = |target| match target {
        Target::Rust => accord_codegen::rust::emit(model, &rust),
        Target::OpenApi => openapi(model, &args.openapi_servers),
        _ => accord_codegen::emit(model, target),
    };
    let written = |e: std::io::Error| usage(format!("{}: {e}", args.out.display()));
    // One target named with `--target` goes straight into `--out`.
    let single = targets
        .first()
        .filter(|_| targets.len() == 1 && !args.target.is_empty());
    if let Some(&target) = single {
        let files = emit(target);
        publish_flat(&args.out, &files).map_err(written)?;
        report_written(target, files.len(), &args.out);
        return Ok(());
    }
    // Each target is written into the staging folder as soon as it is emitted, and freed: the
    // next emitter reuses that memory instead of touching fresh pages the kernel must zero
    // (peak memory is the largest target's, not the sum of all of them).
    let staging = staging_in(&args.out).map_err(written)?;
    let mut counts = Vec::with_capacity(targets.len());
    for &target in &targets {
        let files = emit(target);
        write_all(&staging.path().join(target.name()), &files).map_err(written)?;
        counts.push((target, files.len()));
    }
    publish(&args.out, staging.path(), &targets).map_err(written)?;
    for (target, count) in counts {
        report_written(target, count, &args.out.join(target.name()));
    }
    Ok(())
}

/// One build of `--watch`: compiles (reusing the unchanged files of `previous`), prints the
/// diagnostics and, when there is no error, writes the targets. Returns the compilation for
/// the next round, or gives `previous` back when the inputs cannot even be listed.
pub(crate) fn build_again(args: &BuildArgs, previous: Option<Compilation>) -> Option<Compilation> {
    let mut inputs = match crate::inputs::expand(&args.inputs, &args.include) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("error: {}", crate::output::escaped(&message));
            return previous;
        }
    };
    let (files, include) = (&inputs.files, &inputs.include);
    let compilation = match previous {
        Some(p) => accord_idl::compile_again(p, files, include, &mut inputs.loader),
        None => accord_idl::compile_in(files, include, &mut inputs.loader),
    };
    report(&compilation);
    if !compilation.has_errors()
        && let Err(failure) = write_targets(args, &compilation.model)
        && let Some(message) = failure.message
    {
        eprintln!("error: {}", crate::output::escaped(&message));
    }
    Some(compilation)
}

/// The OpenAPI documents, with `--openapi-server`s.
fn openapi(model: &Model, servers: &[String]) -> Vec<OutputFile> {
    let options = accord_codegen::openapi::Options {
        servers: servers.to_vec(),
    };
    accord_codegen::openapi::emit_with(model, &options)
}

fn report_written(target: Target, files: usize, folder: &Path) {
    println!(
        "{:>10} {files} files in {}",
        target.name(),
        crate::output::shown(folder)
    );
}

/// `accord openapi`.
pub fn run_openapi(args: &DocumentArgs) -> ExitCode {
    finish(print_documents(Target::OpenApi, args))
}

/// `accord proto`.
pub fn run_proto(args: &DocumentArgs) -> ExitCode {
    finish(print_documents(Target::Proto, args))
}

/// `accord asyncapi`.
pub fn run_asyncapi(args: &DocumentArgs) -> ExitCode {
    finish(print_documents(Target::AsyncApi, args))
}

fn print_documents(target: Target, args: &DocumentArgs) -> Result<(), Failure> {
    let compiled = compile_keeping_spans(&args.inputs, &args.include)?;
    let files = match target {
        Target::OpenApi => openapi(&compiled.model, &args.openapi_servers),
        _ => accord_codegen::emit(&compiled.model, target),
    };
    let files = select(&compiled, target, args, files)?;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(stream(target, args.format, &files).as_bytes());
    Ok(())
}

/// What stdout gets: one document as it is; several as one machine-readable stream. YAML: a
/// YAML stream, each document after `---` and a `# file:` comment. JSON: one array of the
/// documents, in file order. Protobuf has no multi-file form: each file after a
/// `// file: PATH` comment line.
fn stream(target: Target, format: DocFormat, files: &[OutputFile]) -> String {
    if let [one] = files {
        return one.contents.clone();
    }
    let mut out = String::new();
    match (target, format) {
        (Target::Proto, _) => {
            for (i, file) in files.iter().enumerate() {
                let gap = if i > 0 { "\n" } else { "" };
                out.push_str(&format!("{gap}// file: {}\n", file.path.display()));
                out.push_str(&file.contents);
            }
        }
        (_, DocFormat::Yaml) => {
            for file in files {
                out.push_str(&format!("---\n# file: {}\n", file.path.display()));
                out.push_str(&file.contents);
            }
        }
        (_, DocFormat::Json) => {
            let documents: Vec<&str> = files.iter().map(|f| f.contents.trim_end()).collect();
            out = format!("[\n{}\n]\n", documents.join(",\n"));
        }
    }
    out
}

/// The documents to print: one format; one service's when `--service` names it, else those
/// of the services declared in the files named (not in the files they import); protobuf
/// keeps every package, since its files import one another.
fn select(
    compiled: &Compiled,
    target: Target,
    args: &DocumentArgs,
    files: Vec<OutputFile>,
) -> Result<Vec<OutputFile>, Failure> {
    let model = &compiled.model;
    let extension = match (target, args.format) {
        (Target::Proto, _) => "proto",
        (_, DocFormat::Yaml) => "yaml",
        (_, DocFormat::Json) => "json",
    };
    let mut files: Vec<OutputFile> = files
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == extension))
        .collect();
    let named = |id| format!("{}.{extension}", model.qualified_service_name(id));
    if let Some(wanted) = &args.service {
        let id = find_service(model, wanted)?;
        let stem = match target {
            Target::Proto => accord_codegen::proto::file_path(model, model.service(id).package),
            _ => named(id),
        };
        files.retain(|f| f.path == Path::new(&stem));
    } else if target != Target::Proto {
        let own: BTreeSet<String> = compiled
            .named_services
            .iter()
            .map(|&id| named(id))
            .collect();
        files.retain(|f| own.contains(&f.path.display().to_string()));
    }
    if files.is_empty() {
        let (what, hint) = match &args.service {
            Some(s) => (format!(" for `{s}`"), ""),
            None => services_named(compiled),
        };
        return Err(Failure {
            code: 1,
            message: Some(format!(
                "no {} document{what}: {}{hint}",
                target.name(),
                why_none(target)
            )),
        });
    }
    Ok(files)
}

/// ` for A, B` (the services of the files named), or ` for the files named` when they
/// declare none; and a hint when imported files declare services (`--service` prints theirs).
fn services_named(compiled: &Compiled) -> (String, &'static str) {
    let names: Vec<String> = compiled
        .named_services
        .iter()
        .map(|&id| format!("`{}`", compiled.model.qualified_service_name(id)))
        .collect();
    let imported = compiled.model.service_ids().count() > names.len();
    let hint = if imported {
        " (to print a service of an imported file, name it with `--service`)"
    } else {
        ""
    };
    let what = if names.is_empty() {
        " for the files named, which declare no service".to_owned()
    } else {
        format!(" for {}", names.join(", "))
    };
    (what, hint)
}

fn why_none(target: Target) -> &'static str {
    match target {
        Target::OpenApi => "only services with @http operations get one",
        Target::AsyncApi => {
            "only services that publish, subscribe or bind operations to channels get one"
        }
        _ => "the sources declare nothing for it",
    }
}

fn find_service(model: &Model, wanted: &str) -> Result<ServiceId, Failure> {
    let matches: Vec<_> = model
        .service_ids()
        .filter(|&id| {
            model.service(id).name == wanted || model.qualified_service_name(id) == wanted
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => {
            let known: Vec<String> = model
                .service_ids()
                .map(|id| model.qualified_service_name(id))
                .collect();
            Err(usage(format!(
                "no service `{wanted}` (known: {})",
                known.join(", ")
            )))
        }
        _ => Err(usage(format!(
            "`{wanted}` names several services: qualify it with its package"
        ))),
    }
}

/// Compiles the inputs; errors print the front end's diagnostics and fail with exit code 1.
fn compile(inputs: &[PathBuf], include: &[PathBuf]) -> Result<Model, Failure> {
    Ok(compile_keeping_spans(inputs, include)?.model)
}

/// A checked model, and which of its services the files named on the command line declare
/// (the others come from imports).
struct Compiled {
    model: Model,
    named_services: Vec<ServiceId>,
}

fn compile_keeping_spans(inputs: &[PathBuf], include: &[PathBuf]) -> Result<Compiled, Failure> {
    let mut inputs = crate::inputs::expand(inputs, include).map_err(usage)?;
    let mut compilation =
        accord_idl::compile_in(&inputs.files, &inputs.include, &mut inputs.loader);
    report(&compilation);
    if compilation.has_errors() {
        return Err(Failure {
            code: 1,
            message: None,
        });
    }
    let roots: BTreeSet<PathBuf> = inputs.files.iter().map(|f| normalize(f)).collect();
    let named_services = compilation
        .model
        .service_ids()
        .filter(|id| {
            let file = compilation.spans.services[id.index()].whole.file;
            roots.contains(&compilation.sources.get(file).path)
        })
        .collect();
    let model = std::mem::take(&mut compilation.model);
    // The process ends soon: the OS reclaims the syntax trees faster than freeing them would.
    std::mem::forget(compilation);
    Ok(Compiled {
        model,
        named_services,
    })
}

/// Prints diagnostics (warnings too) to stderr.
fn report(compilation: &Compilation) {
    if !compilation.diagnostics.is_empty() {
        eprint!(
            "{}",
            render::human(&compilation.sources, &compilation.diagnostics)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_server;

    #[test]
    fn servers_are_http_urls_with_a_host_or_paths() {
        for ok in [
            "/",
            "/v1",
            "/api/v1%20beta",
            "https://api.example.com/v1",
            "HTTP://localhost:8080",
            "http://127.0.0.1",
            "http://[::1]:8080/x",
        ] {
            assert_eq!(parse_server(ok).as_deref(), Ok(ok), "{ok}");
        }
        for (bad, why) in [
            ("", "expected an http(s) URL"),
            ("api.example.com", "expected an http(s) URL"),
            ("v1", "expected an http(s) URL"),
            ("//api.example.com/v1", "expected an http(s) URL"),
            ("ftp://example.com", "expected an http(s) URL"),
            ("javascript:alert(1)", "expected an http(s) URL"),
            ("https://", "no valid host"),
            ("https:///v1", "no valid host"),
            ("http://localhost:99999", "no valid host"),
            ("http://localhost:", "no valid host"),
            ("http://[zz]:80", "no valid host"),
            ("https://user:secret@api.example.com", "user or password"),
            ("https://api.example.com/v1?x=1", "no query or fragment"),
            ("/v1#top", "no query or fragment"),
            ("https://{region}.example.com", "no server variables"),
            ("https://api.example.com/a b", "not a URL character"),
            ("/é", "not a URL character"),
            ("/a\nb", "not a URL character"),
            ("/a[1]", "outside its host"),
            ("http://[::1]/a]", "outside its host"),
            ("/100%", "two hex digits"),
        ] {
            let error = parse_server(bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
    }
}
