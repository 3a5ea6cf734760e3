//! Backups and restores of the store while it is in use, through SQLite's online backup.
//!
//! A backup copies every page in one step, so it is a consistent snapshot even while the
//! sender is marking messages sent; it is written to a new private (0600) file beside the
//! target and renamed into place, so a failed backup never leaves a half-written file. The
//! target may not be the live store, its `-wal`, `-shm` or `-journal` (by path or by file
//! identity), a symbolic link, or anything but a regular file.
//!
//! A restore first checks that the file is a CertDesk store from this or an older schema,
//! copies it to a private staging file beside the live store, migrates it and lets the
//! caller prepare it (the outbox's record of what was already sent, a paused queue), and
//! only then replaces the live store's content in one step: nothing of the restored file
//! is visible to a sender before it is prepared.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::store::{migrations, APPLICATION_ID, LATEST_VERSION};
use crate::{Db, Error, Result};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BackupSummary {
    pub path: String,
    pub schema_version: u32,
    pub learners: u32,
    pub messages_sent: u32,
}

/// Writes a consistent copy of the store to `dest` (replacing a regular file there).
///
/// # Errors
/// [`Error::Invalid`] (field `backup file`) for the live store or its `-wal`/`-shm`, a
/// symbolic link or a target that is not a regular file; file and database errors.
pub fn backup(db: &Db, dest: &Path) -> Result<BackupSummary> {
    check_target(db.path(), dest)?;
    let src = db.reader()?;
    let tmp = private_file(dest)?;
    let written = (|| -> Result<()> {
        let mut out = Connection::open(&tmp)?;
        copy_all(&src, &mut out)?;
        out.execute_batch("PRAGMA journal_mode = DELETE")?;
        Ok(())
    })();
    let renamed = written.and_then(|()| {
        check_target(db.path(), dest)?; // again: the target may have changed meanwhile
        Ok(std::fs::rename(&tmp, dest)?)
    });
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    summarise(dest)
}

/// Refuses a backup target that would overwrite the live store (or its `-wal`/`-shm`), a
/// symbolic link, or anything but a regular file.
fn check_target(store: &Path, dest: &Path) -> Result<()> {
    let shown = dest.display();
    let refuse = |why: String| Err(Error::invalid("backup file", why));
    let Some(name) = dest.file_name() else {
        return refuse(format!("{shown} names no file"));
    };
    let existing = match std::fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_symlink() => {
            return refuse(format!(
                "{shown} is a symbolic link; give the path of a regular file"
            ))
        }
        Ok(m) if !m.is_file() => {
            return refuse(format!(
                "{shown} is not a regular file (a folder or a device); give a file path"
            ))
        }
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty());
    let dest_real = parent
        .map_or_else(|| Path::new(".").canonicalize(), Path::canonicalize)?
        .join(name);
    let live = store_files(store);
    let same_file = |m: &std::fs::Metadata| {
        live.iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .any(|l| same_identity(&l, m))
    };
    if live.contains(&dest_real) || existing.as_ref().is_some_and(same_file) {
        return refuse(format!(
            "{shown} is the live store (or its -wal/-shm): choose another file"
        ));
    }
    Ok(())
}

/// The live store's files, under the path it was opened by and its real path.
fn store_files(store: &Path) -> Vec<PathBuf> {
    let mut bases = vec![store.to_path_buf()];
    bases.extend(store.canonicalize().ok());
    if let (Some(dir), Some(name)) = (store.parent(), store.file_name()) {
        bases.extend(dir.canonicalize().ok().map(|d| d.join(name)));
    }
    let mut out = Vec::new();
    for b in bases {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = b.clone().into_os_string();
            p.push(suffix);
            out.push(PathBuf::from(p));
        }
    }
    out
}

#[cfg(unix)]
fn same_identity(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_identity(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Creates a new, empty file beside `near` that only its owner can read and write (0600
/// whatever the umask); never an existing file or a link.
pub(crate) fn private_file(near: &Path) -> Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = near
        .file_name()
        .map_or_else(|| "certdesk".into(), |n| n.to_string_lossy().into_owned());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = near.with_file_name(format!(".{name}.{}-{n}.partial", std::process::id()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        o.open(&tmp)?
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    o.open(&tmp)?;
    Ok(tmp)
}

/// Replaces the store's content with the backup at `src`, after checking it.
///
/// # Errors
/// [`Error::NotAStore`] for a file that is not a CertDesk store (or is damaged), and
/// [`Error::NewerSchema`] for one written by a newer version; the store is untouched then.
pub fn restore(db: &Db, src: &Path) -> Result<BackupSummary> {
    restore_with(db, src, |_| Ok(())).map(|(s, ())| s)
}

/// As [`restore`], with `prepare` run on the migrated copy of the backup (a connection of
/// its own, no transaction open) before it replaces the live store's content.
///
/// # Errors
/// As [`restore`], and those of `prepare`; the live store is untouched then.
pub fn restore_with<T>(
    db: &Db,
    src: &Path,
    prepare: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<(BackupSummary, T)> {
    let summary = summarise(src)?;
    let staged = private_file(db.path())?;
    let done = (|| -> Result<T> {
        let mut copy = Connection::open(&staged)?;
        {
            let from = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            copy_all(&from, &mut copy)?;
        }
        migrations::migrate(&mut copy, src)?;
        let out = prepare(&mut copy)?;
        let mut writer = db.writer()?;
        copy_all(&copy, writer.conn_mut())?;
        Ok(out)
    })();
    let _ = std::fs::remove_file(&staged);
    let mut journal = staged.into_os_string();
    journal.push("-journal");
    let _ = std::fs::remove_file(journal);
    let out = done?;
    Db::open(db.path())?;
    Ok((summary, out))
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
