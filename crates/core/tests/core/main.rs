//! Integration tests of certdesk-core, one module per area.

// Shared helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod api;
mod audit;
mod backup;
mod calendar_dates;
mod certification;
mod completion_report;
mod compliance;
mod demo;
mod drop_folder;
mod enrolment;
mod exception_undo;
mod exceptions;
mod fixture;
mod fuzz;
mod hostile;
mod import;
mod import_preview;
mod lifecycle;
mod notify;
mod oauth_server;
mod period;
mod program;
mod program_edit;
mod query_plans;
mod reader_pool;
mod restore;
mod screens;
mod smtp_server;
mod store;
mod summary;
mod waiting_writers;

use certdesk_core::Db;

/// A fresh store in a temporary folder; the folder lives as long as the returned guard.
pub fn temp_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path().join("certdesk.sqlite")).expect("open store");
    (dir, db)
}
