//! Backups and restores of the store while it is in use, through SQLite's online backup.
//!
//! A backup copies every page in one step, so it is a consistent snapshot even while the
//! sender is marking messages sent; it is written to a temporary file beside the target and
//! renamed into place, so a failed backup never leaves a half-written file. A restore first
//! checks that the file is a CertDesk store from this or an older schema, then replaces the
//! live store's content in one step and applies any newer migrations.

use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::store::{APPLICATION_ID, LATEST_VERSION};
use crate::{Db, Error, Result};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BackupSummary {
    pub path: String,
    pub schema_version: u32,
    pub learners: u32,
    pub messages_sent: u32,
}

/// Writes a consistent copy of the store to `dest` (replacing it if it exists).
pub fn backup(db: &Db, dest: &Path) -> Result<BackupSummary> {
    let src = db.reader()?;
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let mut out = Connection::open(&tmp)?;
    copy_all(&src, &mut out)?;
    out.execute_batch("PRAGMA journal_mode = DELETE")?;
    drop(out);
    std::fs::rename(&tmp, dest)?;
    summarise(dest)
}

/// Replaces the store's content with the backup at `src`, after checking it.
///
/// # Errors
/// [`Error::NotAStore`] for a file that is not a CertDesk store (or is damaged), and
/// [`Error::NewerSchema`] for one written by a newer version; the store is untouched then.
pub fn restore(db: &Db, src: &Path) -> Result<BackupSummary> {
    let summary = summarise(src)?;
    let from = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut writer = db.writer()?;
    copy_all(&from, writer.conn_mut())?;
    drop(writer);
    Db::open(db.path())?; // applies migrations newer than the backup
    Ok(summary)
}

fn copy_all(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = Backup::new(from, to)?;
    // A negative page count copies everything in one step: one consistent snapshot.
    match backup.step(-1)? {
        StepResult::Done => Ok(()),
        other => Err(Error::Database(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some(format!("the copy did not finish ({other:?}); try again")),
        ))),
    }
}

/// Checks that `path` holds a CertDesk store this version can open, and counts what is in it.
pub(crate) fn summarise(path: &Path) -> Result<BackupSummary> {
    let shown = || path.display().to_string();
    let not_a_store = |_| Error::NotAStore { path: shown() };
    if !path.is_file() {
        return Err(Error::NotFound {
            what: "backup file",
            key: shown(),
        });
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(not_a_store)?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_a_store)?;
    if app != APPLICATION_ID {
        return Err(Error::NotAStore { path: shown() });
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > LATEST_VERSION {
        return Err(Error::NewerSchema {
            path: shown(),
            found: version,
            known: LATEST_VERSION,
        });
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(not_a_store)?;
    if check != "ok" {
        return Err(Error::NotAStore { path: shown() });
    }
    Ok(BackupSummary {
        path: shown(),
        schema_version: u32::try_from(version).unwrap_or(0),
        learners: conn.query_row("SELECT count(*) FROM learner", [], |r| r.get(0))?,
        messages_sent: conn.query_row(
            "SELECT count(*) FROM message WHERE state = 'sent'",
            [],
            |r| r.get(0),
        )?,
    })
}
