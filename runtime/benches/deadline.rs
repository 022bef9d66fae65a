//! What a call's deadline costs: `accord::resilience::within` (pooled timers) beside
//! `tokio::time::timeout_at` and no deadline at all, on a two-worker runtime with 64 tasks
//! calling at once, as proxies in a service do. Each call is pending once (a `yield_now`), so
//! its timer is polled and linked into tokio's wheel, then completes long before its deadline.
//!
//! `cargo bench -p accord-runtime --bench deadline` prints wall-clock and CPU nanoseconds per call of
//! each; `ACCORD_BENCH_CALLS` sets the number of calls per round (default 400000).

use accord::CallError;
use accord::resilience::within;
use std::time::{Duration, Instant};

async fn call() -> Result<(), CallError> {
    tokio::task::yield_now().await;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
enum Deadline {
    None,
    Tokio,
    Accord,
}

async fn round(deadline: Deadline, calls: u64) -> (f64, f64) {
    const TASKS: u64 = 64;
    let wall = Instant::now();
    let cpu = cpu_time();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..calls / TASKS {
                    let at = Instant::now() + Duration::from_secs(30);
                    let done = match deadline {
                        Deadline::None => call().await,
                        Deadline::Tokio => tokio::time::timeout_at(at.into(), call())
                            .await
                            .unwrap_or(Err(CallError::Timeout)),
                        Deadline::Accord => within(at, call()).await,
                    };
                    assert!(done.is_ok());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let per_call = |d: Duration| d.as_nanos() as f64 / calls as f64;
    (per_call(wall.elapsed()), per_call(cpu_time() - cpu))
}

/// CPU time of the whole process (user + system), as the REST bench reads it.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given; zeroed is a valid `rusage`.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn main() {
    let calls = std::env::var("ACCORD_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400_000u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("{calls} calls per round, 64 tasks on 2 workers, each call pending once");
    runtime.block_on(async {
        // Warm up: threads, allocator, the timer pool.
        for deadline in [Deadline::None, Deadline::Tokio, Deadline::Accord] {
            round(deadline, calls / 10).await;
        }
        for deadline in [Deadline::None, Deadline::Tokio, Deadline::Accord] {
            let (wall, cpu) = round(deadline, calls).await;
            println!(
                "{:<8} {wall:6.0} ns wall {cpu:6.0} ns CPU per call",
                format!("{deadline:?}")
            );
        }
    });
}
