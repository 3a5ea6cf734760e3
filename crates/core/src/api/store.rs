//! The store as a whole: backups and restores while it is in use, and the first-run choice
//! on an empty data folder.

use std::path::PathBuf;

use jiff::Timestamp;

use crate::app::{self, FirstRunChoice};
use crate::store::backup::{self, BackupSummary};
use crate::{Db, Error, Reader, Result};

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
/// [`Error::Invalid`] for a relative path; file and database errors.
pub fn backup(db: &Db, path: &str) -> Result<BackupSummary> {
    backup::backup(db, &absolute(path)?)
}

/// Replaces the store's content with the backup at `path` (a full path).
///
/// # Errors
/// [`Error::Invalid`] for a relative path, [`Error::NotAStore`] and [`Error::NewerSchema`]
/// for a file this version cannot restore; the store is untouched then.
pub fn restore(db: &Db, path: &str) -> Result<BackupSummary> {
    backup::restore(db, &absolute(path)?)
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
    app::choose_first_run(db, choice, path.as_deref(), now)
}
