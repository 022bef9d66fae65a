//! Command-line paths to the front end's inputs, and the disk [`Loader`] every command uses.
//!
//! Folders are searched (recursively, in path order, so runs are deterministic) for `.accord`
//! files. Every command that takes sources goes through here, so `accord check DIR` and
//! `accord build DIR` see the same files.
//!
//! The sources may come from someone the machine does not trust (a pull request checked in
//! CI), so reading is confined:
//! - imports stay inside the *include folders*: the folders named on the command line, the
//!   folders of the files named there, and `-I` folders. The front end refuses imports that
//!   leave them lexically (A0406); this loader compares canonical paths, so a symbolic link
//!   cannot lead out either.
//! - only regular `.accord` files of at most [`MAX_SOURCE_BYTES`] are read, opened without
//!   blocking (a FIFO never hangs a run), and only UTF-8 text is accepted.
//! - a folder walk follows a symbolic link to a folder only when it stays inside the folder
//!   being walked and was not walked already (`ln -s . loop` and `ln -s .. up` end), and loads
//!   each file once by canonical path.

use accord_idl::Loader;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest source file read (a bound on memory whatever a path names).
pub const MAX_SOURCE_BYTES: u64 = 32 << 20;

/// The command line's sources: the files to compile, the include folders and the loader.
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub include: Vec<PathBuf>,
    pub loader: Disk,
}

/// Files as given, folders expanded to their `.accord` files; `include` are the `-I` folders.
/// A folder without any, or a path that does not exist, is a usage error (the message names it).
pub fn expand(paths: &[PathBuf], include: &[PathBuf]) -> Result<Inputs, String> {
    let mut walk = Walk::default();
    let mut folders: Vec<PathBuf> = include.to_vec();
    let mut named = HashSet::new();
    for path in paths {
        let shown = crate::output::escaped(&path.display().to_string());
        if path.is_dir() {
            let before = walk.files.len();
            walk.folder(path).map_err(|e| format!("{shown}: {e}"))?;
            if walk.files.len() == before && !walk.revisited {
                return Err(format!("{shown}: no .accord files in this folder"));
            }
            folders.push(path.clone());
        } else if path.is_file() {
            let canonical = std::fs::canonicalize(path).map_err(|e| format!("{shown}: {e}"))?;
            if walk.seen.insert(canonical.clone()) {
                walk.files.push(path.clone());
            }
            named.insert(canonical);
            folders.push(accord_idl::root_folders(std::slice::from_ref(path)).remove(0));
        } else if path.exists() {
            return Err(format!("{shown}: not a regular file or folder"));
        } else {
            return Err(format!("{shown}: no such file or folder"));
        }
    }
    let roots = folders
        .iter()
        .map(|f| {
            let f = if f.as_os_str().is_empty() {
                Path::new(".")
            } else {
                f
            };
            std::fs::canonicalize(f)
                .map_err(|e| format!("{}: {e}", crate::output::escaped(&f.display().to_string())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Inputs {
        files: walk.files,
        include: folders,
        loader: Disk { roots, named },
    })
}

/// A walk over folders: files in path order, each once; folders each once.
#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    /// Canonical paths of the files found.
    seen: HashSet<PathBuf>,
    /// Canonical paths of the folders walked.
    walked: HashSet<PathBuf>,
    /// A folder named on the command line was walked already (not an empty folder).
    revisited: bool,
}

impl Walk {
    fn folder(&mut self, dir: &Path) -> std::io::Result<()> {
        let top = std::fs::canonicalize(dir)?;
        self.revisited = !self.walked.insert(top.clone());
        if self.revisited {
            return Ok(());
        }
        self.below(dir, &top)
    }

    fn below(&mut self, dir: &Path, top: &Path) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                // A link out of the walked folder is not followed, nor one to a folder walked
                // already (which ends every loop).
                let Ok(canonical) = std::fs::canonicalize(&path) else {
                    continue;
                };
                if canonical.starts_with(top) && self.walked.insert(canonical) {
                    self.below(&path, top)?;
                }
            } else if path.extension().is_some_and(|e| e == "accord")
                && (path.is_file() || std::fs::metadata(&path).is_err())
            {
                // Special files (FIFOs, devices) are no sources: left out unread. A dangling
                // link stays in, for the loader to report.
                let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if self.seen.insert(canonical) {
                    self.files.push(path);
                }
            }
        }
        Ok(())
    }
}

/// The loader of every command: `.accord` files inside the include folders.
pub struct Disk {
    /// Canonical include folders.
    roots: Vec<PathBuf>,
    /// Canonical paths of files named on the command line (read wherever they are).
    named: HashSet<PathBuf>,
}

impl Loader for Disk {
    fn load(&mut self, path: &Path) -> std::io::Result<String> {
        let canonical = std::fs::canonicalize(path)?;
        let inside = self.roots.iter().any(|r| canonical.starts_with(r));
        if !inside && !self.named.contains(&canonical) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "it resolves to `{}`, outside the include folders",
                    canonical.display()
                ),
            ));
        }
        read_source(&canonical)
    }

    fn identity(&mut self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Reads one source: a regular `.accord` file of at most [`MAX_SOURCE_BYTES`], UTF-8.
pub fn read_source(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    if path.extension().is_none_or(|e| e != "accord") {
        return Err(Error::new(ErrorKind::InvalidInput, "not a `.accord` file"));
    }
    let kind = |meta: &std::fs::Metadata| -> std::io::Result<()> {
        if meta.is_file() {
            return Ok(());
        }
        let what = if meta.is_dir() {
            "a folder"
        } else {
            special(meta)
        };
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("not a regular file ({what})"),
        ))
    };
    kind(&std::fs::metadata(path)?)?;
    let file = open_nonblocking(path)?;
    // Checked again on the open file: the path may have been swapped since.
    kind(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {} MiB", MAX_SOURCE_BYTES >> 20),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(unix)]
fn special(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a named pipe"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special(_: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// Opens for reading without waiting for a writer (a FIFO swapped in after the check) and
/// without making a terminal the controlling one.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}
