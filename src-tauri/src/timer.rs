//! The in-app scheduler: `run(now)` and a send pass at start-up and then every run interval
//! (a setting in the store, a minute unless the administrator chose otherwise), on a thread
//! of its own. It compares the wall clock rather than trusting a sleeping timer, so
//! after the machine wakes the overdue run happens within seconds. The CLI may run at the
//! same time (cron, systemd): the core's dedup keys and leases keep every message single.
//!
//! The start-up run (the catch-up, long on a large store that was closed for a while) waits
//! until the first screen has its figures ([`FirstScreen`]), so that the window is usable at
//! once; meanwhile and until it ends the status says `catching_up`, which the dashboard
//! shows.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use certdesk_core::scheduler::Tick;
use certdesk_core::{Clock, Db};

use crate::state::Store;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How often the thread looks at the clock.
const POLL: Duration = Duration::from_secs(5);
/// The longest the start-up run waits for the first screen (a window started hidden, or a
/// first screen other than the dashboard, never signals it).
const FIRST_SCREEN_WAIT: Duration = Duration::from_secs(5);

/// Whether the first screen has shown its figures: the start-up run waits for it.
#[derive(Default)]
pub struct FirstScreen {
    shown: Mutex<bool>,
    signal: Condvar,
}

impl FirstScreen {
    /// The first screen has its figures: the start-up run may begin.
    pub fn shown(&self) {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if !*shown {
            *shown = true;
            self.signal.notify_all();
        }
    }

    /// Waits until [`FirstScreen::shown`] was called, or `at_most`.
    fn wait(&self, at_most: Duration) {
        let deadline = Instant::now() + at_most;
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        while !*shown {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            shown = match self.signal.wait_timeout(shown, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// What the dashboard shows of the timer.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct TimerStatus {
    /// RFC 3339 instants.
    pub last_run: Option<String>,
    pub next_run: Option<String>,
    pub last_error: Option<String>,
    pub last_tick: Option<Tick>,
    /// From start-up until the start-up run has finished: certifications and messages may
    /// not yet be up to date with the time the app was closed.
    pub catching_up: bool,
    /// A run is in progress (the timer's, or "Run now").
    pub running: bool,
}

impl TimerStatus {
    /// The status at start-up: catching up until the start-up run has finished.
    pub fn starting() -> TimerStatus {
        TimerStatus {
            catching_up: true,
            ..TimerStatus::default()
        }
    }

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
    status.lock().unwrap_or_else(|e| e.into_inner()).running = true;
    let outcome = certdesk_core::api::scheduler::run_now(db, clock);
    let mut status = status.lock().unwrap_or_else(|e| e.into_inner());
    status.record(now, &outcome);
    status.running = false;
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

/// What is done after each timer run (the OS notifications of [`crate::notifier`]).
pub type AfterRun = Box<dyn Fn(&Db, &certdesk_core::Result<Tick>) + Send>;

/// Starts the timer thread: the start-up run once the first screen is shown, then a run
/// every run interval, each followed by `after_run`. A change of the interval takes effect
/// from the next run.
pub fn start(
    store: Store,
    clock: Arc<dyn Clock>,
    status: Arc<Mutex<TimerStatus>>,
    first_screen: Arc<FirstScreen>,
    after_run: AfterRun,
) {
    let spawned = std::thread::Builder::new()
        .name("certdesk-timer".into())
        .spawn(move || {
            first_screen.wait(FIRST_SCREEN_WAIT);
            let mut next = clock.now();
            loop {
                let now = clock.now();
                if now >= next {
                    let db = store.get();
                    let outcome = run_once(&db, clock.as_ref(), &status);
                    if let Err(e) = &outcome {
                        eprintln!("certdesk: scheduled run failed: {e}");
                    }
                    after_run(&db, &outcome);
                    next = clock.now().checked_add(interval(&db)).unwrap_or(now);
                    let mut status = status.lock().unwrap_or_else(|e| e.into_inner());
                    status.next_run = Some(next.to_string());
                    status.catching_up = false;
                }
                std::thread::sleep(POLL);
            }
        });
    if let Err(e) = spawned {
        eprintln!("certdesk: could not start the timer: {e}");
    }
}
