//! The process's CPU time, which the loopback benches divide by their calls (both sides of a
//! call run in the one process).

use std::time::Duration;

/// User + system CPU time of this whole process so far (client and server both live here).
pub fn process_cpu() -> Duration {
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
