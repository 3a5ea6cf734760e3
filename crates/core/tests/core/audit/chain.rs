//! The hash chain: it verifies, and finds exactly the entry edited with the `sqlite3` tool
//! or a raw connection, an entry deleted, a cut-off tail, and a removed head.

use certdesk_core::api;
use certdesk_core::store::audit::{ProblemKind, Verification};
use certdesk_core::Db;

use super::alice_db;

/// A store with five entries (run interval set to 11 .. 15 minutes).
fn five() -> (tempfile::TempDir, Db) {
    let (dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    for m in 11..=15 {
        api::settings::set_run_interval(&mut w, m).unwrap();
    }
    (dir, db)
}

fn verify(db: &Db) -> Verification {
    api::audit::verify(&db.reader().unwrap()).unwrap()
}

/// Runs `sql` on the store file with a raw connection, as someone with the file would.
fn tamper(db: &Db, sql: &str) {
    let c = rusqlite::Connection::open(db.path()).unwrap();
    c.execute_batch(sql).unwrap();
}

fn problem(v: &Verification) -> (i64, ProblemKind) {
    assert!(!v.ok, "{v:?}");
    let p = v.problem.as_ref().unwrap();
    (p.entry_id, p.kind)
}

#[test]
fn an_untouched_trail_verifies_with_its_count() {
    let (_dir, db) = five();
    let v = verify(&db);
    assert!(v.ok && v.problem.is_none(), "{v:?}");
    assert_eq!(v.count, 5);
    let (_dir, empty) = alice_db();
    assert_eq!(verify(&empty).count, 0);
    assert!(verify(&empty).ok);
}

#[test]
fn an_entry_edited_with_the_sqlite3_tool_is_found_exactly() {
    let (_dir, db) = five();
    let out = std::process::Command::new("sqlite3")
        .arg(db.path())
        .arg("UPDATE audit_entry SET after = '99' WHERE id = 3;")
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        // No sqlite3 tool on this machine: the same edit through a raw connection.
        _ => tamper(&db, "UPDATE audit_entry SET after = '99' WHERE id = 3"),
    }
    let v = verify(&db);
    assert_eq!(problem(&v), (3, ProblemKind::Altered));
    assert_eq!(v.count, 2, "entries 1 and 2 are good");
}

#[test]
fn edits_of_the_user_time_or_hash_are_found_at_that_entry() {
    for sql in [
        "UPDATE audit_entry SET os_user = 'mallory' WHERE id = 2",
        "UPDATE audit_entry SET at = at - 3600 WHERE id = 2",
        "UPDATE audit_entry SET hash = 'abc' WHERE id = 2",
    ] {
        let (_dir, db) = five();
        tamper(&db, sql);
        assert_eq!(problem(&verify(&db)), (2, ProblemKind::Altered), "{sql}");
    }
}

#[test]
fn a_deleted_entry_is_found_missing() {
    let (_dir, db) = five();
    tamper(&db, "DELETE FROM audit_entry WHERE id = 4");
    let v = verify(&db);
    assert_eq!(problem(&v), (4, ProblemKind::Missing));
    assert!(v.problem.unwrap().detail.contains("missing"));
    // Renumbering the later entries to close the gap breaks their hashes.
    let (_dir, db) = five();
    tamper(
        &db,
        "DELETE FROM audit_entry WHERE id = 4; UPDATE audit_entry SET id = 4 WHERE id = 5;
         UPDATE setting SET value = '4' || substr(value, 2) WHERE key = 'audit.head'",
    );
    assert_eq!(problem(&verify(&db)), (4, ProblemKind::Altered));
}

#[test]
fn a_cut_off_tail_and_a_removed_head_are_found() {
    let (_dir, db) = five();
    tamper(&db, "DELETE FROM audit_entry WHERE id >= 4");
    let v = verify(&db);
    assert_eq!(problem(&v), (4, ProblemKind::Missing));
    assert!(v.problem.unwrap().detail.contains("cut off"));
    let (_dir, db) = five();
    tamper(&db, "DELETE FROM audit_entry");
    assert_eq!(problem(&verify(&db)), (1, ProblemKind::Missing));
    let (_dir, db) = five();
    tamper(&db, "DELETE FROM setting WHERE key = 'audit.head'");
    assert_eq!(problem(&verify(&db)), (5, ProblemKind::Head));
}

#[test]
fn an_entry_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next() {
    // Someone who edits entry 2 and recomputes its hash: entry 3 no longer follows it.
    let (_dir, db) = five();
    let r = db.reader().unwrap();
    let (at, prev): (i64, String) = r
        .query_row(
            "SELECT at, prev_hash FROM audit_entry WHERE id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(r);
    let canonical =
        serde_json::json!([2, at, "alice", "settings.run_interval", "store", "11", "99"])
            .to_string();
    let hash = sha256_hex(&format!("{prev}\n{canonical}"));
    tamper(
        &db,
        &format!("UPDATE audit_entry SET after = '99', hash = '{hash}' WHERE id = 2"),
    );
    assert_eq!(problem(&verify(&db)), (3, ProblemKind::Missing));
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
