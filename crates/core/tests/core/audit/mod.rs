//! The audit trail (issue 13 part 4): an entry for each kind of change a person makes, none
//! for a change that failed, the hash chain verifies and finds an entry edited or deleted
//! behind CertDesk's back, and the exports carry their columns.

mod actions;
mod chain;
mod export;

use std::path::Path;
use std::sync::Arc;

use certdesk_core::api;
use certdesk_core::store::audit::query::{AuditFilter, AuditRow};
use certdesk_core::store::audit::Actor;
use certdesk_core::{Db, ManualClock};

use crate::fixture::t;

/// The instant every entry of these tests is made at.
pub const AT: &str = "2026-05-04T09:30:00Z";

/// `db` with its changes recorded as made by "alice" at [`AT`].
pub fn as_alice(db: Db) -> Db {
    db.with_actor(Actor::new("alice", Arc::new(ManualClock::new(t(AT)))))
}

/// A fresh store in a temporary folder whose changes "alice" makes.
pub fn alice_db() -> (tempfile::TempDir, Db) {
    let (dir, db) = crate::temp_db();
    (dir, as_alice(db))
}

/// Every entry, oldest first.
pub fn entries(db: &Db) -> Vec<AuditRow> {
    let f = AuditFilter {
        limit: Some(1000),
        ..AuditFilter::default()
    };
    let mut v = api::audit::list(&db.reader().unwrap(), &f).unwrap().entries;
    v.reverse();
    v
}

/// The entries after the first `skip`, as `action subject` lines.
pub fn actions_after(db: &Db, skip: usize) -> Vec<String> {
    entries(db)
        .iter()
        .skip(skip)
        .map(|e| format!("{} {}", e.action, e.subject))
        .collect()
}

/// Writes `text` to `name` in `dir`; returns its full path as text.
pub fn file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}
