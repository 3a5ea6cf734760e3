//! Reports: the dashboard, the outlook, the membership and completion reports, and the
//! export of the membership report to a file. All read; none writes the store.

use std::io::Write;

use jiff::Timestamp;

use crate::report::completion::{self, CompletionPage, CompletionQuery, CompletionRow};
use crate::report::dashboard::{self, Dashboard};
/// Writes the membership report to a file (a full path; the Downloads folder by default) as
/// CSV or XLSX, reporting progress: the report's own entry point, which owns its read.
pub use crate::report::export::export_memberships as export;

use crate::report::format;
use crate::report::membership::{self, MembershipPage, MembershipQuery, MembershipRow};
use crate::report::outlook::{self, Outlook};
use crate::{Reader, Result};

/// The dashboard's figures as of `now`.
///
/// # Errors
/// Database errors.
pub fn dashboard(r: &Reader, now: Timestamp) -> Result<Dashboard> {
    dashboard::dashboard(r, now)
}

/// Due dates and expiries over the next 12 weeks from `now`, and the outbox's health.
///
/// # Errors
/// Database errors.
pub fn outlook(r: &Reader, now: Timestamp) -> Result<Outlook> {
    outlook::outlook(r, now)
}

/// One page of the membership report.
///
/// # Errors
/// Database errors.
pub fn membership_page(r: &Reader, q: &MembershipQuery) -> Result<MembershipPage> {
    membership::membership_page(r, q)
}

/// Every row of the membership report matching `q` (its paging ignored).
///
/// # Errors
/// Database errors.
pub fn memberships(r: &Reader, q: &MembershipQuery) -> Result<Vec<MembershipRow>> {
    format::all_memberships(r, q)
}

/// The membership report matching `q` as CSV on `out`; returns the rows written.
///
/// # Errors
/// Database and write errors.
pub fn memberships_csv(r: &Reader, q: &MembershipQuery, out: impl Write) -> Result<u32> {
    format::memberships_csv(r, q, out, &mut |_, _| {})
}

/// One page of the completion report: each membership's progress by course set.
///
/// # Errors
/// Database errors.
pub fn completion_page(r: &Reader, q: &CompletionQuery) -> Result<CompletionPage> {
    completion::completion_page(r, q)
}

/// Every row of the completion report matching `q` (page after page).
///
/// # Errors
/// Database errors.
pub fn completion_rows(r: &Reader, q: &CompletionQuery) -> Result<Vec<CompletionRow>> {
    let mut q = CompletionQuery {
        limit: 500,
        after: None,
        ..q.clone()
    };
    let mut rows = Vec::new();
    loop {
        let page = completion::completion_page(r, &q)?;
        rows.extend(page.rows);
        match page.next {
            Some(next) => q.after = Some(next),
            None => return Ok(rows),
        }
    }
}
