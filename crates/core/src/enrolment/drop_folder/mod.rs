//! The HR drop folder (issue 14 part 5): a folder, named in the settings, where an HR system
//! drops `learners*.csv`, `assignments*.csv` and `completions*.csv` in the import formats
//! (docs/CLI.md, "The HR drop folder"). Each [`sync`] (the runs, `certdesk-cli sync`) takes
//! the files that are ready, in the order learners, assignments, completions (within a kind
//! by modification time, then name), checks each whole with the importers, imports a good
//! one in one transaction and moves it to `processed/`; a bad one imports nothing, goes to
//! `rejected/` and the site administrators are mailed once. A report sits beside each moved
//! file (`<name>.report.txt`).
//!
//! - `scan.rs`: which files are ready (name, quiet period) and their order;
//! - `take.rs`: one file: hash, check, import, record, move;
//! - `record.rs`: the `hr_file` table (migration 015): each file taken, by content hash;
//! - `alert.rs`: the rejection mail to the site administrators.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::import::ImportSummary;
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result, Writer};

mod alert;
mod record;
mod scan;
mod take;

pub use record::{file_report, recent_files, HrFileRecord};
pub use scan::{kind_of, QUIET_SECS};

const FOLDER: &str = "hr.drop_folder";

/// Which import a dropped file feeds; the order of the variants is the order of a sync.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum HrFileKind {
    Learners,
    Assignments,
    Completions,
}

impl HrFileKind {
    /// Every kind, in the order a sync takes them.
    pub const ALL: [HrFileKind; 3] = [
        HrFileKind::Learners,
        HrFileKind::Assignments,
        HrFileKind::Completions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HrFileKind::Learners => "learners",
            HrFileKind::Assignments => "assignments",
            HrFileKind::Completions => "completions",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum HrOutcome {
    /// Every row was good: imported and moved to `processed/`.
    Imported,
    /// Some row was bad: nothing imported, moved to `rejected/`, administrators mailed.
    Rejected,
    /// The same content was imported before: not imported again, moved to `rejected/`.
    Duplicate,
}

impl HrOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            HrOutcome::Imported => "imported",
            HrOutcome::Rejected => "rejected",
            HrOutcome::Duplicate => "duplicate",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::Imported, Self::Rejected, Self::Duplicate]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What one sync did with one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct HrFileOutcome {
    /// Its row in the list of HR files (for its report).
    pub id: i64,
    /// The name it was dropped under.
    pub name: String,
    pub kind: HrFileKind,
    pub outcome: HrOutcome,
    /// Data rows read.
    pub rows: u32,
    /// Problems found (every bad row counted, header included).
    pub problems: u32,
    /// What the import wrote (imported files only).
    pub summary: Option<ImportSummary>,
    /// Where it went, relative to the drop folder (e.g. `rejected/learners.csv`); `None`
    /// when the move failed (see `move_error`: the file stays and is never imported again).
    pub moved_to: Option<String>,
    pub move_error: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct HrSync {
    /// The drop folder; `None` when none is set (nothing to do).
    pub folder: Option<String>,
    /// The files taken, in the order they were taken.
    pub files: Vec<HrFileOutcome>,
    /// Files left for a later sync: still being written (changed within the quiet period).
    pub waiting: Vec<String>,
}

/// The drop folder, if one is set.
///
/// # Errors
/// Database errors.
pub fn folder(conn: &rusqlite::Connection) -> Result<Option<String>> {
    get_setting(conn, FOLDER).map(|v| v.filter(|s| !s.is_empty()))
}

/// Sets the drop folder (`None`: no folder, syncs do nothing). The folder must exist and be
/// named by an absolute path (the app, the CLI and the systemd timer share it).
///
/// # Errors
/// [`Error::Invalid`] (field `drop_folder`) for a relative path or one that is not a folder.
pub fn set_folder(conn: &rusqlite::Connection, path: Option<&str>) -> Result<Option<String>> {
    let path = path.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = path {
        if !Path::new(p).is_absolute() {
            return Err(Error::invalid(
                "drop_folder",
                format!("give the folder's full path, not '{p}'"),
            ));
        }
        if !Path::new(p).is_dir() {
            return Err(Error::invalid(
                "drop_folder",
                format!("{p} is not a folder (or cannot be reached)"),
            ));
        }
    }
    set_setting(conn, FOLDER, path.unwrap_or(""))?;
    folder(conn)
}

/// Takes every ready file of the drop folder (see the module docs); nothing when no folder
/// is set. Each file is its own transaction: a file that fails leaves those before it done.
///
/// # Errors
/// [`Error::NotFound`] (`drop folder`) when the folder is set but cannot be read (an
/// unmounted drive): nothing is taken or moved; database errors.
pub fn sync(w: &mut Writer, now: Timestamp) -> Result<HrSync> {
    let Some(dir) = folder(w.conn())? else {
        return Ok(HrSync::default());
    };
    let root = PathBuf::from(&dir);
    if !root.is_dir() {
        return Err(Error::NotFound {
            what: "drop folder",
            key: format!("{dir} (is the drive mounted? nothing was taken)"),
        });
    }
    let scan = scan::ready_files(&root, now)?;
    let mut files = Vec::with_capacity(scan.ready.len());
    for f in &scan.ready {
        if let Some(taken) = take::take(w, now, &root, f)? {
            files.push(taken);
        }
    }
    Ok(HrSync {
        folder: Some(dir),
        files,
        waiting: scan.waiting,
    })
}
