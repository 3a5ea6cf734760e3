//! Which files of the drop folder a sync takes, and in what order.
//!
//! A file is taken when its name matches a kind (see [`kind_of`]) and it is quiet: its
//! modification time is at least [`QUIET_SECS`] before the run's `now` (the injected clock,
//! not the wall clock). A copy in progress keeps touching its file, so a file still being
//! written is left for a later sync; tools that write under a temporary name and rename at
//! the end (`*.tmp`, `*.part`, dotfiles such as rsync's `.learners.csv.XXXX`) are never
//! looked at, since only names ending in `.csv` and not starting with `.` or `~` are.
//! Sub-folders (`processed/`, `rejected/`) are not looked into.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::HrFileKind;
use crate::{Error, Result};

/// How long (seconds) a file must have been left unchanged before a sync takes it.
pub const QUIET_SECS: i64 = 30;

/// A file ready to take.
#[derive(Debug, Clone)]
pub(super) struct Ready {
    pub path: PathBuf,
    pub name: String,
    pub kind: HrFileKind,
}

/// The files ready to take, in the order to take them, and the names left for later.
pub(super) struct Scan {
    pub ready: Vec<Ready>,
    pub waiting: Vec<String>,
}

/// The kind of a dropped file by its name, any case: `learners.csv`, or the kind followed by
/// `-`, `_`, `.` or a space and anything, ending in `.csv` (`learners-2026-11-30.csv`,
/// `Assignments_batch 7.csv`). `None` for any other name (such a file is left alone).
pub fn kind_of(name: &str) -> Option<HrFileKind> {
    if name.starts_with('.') || name.starts_with('~') {
        return None;
    }
    let lower = name.to_lowercase();
    let stem = lower.strip_suffix(".csv")?;
    HrFileKind::ALL.into_iter().find(|k| {
        stem.strip_prefix(k.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_', '.', ' ']))
    })
}

/// Lists the folder (not its sub-folders): the files ready at `now`, by kind (learners,
/// assignments, completions), then modification time, then name.
///
/// # Errors
/// [`Error::NotFound`] when the folder cannot be listed.
pub(super) fn ready_files(root: &Path, now: Timestamp) -> Result<Scan> {
    let entries = std::fs::read_dir(root).map_err(|e| Error::NotFound {
        what: "drop folder",
        key: format!("{} ({e}; nothing was taken)", root.display()),
    })?;
    let mut ready = Vec::new();
    let mut waiting = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = kind_of(&name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| Timestamp::try_from(m).ok());
        match modified {
            Some(m) if m.as_second() + QUIET_SECS <= now.as_second() => {
                ready.push((kind, m, name, entry.path()));
            }
            _ => waiting.push(name),
        }
    }
    ready.sort();
    waiting.sort();
    Ok(Scan {
        ready: ready
            .into_iter()
            .map(|(kind, _, name, path)| Ready { path, name, kind })
            .collect(),
        waiting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_their_kind() {
        assert_eq!(kind_of("learners.csv"), Some(HrFileKind::Learners));
        assert_eq!(
            kind_of("Learners-2026-11-30.CSV"),
            Some(HrFileKind::Learners)
        );
        assert_eq!(
            kind_of("assignments_batch 7.csv"),
            Some(HrFileKind::Assignments)
        );
        assert_eq!(kind_of("completions.csv"), Some(HrFileKind::Completions));
        for other in [
            "learnersx.csv",
            "learners.csv.tmp",
            "learners.csv.part",
            ".learners.csv",
            "~learners.csv",
            "learners.xlsx",
            "courses.csv",
        ] {
            assert_eq!(kind_of(other), None, "{other}");
        }
    }
}
