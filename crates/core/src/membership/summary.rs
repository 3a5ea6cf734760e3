//! Keeping the summary figures (migrations 005 and 013) right when memberships change.
//!
//! Triggers count inserted and deleted memberships and every exception change. Updates of
//! `assignment` are counted here instead, by the writers: a trigger on `assignment` updates
//! would make each single-row `UPDATE` (the engine's, the realistic due date's) keep a
//! statement journal, which spills to a temporary file at this table's dozen indexes and
//! doubled the engine's time (docs/BENCHMARKS.md, "Summary figures").
//!
//! A writer brackets its updates of a set of memberships (a temporary table of ids):
//! [`leave`] takes their figures out, the updates run, [`enter`] puts them back as they now
//! are. Updates of other memberships inside the bracket, or nested brackets over the same
//! memberships, would count wrong. Exceptions must not change inside a bracket, except with
//! [`Scope::Figures`] or [`Scope::NotExpiry`], which leave the raised-exception counts to the
//! triggers.

use rusqlite::Connection;

use crate::Result;

/// Which figures a bracket moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Memberships by status, expiries and due dates: for updates that keep each
    /// membership current (or not) as it was.
    Figures,
    /// Those and the raised exceptions of the memberships: for updates that end memberships
    /// or start them again (`unassigned_at`).
    WithExceptions,
    /// [`Scope::Figures`] but the expiries: for updates that set only whether a membership
    /// is active, its due date, assigned-at and exception status (the exception actions),
    /// none of which the expiry figures count.
    NotExpiry,
}

/// Takes the memberships of `temp.{table}` (a column `id`) out of the figures.
///
/// # Errors
/// Database errors.
pub(crate) fn leave(tx: &Connection, table: &str, scope: Scope) -> Result<()> {
    apply(tx, table, scope, -1)
}

/// Puts the memberships of `temp.{table}` back into the figures, as they are now.
///
/// # Errors
/// Database errors.
pub(crate) fn enter(tx: &Connection, table: &str, scope: Scope) -> Result<()> {
    apply(tx, table, scope, 1)
}

fn apply(tx: &Connection, table: &str, scope: Scope, sign: i64) -> Result<()> {
    let from = format!("FROM temp.{table} t CROSS JOIN assignment a ON a.id = t.id");
    let day = |c: &str| format!("a.{c} / 86400 - (a.{c} % 86400 < 0)");
    let mut statements = vec![format!(
        "INSERT INTO summary_membership (program_id, status, exception_status, memberships)
         SELECT a.program_id, a.status, a.exception_status, ?1 * count(*) {from}
         WHERE a.unassigned_at IS NULL GROUP BY 1, 2, 3
         ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships"
    )];
    if scope != Scope::NotExpiry {
        statements.push(format!(
            "INSERT INTO summary_expiry (day, program_id, memberships)
             SELECT {}, a.program_id, ?1 * count(*) {from}
             WHERE a.unassigned_at IS NULL AND a.status IN ('certified', 'window_open')
               AND a.expires_at IS NOT NULL GROUP BY 1, 2
             ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships",
            day("expires_at")
        ));
    }
    statements.extend([
        format!(
            "INSERT INTO summary_due (day, program_id, memberships)
             SELECT {}, a.program_id, ?1 * count(*) {from}
             WHERE a.unassigned_at IS NULL AND a.active = 1
               AND a.status NOT IN ('complete', 'certified') AND a.due_at IS NOT NULL GROUP BY 1, 2
             ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships",
            day("due_at")
        ),
        format!(
            "INSERT INTO summary_group (group_id, status, exception_status, memberships)
             SELECT gm.group_id, a.status, a.exception_status, ?1 * count(*) {from}
             CROSS JOIN group_member gm ON gm.learner_id = a.learner_id
             WHERE a.unassigned_at IS NULL GROUP BY 1, 2, 3
             ON CONFLICT DO UPDATE SET memberships = memberships + excluded.memberships"
        ),
    ]);
    if scope == Scope::WithExceptions {
        statements.push(format!(
            "INSERT INTO summary_exception (program_id, raised)
             SELECT a.program_id, ?1 * count(*) {from}
             CROSS JOIN exception e ON e.assignment_id = a.id AND e.status = 'raised'
             WHERE a.unassigned_at IS NULL GROUP BY 1
             ON CONFLICT DO UPDATE SET raised = raised + excluded.raised"
        ));
    }
    for sql in statements {
        tx.prepare_cached(&sql)?.execute([sign])?;
    }
    Ok(())
}
