//! The head of the data path: `run(now)` takes the HR drop folder's new files, advances
//! every certification up to `now`, then queues every message that came due into the outbox; [`tick`] is the app's timer step,
//! `run(now)` then a send pass (store → run(now) → outbox → SMTP).
//!
//! A run works in chunks, each its own short `BEGIN IMMEDIATE` transaction (a batch of
//! memberships, a page of candidates, a few managers' digests). Between two, it leaves the
//! lock to any writer waiting for it (the app, `send` recording what it delivered; such a
//! writer says it waits, store/waiting.rs), so that writer gets the lock within about one
//! chunk even while a large run or the hourly sweep goes; with nobody waiting it goes on at
//! once. Cut short between chunks, nothing is lost or doubled and the next run
//! finishes the work (`notify/chunk.rs`).

use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::Serialize;

use crate::enrolment::drop_folder::{self, HrFileOutcome};
use crate::mail::{send_due, SendOptions, SendSummary};
use crate::membership::engine::{
    advance_batch, calendar_dates_pending, due, normalise_stored_dates, EngineSummary,
};
use crate::notify::{EnqueueSummary, Queueing};
use crate::store::Waiters;
use crate::{Clock, Db, Error, Result, Writer};

/// How a run cuts its work into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Memberships settled per transaction.
    pub memberships: usize,
    /// At most this many candidate rows queued (rendered) per transaction, and ten times as
    /// many checked (rows already queued included); at most this many manager digests
    /// composed per transaction.
    pub rows: i64,
    /// The time a page of event instants aims to take (its width adapts to it); a page stops
    /// reading after half of it (the rest is for writing what it read).
    pub target: Duration,
    /// The pause now and then after a chunk for a writer that cannot say it waits (as long
    /// as the chunk took, at most this; every 500 ms, store/waiting.rs): longer than one
    /// poll of a waiting writer's busy handler (2 ms), so that it gets in.
    pub max_pause: Duration,
    /// How long one transaction of the queueing steps may go on, a step after another, while
    /// no writer says it waits (store/waiting.rs): each commit writes every page its
    /// transaction changed to the WAL again, so fewer, longer transactions write less. Zero:
    /// one step a transaction.
    pub quiet_hold: Duration,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking {
            memberships: 2_000,
            rows: 2_000,
            target: Duration::from_millis(40),
            max_pause: Duration::from_millis(3),
            quiet_hold: RUN_QUIET_HOLD,
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct RunSummary {
    /// Certification states advanced (windows opened, expiries, renewals that then counted).
    pub engine: EngineSummary,
    /// Messages that came due: queued in the outbox, skipped (with a reason) or failed.
    pub notifications: EnqueueSummary,
    /// The files taken from the HR drop folder before the engine step (imported, rejected
    /// or duplicate), in the order taken; empty when no folder is set.
    pub hr_files: Vec<HrFileOutcome>,
    /// Why the drop folder could not be synced (an unmounted drive, say); the run went on
    /// without it and nothing in the folder was touched.
    pub hr_folder_error: Option<String>,
}

/// Runs the scheduler step at `now`, in chunks of [`Chunking::default`]. Idempotent: a
/// second run at the same `now` changes nothing.
///
/// # Errors
/// Database errors; the chunks committed before stay (each is whole), and the next run
/// finishes the work.
pub fn run(db: &mut Writer, now: Timestamp) -> Result<RunSummary> {
    run_in_chunks(db, now, &Chunking::default(), &mut || Ok(()))
}

/// [`run`] with its chunking spelled out; `after_chunk` is called after each committed chunk
/// (tests stop a run there with an error; benchmarks watch it).
///
/// # Errors
/// Database errors, and the error of `after_chunk`, which stops the run.
pub fn run_in_chunks(
    db: &mut Writer,
    now: Timestamp,
    chunking: &Chunking,
    after_chunk: &mut dyn FnMut() -> Result<()>,
) -> Result<RunSummary> {
    // First, so that the engine step sees what HR dropped in this same run.
    let (hr_files, hr_folder_error) = match drop_folder::sync(db, now) {
        Ok(s) => (s.files, None),
        Err(e @ Error::Database(_)) => return Err(e),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let conn = db.conn();
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    let checkpoint: i64 = conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -RUN_CACHE_KIB)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "wal_autocheckpoint", RUN_WAL_CHECKPOINT_PAGES)?;
    let out = chunks(db, now, chunking, after_chunk, sync);
    // Whatever happened, the connection goes back to its own settings.
    let conn = db.conn();
    let restored = conn
        .pragma_update(None, "synchronous", sync)
        .and_then(|()| conn.pragma_update(None, "cache_size", cache))
        .and_then(|()| conn.pragma_update(None, "wal_autocheckpoint", checkpoint));
    let mut out = out?;
    restored?;
    out.hr_files = hr_files;
    out.hr_folder_error = hr_folder_error;
    Ok(out)
}

