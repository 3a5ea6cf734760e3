//! The store as a whole: backups and restores while it is in use, and the first-run choice
//! on an empty data folder.

use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;

use crate::app::{self, FirstRunChoice};
use crate::mail::{outbox, restore as sending};
use crate::notify;
use crate::store::audit::{self, Entry};
use crate::store::backup::{self, BackupSummary};
use crate::{Db, Error, Reader, Result};

/// What a restore copied and what it did to sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RestoreSummary {
    pub path: String,
    pub schema_version: u32,
    pub learners: u32,
    pub messages_sent: u32,
    /// Messages the backup still had to send that were already sent: marked sent.
    pub carried_sent: u32,
    /// Messages sent after the backup was taken: added to its log as sent.
    pub added_sent: u32,
    /// Queued messages of the backup's rules, rendered again from the restored rules and data.
    pub rendered_again: u32,
    /// Queued messages of the backup its rules no longer produce: logged as skipped.
    pub dropped: u32,
    /// Other queued messages (exception alerts, resends), formatted again (with the restored
    /// settings) from their logged text when sent.
    pub requeued: u32,
    /// Sending is paused after a restore until the administrator resumes it; this says why
    /// and names the restored SMTP server.
    pub paused_reason: String,
}

/// A path the administrator typed: it must be absolute, since a program's working folder
/// means nothing to them (and differs between the app, cron and a shell).
///
/// # Errors
/// [`Error::Invalid`] (field `path`) for a blank or relative path.
pub fn absolute(path: &str) -> Result<PathBuf> {
    let p = PathBuf::from(path.trim());
    if p.is_absolute() {
        Ok(p)
    } else {
        Err(Error::invalid(
            "path",
            "give the full path, e.g. /home/me/certdesk-backup.sqlite",
        ))
    }
}

/// Writes a consistent copy of the store to `path` (a full path), even while it is in use.
///
/// # Errors
/// [`Error::Invalid`] for a relative path, the live store or its `-wal`/`-shm`, a symbolic
/// link or a non-regular file; file and database errors.
pub fn backup(db: &Db, path: &str) -> Result<BackupSummary> {
    let summary = backup::backup(db, &absolute(path)?)?;
    // Recorded once the copy is complete (so the backup itself does not hold its entry).
    let e = Entry::new("store.backup", &summary.path).after(&summary);
    db.writer()?
        .write(|tx| audit::record(tx, &db.actor(), &e))?;
    Ok(summary)
}

/// Replaces the store's content with the backup at `path` (a full path), without sending
/// anything twice: messages the store has already sent stay sent, queued messages are
/// rendered again from the restored rules (or logged as skipped when they no longer produce
/// them), and sending stays paused until the administrator resumes it.
///
/// # Errors
/// [`Error::Invalid`] for a relative path, or while a send holds messages (the store is
/// untouched then); [`Error::NotAStore`] and [`Error::NewerSchema`] for a file this version
/// cannot restore (the store is untouched, its queue's pause as it was).
pub fn restore(db: &Db, path: &str, now: Timestamp) -> Result<RestoreSummary> {
    let src = absolute(path)?;
    backup::summarise(&src)?; // a wrong file is refused before sending is touched
    let before = db.writer()?.write(|tx| sending::hold(tx, now))?;
    let shown = src.display().to_string();
    let live = db.path().to_path_buf();
    let who = db.actor();
    match backup::restore_with(db, &src, |staged| {
        let report = sending::carry_over(staged, &live, &shown, now, |tx| {
            notify::restored::render_again(tx, sending::SET_ASIDE, now)
        })?;
        // The live trail goes on, with the restore recorded in the restored content itself:
        // the entry exists exactly when the restore replaced the store.
        audit::carry_over(staged, &live)?;
        let tx = staged.transaction()?;
        audit::record(
            &tx,
            &who,
            &Entry::new("store.restore", &shown).after(&report),
        )?;
        tx.commit()?;
        Ok(report)
    }) {
        Ok((b, r)) => Ok(RestoreSummary {
            path: b.path,
            schema_version: b.schema_version,
            learners: b.learners,
            messages_sent: b.messages_sent,
            carried_sent: r.carried_sent,
            added_sent: r.added_sent,
            rendered_again: r.rendered_again,
            dropped: r.dropped,
            requeued: r.requeued,
            paused_reason: r.paused_reason,
        }),
        Err(e) => {
            // Put the queue's pause back as it was.
            db.writer()?.write(|tx| match &before {
                None => outbox::resume(tx),
                Some(r) => outbox::pause(tx, r, now),
            })?;
            Err(e)
        }
    }
}

/// True while the first-run choice is still to be made.
///
/// # Errors
/// Database errors.
pub fn first_run_pending(r: &Reader) -> Result<bool> {
    app::first_run_pending(r)
}

/// Carries out and remembers the first-run choice; `path` is the existing store file for
/// `Existing`, returned opened for the caller to switch to.
///
/// # Errors
/// See [`app::choose_first_run`]; [`Error::Invalid`] for a relative path.
pub fn choose_first_run(
    db: &Db,
    choice: FirstRunChoice,
    path: Option<&str>,
    now: Timestamp,
) -> Result<Option<Db>> {
    let path = path.map(absolute).transpose()?;
    let switched = app::choose_first_run(db, choice, path.as_deref(), now)?;
    // Recorded in the store used from now on (the existing file, when one was chosen).
    let e = Entry::new("store.first_run", choice.as_str())
        .after(serde_json::json!({ "path": path.map(|p| p.display().to_string()) }));
    let used = switched.as_ref().unwrap_or(db);
    used.writer()?
        .write(|tx| audit::record(tx, &db.actor(), &e))?;
    Ok(switched)
}
