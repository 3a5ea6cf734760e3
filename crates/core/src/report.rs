//! Exports of the membership report as CSV or JSON, built on
//! [`crate::membership::membership_page`] (read a page at a time, keyset paging).

use std::io::Write;

use crate::membership::{membership_page, MembershipQuery, MembershipRow};
use crate::{Error, Reader, Result};

/// Every membership row matching `query` (its `after` and `limit` are ignored), in report order.
///
/// # Errors
/// Database errors.
pub fn all_memberships(db: &Reader, query: &MembershipQuery) -> Result<Vec<MembershipRow>> {
    let mut q = MembershipQuery {
        after: None,
        limit: 500,
        ..query.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = membership_page(db, &q)?;
        out.extend(page.rows);
        match page.next {
            Some(next) => q.after = Some(next),
            None => return Ok(out),
        }
    }
}

/// Writes the membership report as CSV with a header line. Returns the number of rows.
///
/// # Errors
/// Database and write errors.
pub fn memberships_csv(db: &Reader, query: &MembershipQuery, out: impl Write) -> Result<u32> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    w.write_record([
        "learner_id_number",
        "learner_name",
        "managers",
        "program",
        "kind",
        "status",
        "active",
        "due_date",
        "window_opens_date",
        "expiry_date",
        "exception_status",
        "last_message_date",
    ])
    .map_err(io)?;
    let rows = all_memberships(db, query)?;
    for r in &rows {
        w.write_record([
            r.learner_id_number.as_str(),
            r.learner_name.as_str(),
            r.managers.as_str(),
            r.program_name.as_str(),
            if r.is_certification {
                "certification"
            } else {
                "program"
            },
            r.status.as_str(),
            if r.active { "1" } else { "0" },
            r.due_date.as_deref().unwrap_or(""),
            r.window_opens_date.as_deref().unwrap_or(""),
            r.expiry_date.as_deref().unwrap_or(""),
            r.exception_status.as_str(),
            r.last_message_date.as_deref().unwrap_or(""),
        ])
        .map_err(io)?;
    }
    w.flush()?;
    Ok(rows.len() as u32)
}
