//! The HR drop folder (issue 14 part 5): the folder setting, a sync now, the list of recent
//! HR files and a file's report. Every run syncs too (`scheduler::run`).

use jiff::Timestamp;

use crate::enrolment::drop_folder::{self, HrFileRecord, HrSync};
use crate::store::audit::{self, Entry};
use crate::{Reader, Result, Writer};

/// How many files the list of recent HR files shows.
pub const RECENT: u32 = 50;

/// The drop folder, if one is set.
///
/// # Errors
/// Database errors.
pub fn folder(r: &Reader) -> Result<Option<String>> {
    drop_folder::folder(r)
}

/// Sets the drop folder (an existing folder, by its full path), or none with `None`;
/// returns it as stored.
///
/// # Errors
/// [`crate::Error::Invalid`] (field `drop_folder`): nothing is written then.
pub fn set_folder(w: &mut Writer, path: Option<&str>) -> Result<Option<String>> {
    let who = w.actor();
    w.write(|tx| {
        let before = drop_folder::folder(tx)?;
        let after = drop_folder::set_folder(tx, path)?;
        let e = Entry::new("settings.drop_folder", "store").changed(&before, &after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}

/// Takes the ready files of the drop folder now: each checked whole, imported in its own
/// transaction or rejected, and moved (see `enrolment::drop_folder`).
///
/// # Errors
/// [`crate::Error::NotFound`] when the folder is set but cannot be read (nothing taken);
/// database errors.
pub fn sync(w: &mut Writer, now: Timestamp) -> Result<HrSync> {
    drop_folder::sync(w, now)
}

/// The files taken from the drop folder, newest first (at most [`RECENT`]).
///
/// # Errors
/// Database errors.
pub fn files(r: &Reader) -> Result<Vec<HrFileRecord>> {
    drop_folder::recent_files(r, RECENT)
}

/// The report of HR file `id`: what it imported, or every problem found.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown id.
pub fn report(r: &Reader, id: i64) -> Result<String> {
    drop_folder::file_report(r, id)
}
