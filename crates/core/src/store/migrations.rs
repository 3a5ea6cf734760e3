//! Numbered, forward-only schema migrations. The schema version lives in `user_version`;
//! a store is recognised by its `application_id`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::APPLICATION_ID;
use crate::{Error, Result};

/// Every migration, in order: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_init.sql"),
    include_str!("../../migrations/002_engine.sql"),
    include_str!("../../migrations/003_notify.sql"),
    include_str!("../../migrations/004_membership_sort.sql"),
    include_str!("../../migrations/005_summary.sql"),
    include_str!("../../migrations/006_indexes.sql"),
    include_str!("../../migrations/007_send_window.sql"),
    include_str!("../../migrations/008_episode.sql"),
    include_str!("../../migrations/009_repeat_escalation.sql"),
    include_str!("../../migrations/010_calendar_dates.sql"),
    include_str!("../../migrations/011_digest.sql"),
    include_str!("../../migrations/012_action_batch.sql"),
    include_str!("../../migrations/013_compliance.sql"),
    include_str!("../../migrations/014_audit.sql"),
    include_str!("../../migrations/015_hr_files.sql"),
    include_str!("../../migrations/016_digest_pending_by_manager.sql"),
];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the store at `conn` to [`LATEST_VERSION`]. A store already there is only read
/// (no write lock), so opening it never waits behind a long writer; otherwise the check is
/// repeated and the migrations applied inside one `BEGIN IMMEDIATE` transaction.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if version == LATEST_VERSION && app_id == APPLICATION_ID {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    let shown = || path.display().to_string();
    if app_id != APPLICATION_ID && (version != 0 || tables != 0 || app_id != 0) {
        return Err(Error::NotAStore { path: shown() });
    }
    if version > LATEST_VERSION {
        return Err(Error::NewerSchema {
            path: shown(),
            found: version,
            known: LATEST_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}
