//! Watching the write lock while a long writer runs (docs/BENCHMARKS.md, "Write-lock holds").
//!
//! Two threads, each on its own connection to the store:
//! - a watcher tries `BEGIN IMMEDIATE` with no busy timeout every millisecond and records
//!   the longest stretch during which it could not get the lock (the longest hold, to about
//!   a millisecond; back-to-back transactions with no gap between them count as one hold);
//! - a small writer does a one-row `Writer::write` every 20 ms, as the app's writes and
//!   `send`'s outcome records do, with the store's 10 s busy timeout, and records its worst
//!   wait (from asking for the lock to its commit).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// What the probe saw.
pub struct Seen {
    pub longest_hold: Duration,
    pub worst_wait: Duration,
    pub writes: u32,
    pub failed: u32,
}

pub struct Probe {
    stop: Arc<AtomicBool>,
    watcher: JoinHandle<Duration>,
    writer: JoinHandle<(Duration, u32, u32)>,
}

fn connect(path: &str, timeout: Duration) -> Connection {
    let c = Connection::open(path).expect("open");
    // Set up while a run may hold the lock, then use the probe's own timeout.
    c.busy_timeout(Duration::from_secs(30)).expect("timeout");
    c.pragma_update(None, "synchronous", "FULL").expect("sync");
    c.busy_timeout(timeout).expect("timeout");
    c
}

impl Probe {
    pub fn start(path: &str) -> Probe {
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (path.to_string(), stop.clone());
        let watcher = std::thread::spawn(move || {
            let c = connect(&p, Duration::ZERO);
            let mut longest = Duration::ZERO;
            let mut busy_since: Option<Instant> = None;
            while !s.load(Ordering::Relaxed) {
                match c.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
                    Ok(()) => busy_since = None,
                    Err(_) => {
                        let since = *busy_since.get_or_insert_with(Instant::now);
                        longest = longest.max(since.elapsed());
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            longest
        });
        let (p, s) = (path.to_string(), stop.clone());
        let writer = std::thread::spawn(move || {
            // The small writer writes as the app's writes and `send` do: through the store's
            // own `Writer::write`, whose busy handler waits (and says it waits) for the lock.
            let db = certdesk_core::Db::open(&p).expect("open");
            let mut w = db.writer().expect("writer");
            let (mut worst, mut writes, mut failed) = (Duration::ZERO, 0, 0);
            while !s.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = w
                    .write(|tx| {
                        tx.execute(
                            "INSERT INTO setting (key, value) VALUES ('bench.probe', '1')
                               ON CONFLICT (key) DO UPDATE SET value = value + 1",
                            [],
                        )?;
                        Ok(())
                    })
                    .is_ok();
                if !ok {
                    failed += 1;
                }
                worst = worst.max(t.elapsed());
                writes += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            (worst, writes, failed)
        });
        Probe {
            stop,
            watcher,
            writer,
        }
    }

    pub fn stop(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        let longest_hold = self.watcher.join().expect("watcher");
        let (worst_wait, writes, failed) = self.writer.join().expect("writer");
        Seen {
            longest_hold,
            worst_wait,
            writes,
            failed,
        }
    }
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "longest write-lock hold {:.0?}, small writer's worst wait {:.0?} ({} writes, {} failed)",
            self.longest_hold, self.worst_wait, self.writes, self.failed
        )
    }
}
