//! A private PostgreSQL server for the store's tests and benchmark, started by the test binary
//! itself: a cluster made with `initdb` in a temp folder, `postgres` on a free port of
//! 127.0.0.1 with its socket in that folder, killed by pid when dropped (and, for the one
//! shared by a binary, when it exits). As root (CI), both run as the `postgres` OS user:
//! `initdb` refuses root.
//!
//! Missing binaries make the test print `SKIPPED` and pass, unless `CI` is set, when it fails.

#![allow(dead_code)] // the benchmark uses a part

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running server of our own. Dropping it kills it and removes its folder.
pub struct Server {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Server {
    /// Starts a private server; `None` (after printing `SKIPPED`) when PostgreSQL is missing.
    /// `fsync` off suits tests (nothing here survives the machine); the benchmark keeps it on.
    pub fn start(fsync: bool) -> Option<Server> {
        let bin = bindir()?;
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("accord-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("postgres folder");
        let owner = as_postgres_user();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the folder");
        }
        let data = dir.join("data");
        let mut initdb = command(&bin.join("initdb"), owner, &dir);
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        let out = initdb.status().expect("initdb runs");
        assert!(
            out.success(),
            "initdb failed; see {}",
            dir.join("server.log").display()
        );
        let port = free_port();
        let mut postgres = command(&bin.join("postgres"), owner, &dir);
        postgres
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .arg("-k")
            .arg(&dir)
            .args(["-c", "max_connections=200"])
            .args(["-c", if fsync { "fsync=on" } else { "fsync=off" }]);
        let child = postgres.spawn().expect("postgres starts");
        register(child.id(), &dir);
        let mut server = Server {
            child: Some(child),
            dir,
            port,
        };
        server.wait_until_ready(&bin);
        Some(server)
    }

    /// The URL of the server's default database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The URL of database `name` on this server.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    fn wait_until_ready(&mut self, bin: &Path) {
        let started = Instant::now();
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "postgres exited with {status}; see {}",
                    self.dir.join("server.log").display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "postgres did not accept connections"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            RUNNING.lock().unwrap().retain(|(p, _)| *p != child.id());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server shared by every test of this binary, started by the first to ask; `None` when
/// PostgreSQL is missing (and `CI` unset). Killed when the test binary exits.
pub fn shared() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let server = Server::start(false)?;
            let url = server.url();
            std::mem::forget(server); // the exit hook kills it
            Some(url)
        })
        .as_deref()
}

/// A fresh database on the shared server, for one test: its URL.
pub async fn fresh_database() -> Option<String> {
    use accord::store::sqlx::{Connection as _, Executor as _};
    let admin = shared()?;
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("t{}", COUNT.fetch_add(1, Ordering::SeqCst));
    accord::store::sqlx::any::install_default_drivers();
    let mut conn = accord::store::sqlx::AnyConnection::connect(admin)
        .await
        .expect("connect to the test server");
    conn.execute(&*format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    let url = admin.rsplit_once('/').unwrap().0;
    Some(format!("{url}/{name}"))
}

/// The folder of PostgreSQL's programs, or `None` after printing `SKIPPED` (a failure under
/// `CI`).
fn bindir() -> Option<PathBuf> {
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| {
            let mut dirs: Vec<PathBuf> = versions
                .filter_map(|v| Some(v.ok()?.path().join("bin")))
                .filter(|b| b.join("initdb").is_file())
                .collect();
            dirs.sort();
            dirs.pop()
        });
    let on_path = || {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
    };
    let found = debian.or_else(on_path);
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PostgreSQL (initdb, postgres) is not installed (CI is set: the store's tests need it)"
            );
        }
        eprintln!("SKIPPED: PostgreSQL (initdb, postgres) is not installed");
    }
    found
}

/// As root, the uid and gid of the `postgres` user to run the server as.
fn as_postgres_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("running as root, PostgreSQL needs a `postgres` user (initdb refuses root)");
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

fn command(program: &Path, owner: Option<(u32, u32)>, dir: &Path) -> Command {
    use std::os::unix::process::CommandExt as _;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("log file");
    let mut command = Command::new(program);
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .current_dir(dir)
        .env_remove("PGDATA")
        .process_group(0);
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid).env("HOME", dir);
    }
    command
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// Servers to kill when the binary exits: (pid, folder).
static RUNNING: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

fn register(pid: u32, dir: &Path) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| unsafe {
        libc::atexit(kill_all);
    });
    RUNNING.lock().unwrap().push((pid, dir.to_owned()));
}

extern "C" fn kill_all() {
    let Ok(running) = RUNNING.lock() else { return };
    for (pid, dir) in running.iter() {
        unsafe { libc::kill(-(*pid as i32), libc::SIGKILL) };
        let _ = std::fs::remove_dir_all(dir);
    }
}
