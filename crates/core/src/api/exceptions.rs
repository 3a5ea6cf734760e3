//! The exception report, the bulk actions that fix its rows, their history and their undo.

use jiff::Timestamp;
use serde_json::json;

use crate::exception::action::{self, ActionOutcome, ExceptionAction, ExceptionRow, Selection};
use crate::exception::batch::{self, ActionBatch};
use crate::exception::undo::{self, UndoOutcome};
use crate::exception::ExceptionKind;
use crate::store::audit::{self, Entry};
use crate::time::secs;
use crate::{Error, Reader, Result, Writer};

/// A page of raised exceptions, optionally of one type, after exception id `after`.
///
/// # Errors
/// Database errors.
pub fn list(
    r: &Reader,
    kind: Option<ExceptionKind>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<ExceptionRow>> {
    action::raised_exceptions(r, kind, after, limit)
}

/// Every raised exception, optionally of one type (page after page).
///
/// # Errors
/// Database errors.
pub fn list_all(r: &Reader, kind: Option<ExceptionKind>) -> Result<Vec<ExceptionRow>> {
    const PAGE: u32 = 1000;
    let mut rows: Vec<ExceptionRow> = Vec::new();
    loop {
        let page = action::raised_exceptions(r, kind, rows.last().map(|x| x.id), PAGE)?;
        let n = page.len();
        rows.extend(page);
        if n < PAGE as usize {
            return Ok(rows);
        }
    }
}

/// Refuses a selection naming exception ids that do not exist.
fn refuse_unknown(outcome: &ActionOutcome) -> Result<()> {
    let unknown: Vec<String> = outcome
        .skipped
        .iter()
        .filter(|s| s.kind.is_none())
        .map(|s| s.exception_id.to_string())
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: "exception",
            key: unknown.join(", "),
        })
    }
}

/// How many selected rows `action` would change, and which it would skip and why. Writes
/// nothing (the preview fills temporary tables, so it needs the write connection).
///
/// # Errors
/// [`Error::NotFound`] when a picked id names no exception; database errors.
pub fn preview(w: &mut Writer, sel: &Selection, act: ExceptionAction) -> Result<ActionOutcome> {
    // Temporary tables only: no transaction, so the store's writers are not held up.
    let outcome = action::preview(w.conn(), sel, act)?;
    refuse_unknown(&outcome)?;
    Ok(outcome)
}

/// Applies `act` to the selected rows in one transaction, calling `progress(done, total)`
/// after each chunk (the rows become visible together at the end).
///
/// # Errors
/// [`Error::NotFound`] (nothing written) when a picked id names no exception.
pub fn apply(
    w: &mut Writer,
    now: Timestamp,
    sel: &Selection,
    act: ExceptionAction,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<ActionOutcome> {
    let who = w.actor();
    w.write(|tx| {
        let outcome = action::apply(tx, now, sel, act, progress)?;
        refuse_unknown(&outcome)?;
        // Counts and the batch, not the rows: the batch (exception/batch.rs) holds those.
        let after = json!({ "all": sel.all, "kind": sel.kind, "ids": audit::ids(&sel.ids),
            "changed": outcome.changed, "skipped": outcome.skipped.len(),
            "batch": outcome.batch });
        let e = Entry::new("exceptions.apply", act.as_str()).after(after);
        audit::record(tx, &who, &e)?;
        Ok(outcome)
    })
}

/// The applied bulk actions, newest first.
///
/// # Errors
/// Database errors.
pub fn history(r: &Reader) -> Result<Vec<ActionBatch>> {
    batch::history(r)
}

/// Undoes batch `id` in one transaction: every row back as it was, the queued messages the
/// action caused withdrawn (`exception/undo.rs` says which).
///
/// # Errors
/// [`Error::NotFound`], [`Error::AlreadyUndone`], and [`Error::NeedsConfirmation`] (nothing
/// written) when messages it caused were already sent and `confirm_sent` is false.
pub fn undo(w: &mut Writer, now: Timestamp, id: i64, confirm_sent: bool) -> Result<UndoOutcome> {
    let who = w.actor();
    w.write(|tx| {
        let o = undo::undo(tx, secs(now), id, confirm_sent)?;
        let e = Entry::new("exceptions.undo", format!("batch {id}")).after(&o);
        audit::record(tx, &who, &e)?;
        Ok(o)
    })
}