/// How long a run's queueing transaction goes on while nobody waits for the lock: a writer
/// that says it waits has it after the step under way, as with one step a transaction, and
/// one that cannot say so waits no longer than it did for the run's pause every
/// [`Waiters::QUIET_MAX`] (docs/BENCHMARKS.md, "run(now): fewer commits").
const RUN_QUIET_HOLD: Duration = Duration::from_millis(250);

/// The page cache of a run's connection (KiB; SQLite's default is 2,000): the index pages of
/// the message log and of the event instants a run walks stay in memory from one chunk to
/// the next, instead of being read again from the OS for every chunk.
const RUN_CACHE_KIB: i64 = 16 * 1024;

/// The write-ahead log's size (pages) at which a run's commit copies it back into the store:
/// 32 MB rather than SQLite's 4 MB, so a large run checkpoints (two fsyncs each) a few times
/// rather than fifty, and copies a page its chunks wrote again and again once per checkpoint
/// (docs/BENCHMARKS.md, "run(now) under 2 s"). The log can grow that much beyond a chunk.
const RUN_WAL_CHECKPOINT_PAGES: i64 = 8_000;

/// The chunks of [`run_in_chunks`]. Each commits with `synchronous=NORMAL` (no fsync: still
/// safe against a crashed or killed process, and an fsync per chunk was a fifth of a large
/// run); the last one, which moves the catch-up marks, commits with the connection's own
/// setting (`FULL`), and its fsync of the WAL makes every chunk before it durable too (the
/// WAL is written in order). A power cut or OS crash in the middle of a run loses at most the
/// chunks since the last fsync, and the next run queues them again under the same dedup
/// keys; a message of such a chunk that a `send` in another process had already delivered
/// then goes out once more with the same Message-ID (as for the sender's own outcomes,
/// docs/RELIABILITY.md).
fn chunks(
    db: &mut Writer,
    now: Timestamp,
    chunking: &Chunking,
    after_chunk: &mut dyn FnMut() -> Result<()>,
    sync: i64,
) -> Result<RunSummary> {
    let mut engine = EngineSummary::default();
    let mut waiters = Waiters::new(db.conn().path());
    // Once, in a store upgraded from instants to calendar dates (migration 010).
    if calendar_dates_pending(db.conn())? {
        loop {
            let t = Instant::now();
            let more = db.write(|tx| normalise_stored_dates(tx, chunking.memberships))?;
            after_chunk()?;
            if !more {
                break;
            }
            pause(t, chunking, &mut waiters);
        }
    }
    let ids = due(db.conn(), now)?;
    for batch in ids.chunks(chunking.memberships.max(1)) {
        let t = Instant::now();
        engine.add(db.write(|tx| advance_batch(tx, now, batch))?);
        after_chunk()?;
        pause(t, chunking, &mut waiters);
    }
    let mut q = Queueing::new(db.conn(), now)?;
    loop {
        let t = Instant::now();
        let more = db.write_steps(
            |tx| q.step(tx, chunking.rows, chunking.target),
            || waiters.may_hold(t, chunking.quiet_hold),
        )?;
        after_chunk()?;
        if !more {
            break;
        }
        if waiters.any() {
            // The run copies its WAL back itself while the writer that waited writes, rather
            // than leaving it to that writer's commit (a checkpoint already under way makes
            // the writer's own attempt return at once).
            db.conn()
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        pause(t, chunking, &mut waiters);
    }
    db.conn().pragma_update(None, "synchronous", sync)?;
    let notifications = db.write(|tx| q.finish(tx))?;
    Ok(RunSummary {
        engine,
        notifications,
        ..RunSummary::default()
    })
}

/// Leaves the lock free after a chunk: until a writer that waits has it, else now and then
/// for as long as the chunk held it (bounded) for one that cannot say it waits
/// ([`Waiters::pause`], store/waiting.rs).
fn pause(since: Instant, chunking: &Chunking, waiters: &mut Waiters) {
    waiters.pause(since.elapsed(), chunking.max_pause);
}

/// What one [`tick`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Tick {
    /// The scheduler step: certifications advanced and messages queued.
    pub run: RunSummary,
    /// The send pass; `None` while no SMTP server is configured (messages wait queued).
    pub send: Option<SendSummary>,
}

/// The app's timer step (every minute, at start-up and after the machine wakes):
/// `run(now)` then a send pass. Blocking: call it from a plain thread or `spawn_blocking`.
/// Safe while `certdesk-cli run` / `send` run too: nothing is queued or sent twice.
///
/// # Errors
/// Database errors. Delivery failures are recorded per message, not returned.
pub fn tick(db: &Db, clock: &dyn Clock, opts: &SendOptions) -> Result<Tick> {
    let run = run(&mut db.writer()?, clock.now())?;
    let send = match send_due(db, clock, opts) {
        Ok(s) => Some(s),
        Err(Error::SmtpNotConfigured(_)) => None,
        Err(e) => return Err(e),
    };
    Ok(Tick { run, send })
}
