//! The CPU time this process has used, for the benchmarks' ratios.

/// User + system CPU time of all this process's threads, in seconds
/// (`CLOCK_PROCESS_CPUTIME_ID`, nanoseconds; `/proc/self/stat` counts ticks of 10 ms, too
/// coarse for the 0.1 s steps at 10,000 learners).
#[cfg(unix)]
pub fn cpu_secs() -> f64 {
    use rustix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The CPU time of this process (not measured off Unix: 0).
#[cfg(not(unix))]
pub fn cpu_secs() -> f64 {
    0.0
}
