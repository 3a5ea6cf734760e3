//! Programs and certifications: saving the editor's draft and importing programs from JSON.
//! Both write the program, then bring its memberships up to date with the new rules.

use jiff::Timestamp;

use crate::enrolment::resettle;
use crate::import::ImportSummary;
use crate::program::{self, ProgramDraft};
use crate::{Result, Writer};

/// Creates (`draft.id` is `None`) or updates a program or certification, then brings its
/// memberships up to date with the new rules: due dates are recomputed from their sources,
/// exceptions reviewed, and progress re-evaluated from the learners' completions (see
/// docs/ENGINE.md, "Editing a program"). Returns the program's id.
///
/// # Errors
/// As [`program::save_program`]; nothing is written then.
pub fn save(w: &mut Writer, draft: &ProgramDraft, now: Timestamp) -> Result<i64> {
    w.write(|tx| {
        let id = program::save_program(tx, draft, now)?;
        resettle(tx, now, [id])?;
        Ok(id)
    })
}

/// Imports programs and certifications from JSON text (matched by short name: importing
/// again updates them), then settles their memberships.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every problem with the line of its program; nothing
/// is written then.
pub fn import(w: &mut Writer, text: &str, now: Timestamp) -> Result<ImportSummary> {
    // The whole file is checked first, outside any write transaction (a read does not take
    // the write lock): a refused file never makes another writer wait. The transaction then
    // checks it again (the store may have changed meanwhile: a short name taken, a course
    // deleted) and writes it.
    {
        let read = w.conn().unchecked_transaction()?; // deferred: reads only, rolled back
        program::import::check(&read, text)?;
    }
    w.write(|tx| {
        let (mut summary, changed) = program::import::programs(tx, now, text)?;
        summary.exceptions = resettle(tx, now, changed)?;
        Ok(summary)
    })
}
