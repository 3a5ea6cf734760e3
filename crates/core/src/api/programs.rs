//! Programs and certifications: saving the editor's draft and importing programs from JSON.
//! Both write the program, then bring its memberships up to date with the new rules.

use jiff::Timestamp;

use crate::enrolment::resettle;
use crate::import::ImportSummary;
use crate::program::{self, ProgramDraft};
use crate::store::audit::{self, Entry};
use crate::{Result, Writer};

/// Creates (`draft.id` is `None`) or updates a program or certification, then brings its
/// memberships up to date with the new rules: due dates are recomputed from their sources,
/// exceptions reviewed, and progress re-evaluated from the learners' completions (see
/// docs/ENGINE.md, "Editing a program"). Returns the program's id.
///
/// # Errors
/// As [`program::save_program`]; nothing is written then.
pub fn save(w: &mut Writer, draft: &ProgramDraft, now: Timestamp) -> Result<i64> {
    let who = w.actor();
    w.write(|tx| {
        let before = draft
            .id
            .map(|id| program::program_draft(tx, id))
            .transpose()?;
        let id = program::save_program(tx, draft, now)?;
        resettle(tx, now, [id])?;
        let after = program::program_draft(tx, id)?;
        let e = Entry::new("programs.save", &after.short_name);
        let e = match before {
            Some(b) => e.changed(&b, &after),
            None => e.after(&after),
        };
        audit::record(tx, &who, &e)?;
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
    let who = w.actor();
    w.write(|tx| {
        let (mut summary, changed) = program::import::programs(tx, now, text)?;
        let after = serde_json::json!({ "programs": audit::ids(&changed), "result": summary });
        summary.exceptions = resettle(tx, now, changed)?;
        audit::record(
            tx,
            &who,
            &Entry::new("import.programs", "programs (JSON)").after(after),
        )?;
        Ok(summary)
    })
}
