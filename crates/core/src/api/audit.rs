//! The audit trail (issue 13 part 4, docs/AUDIT.md): verify its hash chain, list it with
//! filters, export it; all read. The entries themselves are written by every other entry
//! point of `api/`, inside its own transaction (`store::audit::record`).

use std::io::Write;

use crate::report::trail::{self, TrailExport, TrailFormat};
use crate::store::audit::query::{self, AuditFilter, AuditPage};
use crate::store::audit::{self, Verification};
use crate::{Reader, Result};

/// Walks the whole chain: OK with the number of entries, or the first altered or missing
/// entry. Reads one snapshot.
///
/// # Errors
/// Database errors.
pub fn verify(r: &Reader) -> Result<Verification> {
    let tx = r.unchecked_transaction()?; // one snapshot: entries and head agree
    audit::verify(&tx)
}

/// A page of entries matching `f`, newest first, with the actions and users there are.
///
/// # Errors
/// [`crate::Error::Invalid`] for a malformed date; database errors.
pub fn list(r: &Reader, f: &AuditFilter) -> Result<AuditPage> {
    query::list(r, f)
}

/// Writes the entries matching `f` (oldest first) to the file `path` (a full path), whole
/// or not at all.
///
/// # Errors
/// [`crate::Error::Invalid`] for a relative path, a missing folder or a malformed date;
/// database and file errors.
pub fn export(r: &Reader, f: &AuditFilter, format: TrailFormat, path: &str) -> Result<TrailExport> {
    trail::to_file(path, |out| trail::audit(r, f, format, out))
}

/// As [`export`], to any writer (the CLI's standard output); returns how many entries.
///
/// # Errors
/// As [`export`].
pub fn export_to(r: &Reader, f: &AuditFilter, format: TrailFormat, out: impl Write) -> Result<u32> {
    trail::audit(r, f, format, out)
}
