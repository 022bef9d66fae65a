//! `accord build --watch` (as `tsc --watch`, `tsp compile --watch`): build, then build again
//! whenever a source changes, until interrupted.
//!
//! Only the files that changed are parsed again: each build hands the previous compilation to
//! `accord_idl::compile_again`, which takes over the syntax trees of files read with the same
//! text. Everything after parsing (resolution, checks, emitters) runs again, as it depends on
//! every file.
//!
//! Changes are found by polling, not by OS notifications (the `notify` crate): an API is tens
//! or hundreds of small files, and one `stat` of each every 200 ms costs next to nothing,
//! needs no dependency, behaves the same on every platform and on network and container
//! mounts (where inotify misses writes made from the other side), and cannot overflow an event
//! queue. A change is a file's length or modification time differing, a watched file
//! appearing or disappearing, or the set of `.accord` files under an input folder changing.

use crate::build::{BuildArgs, build_again};
use accord_idl::Compilation;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

/// How often the sources are looked at.
const POLL: Duration = Duration::from_millis(200);

/// Builds, then builds again on every change. Returns only when the inputs cannot be listed
/// at the start (a usage error); otherwise runs until the process is interrupted.
pub fn run(args: &BuildArgs) -> ExitCode {
    if let Err(message) = crate::inputs::expand(&args.inputs, &args.include) {
        eprintln!("error: {}", crate::output::escaped(&message));
        return ExitCode::from(2);
    }
    let mut previous: Option<Compilation> = None;
    loop {
        // Taken before building, so a change made while building triggers the next round.
        let seen = State::now(args, previous.as_ref());
        let started = Instant::now();
        previous = build_again(args, previous);
        if let Some(c) = &previous {
            let files = c.sources.len();
            let parsed = files - c.reused().len();
            eprintln!(
                "[watch] built in {} ms ({parsed} of {files} files parsed); waiting for changes",
                started.elapsed().as_millis()
            );
        }
        while State::now(args, previous.as_ref()) == seen {
            std::thread::sleep(POLL);
        }
    }
}

/// What the watched files look like: each path with its length and modification time (`None`
/// when it cannot be read).
#[derive(PartialEq, Eq)]
struct State(Vec<(PathBuf, Option<(u64, SystemTime)>)>);

impl State {
    /// The files of the inputs (folders listed again, so new files count) and every file the
    /// last compilation read (imports included).
    fn now(args: &BuildArgs, last: Option<&Compilation>) -> State {
        let mut paths: Vec<PathBuf> = crate::inputs::expand(&args.inputs, &args.include)
            .map(|inputs| inputs.files)
            .unwrap_or_default();
        if let Some(c) = last {
            paths.extend(c.sources.iter().map(|(_, f)| f.path.clone()));
        }
        paths.sort();
        paths.dedup();
        let stamp = |path: &PathBuf| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        State(
            paths
                .into_iter()
                .map(|p| (stamp(&p), p))
                .map(|(s, p)| (p, s))
                .collect(),
        )
    }
}
