//! One `run(now)` in a child process of the benchmark (docs/BENCHMARKS.md, "run(now)
//! memory"): the child opens the store, runs the scheduler once and reports its counts, its
//! time and its peak resident memory (`VmHWM` in /proc/self/status), so that the memory is
//! that of `run(now)` alone, as `certdesk-cli run` would see it, not the benchmark's own.

use std::time::{Duration, Instant};

use certdesk_core::{scheduler, Db, Error, Result};
use jiff::Timestamp;

use crate::cpu_clock::cpu_secs;

const FLAG: &str = "--child-run";

/// What the child saw.
pub struct ChildRun {
    pub queued: u64,
    pub skipped: u64,
    pub alerts: u64,
    pub engine_changed: u64,
    /// Manager copies recorded for a digest, and digests queued.
    pub digest_items: u64,
    pub digests: u64,
    /// CPU time (user + system) of the child during the run (ms).
    pub cpu_ms: u64,
    pub took: Duration,
    /// Resident memory once the store is open, before the run (kB).
    pub start_kb: u64,
    /// The most resident memory the child ever had (kB).
    pub peak_kb: u64,
}

/// A field of /proc/self/status, in kB (0 where there is no /proc).
pub fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// In the child (called first in `main`): runs and prints one line, then returns true.
pub fn child_main() -> Result<bool> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some(FLAG) {
        return Ok(false);
    }
    let (Some(path), Some(at)) = (args.get(2), args.get(3).and_then(|s| s.parse().ok())) else {
        return Err(Error::invalid("args", "--child-run FILE SECS"));
    };
    let now = Timestamp::from_second(at).map_err(|e| Error::invalid("now", e.to_string()))?;
    let db = Db::open(path)?;
    let mut w = db.writer()?;
    let start = status_kb("VmRSS:");
    let cpu = cpu_secs();
    let t = Instant::now();
    let r = scheduler::run(&mut w, now)?;
    let took = t.elapsed();
    let cpu_ms = ((cpu_secs() - cpu) * 1000.0) as u64;
    let changed = r.engine.changed;
    let n = &r.notifications;
    eprintln!("cpu {:.3} s", cpu_secs());
    println!(
        "{FLAG} {} {} {} {changed} {} {start} {} {} {} {cpu_ms}",
        n.queued,
        n.skipped + n.failed,
        n.alerts,
        took.as_micros(),
        status_kb("VmHWM:"),
        n.digest_items,
        n.digests,
    );
    Ok(true)
}

/// Runs `run(now)` at `at` (unix seconds) on the store at `path` in a child process.
pub fn run(path: &str, at: i64) -> ChildRun {
    let exe = std::env::current_exe().expect("exe");
    let out = std::process::Command::new(exe)
        .args([FLAG, path, &at.to_string()])
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with(FLAG))
        .unwrap_or_else(|| panic!("child: {text} {}", String::from_utf8_lossy(&out.stderr)));
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().expect("number"))
        .collect();
    ChildRun {
        queued: f[0],
        skipped: f[1],
        alerts: f[2],
        engine_changed: f[3],
        took: Duration::from_micros(f[4]),
        start_kb: f[5],
        peak_kb: f[6],
        digest_items: f[7],
        digests: f[8],
        cpu_ms: f[9],
    }
}

impl std::fmt::Display for ChildRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "queued {} (+{} skipped, {} digest items in {} digests, {} alerts, {} engine changes) in {:.3?} (CPU {:.3} s); peak RSS {:.1} MB ({:.1} MB with the store open, before the run)",
            self.queued,
            self.skipped,
            self.digest_items,
            self.digests,
            self.alerts,
            self.engine_changed,
            self.took,
            self.cpu_ms as f64 / 1000.0,
            self.peak_kb as f64 / 1024.0,
            self.start_kb as f64 / 1024.0
        )
    }
}
