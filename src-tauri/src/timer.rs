//! The in-app scheduler: `run(now)` and a send pass at start-up and then every run interval
//! (a setting in the store, a minute unless the administrator chose otherwise), on a thread
//! of its own. It compares the wall clock rather than trusting a sleeping timer, so
//! after the machine wakes the overdue run happens within seconds. The CLI may run at the
//! same time (cron, systemd): the core's dedup keys and leases keep every message single.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use certdesk_core::scheduler::Tick;
use certdesk_core::{Clock, Db};

use crate::state::Store;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How often the thread looks at the clock.
const POLL: Duration = Duration::from_secs(5);

/// What the dashboard shows of the timer.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct TimerStatus {
    /// RFC 3339 instants.
    pub last_run: Option<String>,
    pub next_run: Option<String>,
    pub last_error: Option<String>,
    pub last_tick: Option<Tick>,
}

impl TimerStatus {
    /// Records the outcome of one tick at `at`.
    pub fn record(&mut self, at: Timestamp, outcome: &certdesk_core::Result<Tick>) {
        self.last_run = Some(at.to_string());
        match outcome {
            Ok(t) => {
                self.last_tick = Some(t.clone());
                self.last_error = None;
            }
            Err(e) => self.last_error = Some(e.to_string()),
        }
    }
}

/// Runs the scheduler step and a send pass now, as the timer does, and records the outcome.
/// Blocks: call it from the timer thread or the blocking pool.
pub fn run_once(
    db: &Db,
    clock: &dyn Clock,
    status: &Mutex<TimerStatus>,
) -> certdesk_core::Result<Tick> {
    let now = clock.now();
    let outcome = certdesk_core::api::scheduler::run_now(db, clock);
    status
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .record(now, &outcome);
    outcome
}

/// The run interval the store names (a minute if it cannot be read).
fn interval(db: &Db) -> SignedDuration {
    let minutes = db
        .reader()
        .and_then(|r| certdesk_core::api::settings::run_interval(&r))
        .unwrap_or(certdesk_core::app::DEFAULT_RUN_INTERVAL_MINUTES);
    SignedDuration::from_mins(i64::from(minutes))
}

/// Starts the timer thread. A change of the run interval takes effect from the next run.
pub fn start(store: Store, clock: Arc<dyn Clock>, status: Arc<Mutex<TimerStatus>>) {
    let spawned = std::thread::Builder::new()
        .name("certdesk-timer".into())
        .spawn(move || {
            let mut next = clock.now();
            loop {
                let now = clock.now();
                if now >= next {
                    let db = store.get();
                    if let Err(e) = run_once(&db, clock.as_ref(), &status) {
                        eprintln!("certdesk: scheduled run failed: {e}");
                    }
                    next = clock.now().checked_add(interval(&db)).unwrap_or(now);
                    status.lock().unwrap_or_else(|e| e.into_inner()).next_run =
                        Some(next.to_string());
                }
                std::thread::sleep(POLL);
            }
        });
    if let Err(e) = spawned {
        eprintln!("certdesk: could not start the timer: {e}");
    }
}
