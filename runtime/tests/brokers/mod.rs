//! Real brokers for the messaging tests, started by the tests themselves: `nats-server -js` and
//! `rabbitmq-server` from PATH, each on free private ports with a private data folder, killed by
//! pid when dropped and, for the one shared by a test binary, when the binary exits.
//!
//! A broker whose binary is missing makes the test print `SKIPPED` and pass, unless `CI` is
//! set, when it fails.

#![allow(dead_code)] // each test binary uses one broker

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Which broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nats,
    Rabbit,
}

/// A running broker of our own. Dropping it kills it and removes its folder.
pub struct Server {
    kind: Kind,
    child: Option<Child>,
    dir: PathBuf,
    /// Client port, then the Erlang distribution and epmd ports (RabbitMQ) or the monitoring
    /// port (NATS).
    ports: [u16; 3],
    name: String,
}

impl Server {
    /// Starts a private broker; `None` (after printing `SKIPPED`) when its binary is missing.
    pub fn start(kind: Kind) -> Option<Server> {
        let binary = binary(kind)?;
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let name = format!("accord-test-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("broker folder");
        let mut server = Server {
            kind,
            child: None,
            dir,
            ports: [free_port(), free_port(), free_port()],
            name,
        };
        server.spawn(&binary);
        Some(server)
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Nats => format!("nats://127.0.0.1:{}", self.ports[0]),
            Kind::Rabbit => format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.ports[0]),
        }
    }

    /// Kills the broker (SIGKILL: no goodbye to the clients), keeping its data.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The broker runs in its own process group (RabbitMQ's script starts the Erlang VM
            // as a child): kill the whole group.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            unregister(child.id());
        }
        if self.kind == Kind::Rabbit {
            stop_epmd(self.ports[2]);
        }
    }

    /// Starts the broker again on the same ports and data.
    pub fn restart(&mut self) {
        self.kill();
        let binary = binary(self.kind).expect("binary was there at start");
        self.spawn(&binary);
    }

    fn spawn(&mut self, binary: &Path) {
        use std::os::unix::process::CommandExt as _;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .expect("log file");
        let mut command = Command::new(binary);
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0);
        match self.kind {
            Kind::Nats => {
                command.args(["-js", "-a", "127.0.0.1", "-p"]);
                command
                    .arg(self.ports[0].to_string())
                    .arg("-m")
                    .arg(self.ports[1].to_string())
                    .arg("-sd")
                    .arg(self.dir.join("js"));
            }
            Kind::Rabbit => {
                let plugins = self.dir.join("enabled_plugins");
                std::fs::write(&plugins, "[].\n").unwrap();
                let [port, dist, epmd] = self.ports.map(|p| p.to_string());
                command
                    .env("HOME", &self.dir)
                    .env("RABBITMQ_NODENAME", format!("{}@localhost", self.name))
                    .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
                    .env("RABBITMQ_NODE_PORT", port)
                    .env("RABBITMQ_DIST_PORT", dist)
                    .env("ERL_EPMD_PORT", epmd)
                    .env("RABBITMQ_MNESIA_BASE", self.dir.join("mnesia"))
                    .env("RABBITMQ_LOG_BASE", self.dir.join("log"))
                    .env("RABBITMQ_ENABLED_PLUGINS_FILE", plugins)
                    .env("RABBITMQ_CONF_ENV_FILE", self.dir.join("rabbitmq-env.conf"))
                    .env("RABBITMQ_CONFIG_FILE", self.dir.join("rabbitmq"))
                    .env(
                        "RABBITMQ_ADVANCED_CONFIG_FILE",
                        self.dir.join("advanced.config"),
                    )
                    .env("RABBITMQ_PID_FILE", self.dir.join("rabbit.pid"))
                    .env("RABBITMQ_LOGS", "-");
            }
        }
        let child = command.spawn().expect("broker starts");
        register(child.id(), self.ports[2], self.kind, &self.dir);
        self.child = Some(child);
        self.wait_until_ready();
    }

    /// NATS: the HTTP monitoring endpoint (`/connz`, `/jsz`, ...).
    pub fn monitor_url(&self) -> String {
        assert_eq!(
            self.kind,
            Kind::Nats,
            "only nats-server has a monitoring port"
        );
        format!("http://127.0.0.1:{}", self.ports[1])
    }

    /// RabbitMQ: runs `rabbitmqctl` against this node (`list_queues ...`) and returns what it
    /// printed; `None` when `rabbitmqctl` is not installed.
    pub fn rabbitmqctl(&self, args: &[&str]) -> Option<String> {
        assert_eq!(self.kind, Kind::Rabbit, "rabbitmqctl talks to RabbitMQ");
        let script = Path::new("/usr/lib/rabbitmq/bin/rabbitmqctl");
        let program = if script.is_file() {
            script.to_owned()
        } else {
            PathBuf::from("rabbitmqctl")
        };
        let out = Command::new(program)
            .args(["-q", "-n", &format!("{}@localhost", self.name)])
            .args(args)
            // Its Erlang cookie and port mapper are the node's.
            .env("HOME", &self.dir)
            .env("ERL_EPMD_PORT", self.ports[2].to_string())
            .env("RABBITMQ_CONF_ENV_FILE", self.dir.join("rabbitmq-env.conf"))
            .stdin(Stdio::null())
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "rabbitmqctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn wait_until_ready(&mut self) {
        let started = Instant::now();
        let limit = Duration::from_secs(120);
        loop {
            if TcpStream::connect(("127.0.0.1", self.ports[0])).is_ok() {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "{:?} exited with {status} before accepting connections; see {}",
                    self.kind,
                    self.dir.join("server.log").display()
                );
            }
            assert!(
                started.elapsed() < limit,
                "{:?} did not accept connections",
                self.kind
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The broker shared by every test of this binary, started by the first to ask; `None` when
/// its binary is missing (and `CI` unset). Killed when the test binary exits.
pub fn shared(kind: Kind) -> Option<String> {
    shared_server(kind).map(Server::url)
}

/// The shared broker itself (see [`shared`]), for its monitoring and control tools.
pub fn shared_server(kind: Kind) -> Option<&'static Server> {
    // Statics are never dropped: the exit hook kills these.
    static NATS: OnceLock<Option<Server>> = OnceLock::new();
    static RABBIT: OnceLock<Option<Server>> = OnceLock::new();
    let cell = match kind {
        Kind::Nats => &NATS,
        Kind::Rabbit => &RABBIT,
    };
    cell.get_or_init(|| Server::start(kind)).as_ref()
}

/// The broker's binary from PATH, or `None` after printing `SKIPPED` (a failure under `CI`).
fn binary(kind: Kind) -> Option<PathBuf> {
    let name = match kind {
        Kind::Nats => "nats-server",
        Kind::Rabbit => "rabbitmq-server",
    };
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    let Some(found) = found else {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not on PATH (CI is set: the real-broker tests are required)");
        }
        eprintln!("SKIPPED: {name} is not on PATH");
        return None;
    };
    // Debian's /usr/sbin/rabbitmq-server re-runs itself as the rabbitmq user through `su`,
    // whose pid is not the broker's and which ignores our environment: run the real script.
    let script = Path::new("/usr/lib/rabbitmq/bin/rabbitmq-server");
    if kind == Kind::Rabbit
        && script.is_file()
        && std::fs::read_to_string(&found).is_ok_and(|s| s.contains("su rabbitmq"))
    {
        return Some(script.to_owned());
    }
    Some(found)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// Brokers to kill when the test binary exits: (pid, epmd port, kind, folder).
static RUNNING: Mutex<Vec<(u32, u16, Kind, PathBuf)>> = Mutex::new(Vec::new());

fn register(pid: u32, epmd: u16, kind: Kind, dir: &Path) {
    // Statics are never dropped: the shared brokers are killed by an exit hook.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| unsafe {
        libc::atexit(kill_all);
    });
    RUNNING
        .lock()
        .unwrap()
        .push((pid, epmd, kind, dir.to_owned()));
}

fn unregister(pid: u32) {
    RUNNING.lock().unwrap().retain(|(p, ..)| *p != pid);
}

extern "C" fn kill_all() {
    let Ok(running) = RUNNING.lock() else { return };
    for (pid, epmd, kind, dir) in running.iter() {
        unsafe { libc::kill(-(*pid as i32), libc::SIGKILL) };
        if *kind == Kind::Rabbit {
            stop_epmd(*epmd);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Stops the Erlang port mapper that RabbitMQ started on our private port: it daemonizes out
/// of the broker's process group. It refuses while the killed node is still registered (its
/// socket closes a moment after the kill), so ask again until it is gone.
fn stop_epmd(port: u16) {
    for _ in 0..100 {
        let Ok(out) = Command::new("epmd")
            .args(["-port", &port.to_string(), "-kill"])
            .stdin(Stdio::null())
            .output()
        else {
            return; // no epmd binary: nothing was started
        };
        let said = String::from_utf8_lossy(&out.stdout);
        // Anything but a refusal means it is gone: "Killed", or nothing listening there.
        if !said.contains("not allowed") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
