//! `accord build FILES-OR-DIRS… --out DIR [--target …]` writes every requested target into
//! `DIR/<target>/`; `accord openapi|proto|asyncapi FILE…` print one target's documents.
//!
//! Exit codes: 0 done, 1 the sources have errors (the front end's diagnostics are printed) or
//! there is nothing to print, 2 usage and I/O problems.
//!
//! Nothing half-written is left behind: every file is first written into a staging folder
//! beside `DIR` (same file system), then each target's folder is moved into place by one rename,
//! replacing the previous one.

use accord_codegen::{OutputFile, Target};
use accord_idl::{Compilation, Model, render};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// `.accord` files, or folders searched (recursively) for them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder; each target goes into `<out>/<target>/`.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Targets to write, comma-separated: openapi, proto, asyncapi, jsonschema, docs, rust.
    /// All of them when left out.
    #[arg(long, value_delimiter = ',', value_parser = parse_target)]
    pub target: Vec<Target>,
}

/// Arguments of `accord openapi`, `accord proto` and `accord asyncapi`.
#[derive(clap::Args, Debug)]
pub struct DocumentArgs {
    /// `.accord` files, or folders searched (recursively) for them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Print only the document of this service (`OrderService` or `ftgo.order.OrderService`);
    /// for protobuf, the file of the service's package.
    #[arg(long)]
    pub service: Option<String>,
    /// OpenAPI and AsyncAPI documents as YAML or JSON.
    #[arg(long, value_enum, default_value_t = DocFormat::Yaml)]
    pub format: DocFormat,
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
                eprintln!("error: {message}");
            }
            ExitCode::from(failure.code)
        }
    }
}

/// `accord build`.
pub fn run(args: &BuildArgs) -> ExitCode {
    finish(build(args))
}

fn build(args: &BuildArgs) -> Result<(), Failure> {
    let model = compile(&args.inputs)?;
    let targets: BTreeSet<Target> = if args.target.is_empty() {
        Target::ALL.into_iter().collect()
    } else {
        args.target.iter().copied().collect()
    };
    let outputs: Vec<(Target, Vec<OutputFile>)> = targets
        .into_iter()
        .map(|t| (t, accord_codegen::emit(&model, t)))
        .collect();
    publish(&args.out, &outputs).map_err(|e| usage(format!("{}: {e}", args.out.display())))?;
    for (target, files) in &outputs {
        let folder = args.out.join(target.name());
        println!(
            "{:>10} {} files in {}",
            target.name(),
            files.len(),
            folder.display()
        );
    }
    Ok(())
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
    let model = compile(&args.inputs)?;
    let files = accord_codegen::emit(&model, target);
    let files = select(&model, target, args, files)?;
    let comment = if target == Target::Proto { "//" } else { "#" };
    let mut out = std::io::stdout().lock();
    let several = files.len() > 1;
    for (i, file) in files.iter().enumerate() {
        if several {
            let gap = if i > 0 { "\n" } else { "" };
            let _ = writeln!(out, "{gap}{comment} file: {}", file.path.display());
        }
        let _ = out.write_all(file.contents.as_bytes());
    }
    Ok(())
}

/// The documents to print: one format, and one service's when `--service` names it.
fn select(
    model: &Model,
    target: Target,
    args: &DocumentArgs,
    files: Vec<OutputFile>,
) -> Result<Vec<OutputFile>, Failure> {
    let extension = match (target, args.format) {
        (Target::Proto, _) => "proto",
        (_, DocFormat::Yaml) => "yaml",
        (_, DocFormat::Json) => "json",
    };
    let mut files: Vec<OutputFile> = files
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == extension))
        .collect();
    if let Some(wanted) = &args.service {
        let id = find_service(model, wanted)?;
        let stem = match target {
            Target::Proto => accord_codegen::proto::file_path(model, model.service(id).package),
            _ => format!("{}.{extension}", model.qualified_service_name(id)),
        };
        files.retain(|f| f.path == Path::new(&stem));
    }
    if files.is_empty() {
        let what = args
            .service
            .as_deref()
            .map_or(String::new(), |s| format!(" for `{s}`"));
        return Err(Failure {
            code: 1,
            message: Some(format!(
                "no {} document{what}: {}",
                target.name(),
                why_none(target)
            )),
        });
    }
    Ok(files)
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

fn find_service(model: &Model, wanted: &str) -> Result<accord_idl::model::ServiceId, Failure> {
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
fn compile(inputs: &[PathBuf]) -> Result<Model, Failure> {
    let roots = crate::inputs::expand(inputs).map_err(usage)?;
    let compilation = accord_idl::compile(&roots, &mut crate::inputs::read);
    report(&compilation);
    if compilation.has_errors() {
        return Err(Failure {
            code: 1,
            message: None,
        });
    }
    Ok(compilation.model)
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

/// Writes every target into a staging folder beside `out`, then moves each target's folder
/// into place, replacing the old one. The staging folder is removed whatever happens.
fn publish(out: &Path, outputs: &[(Target, Vec<OutputFile>)]) -> std::io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".accord-build-")
        .tempdir_in(&parent)?;
    for (target, files) in outputs {
        write_all(&staging.path().join(target.name()), files)?;
    }
    std::fs::create_dir_all(out)?;
    let retired = staging.path().join(".previous");
    std::fs::create_dir(&retired)?;
    for (target, _) in outputs {
        let fresh = staging.path().join(target.name());
        let destination = out.join(target.name());
        if destination.exists() {
            std::fs::rename(&destination, retired.join(target.name()))?;
        }
        std::fs::rename(&fresh, &destination)?;
    }
    Ok(())
}

fn write_all(folder: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for file in files {
        let relative = &file.path;
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            let message = format!(
                "refusing to write outside the output folder: {}",
                relative.display()
            );
            return Err(std::io::Error::other(message));
        }
        let path = folder.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.contents)?;
    }
    Ok(())
}
