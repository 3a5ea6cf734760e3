//! The exports: the audit trail for a period as CSV and JSON Lines with their columns and
//! filters, and the message log for a period (who was notified of what, when).

use certdesk_core::api;
use certdesk_core::report::message_log;
use certdesk_core::report::trail::{TrailFormat, AUDIT_COLUMNS};
use certdesk_core::store::audit::query::AuditFilter;
use serde_json::Value;

use super::{alice_db, as_alice, AT};
use crate::fixture::{assign, run, store};

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_audit_export_has_its_columns_in_both_formats_and_honours_the_filters() {
    let (dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    api::settings::set_run_interval(&mut w, 15).unwrap();
    api::admins::add(&mut w, "=HYPERLINK(1)", "ada@x.org").unwrap();
    let r = db.reader().unwrap();
    let all = AuditFilter::default();
    let path = dir.path().join("audit.csv").display().to_string();
    let done = api::audit::export(&r, &all, TrailFormat::Csv, &path).unwrap();
    assert_eq!(done.rows, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next().unwrap(), AUDIT_COLUMNS.join(","));
    let rows = csv_rows(&text);
    assert_eq!(
        rows[0][..5],
        ["1", AT, "alice", "settings.run_interval", "store"]
    );
    assert_eq!(rows[0][6], "15");
    assert_eq!(rows[0][7].len(), 64, "the SHA-256 in hex");
    let mut out = Vec::new();
    api::audit::export_to(&r, &all, TrailFormat::Jsonl, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("{\"id\":1,\"at\":"),
        "the columns' order: {text}"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let keys: Vec<&str> = lines[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = AUDIT_COLUMNS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(
        lines[1]["after"]["full_name"], "=HYPERLINK(1)",
        "JSON Lines verbatim"
    );
    // The filters: by area, by user, by period (UTC days, both included).
    let count = |f: AuditFilter| {
        let mut sink = Vec::new();
        api::audit::export_to(&r, &f, TrailFormat::Csv, &mut sink).unwrap()
    };
    let area = |a: &str| AuditFilter {
        action: Some(a.into()),
        ..AuditFilter::default()
    };
    assert_eq!(count(area("admins")), 1);
    assert_eq!(count(area("admins.add")), 1);
    assert_eq!(count(area("admin")), 0, "an area is a whole word");
    let user = |u: &str| AuditFilter {
        user: Some(u.into()),
        ..AuditFilter::default()
    };
    assert_eq!((count(user("alice")), count(user("bob"))), (2, 0));
    let days = |from: &str, to: &str| AuditFilter {
        from: Some(from.into()),
        to: Some(to.into()),
        ..AuditFilter::default()
    };
    assert_eq!(count(days("2026-05-04", "2026-05-04")), 2);
    assert_eq!(count(days("2026-05-05", "2026-05-31")), 0);
    assert_eq!(count(days("2026-04-01", "2026-05-03")), 0);
    let e = api::audit::export(&r, &all, TrailFormat::Csv, "audit.csv").unwrap_err();
    assert_eq!(
        e.kind(),
        certdesk_core::ErrorKind::Invalid,
        "a relative path is refused"
    );
}

#[test]
fn the_audit_list_pages_newest_first_and_offers_the_actions_and_users() {
    let (_dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    for m in 11..=15 {
        api::settings::set_run_interval(&mut w, m).unwrap();
    }
    api::settings::set_catch_up_days(&mut w, 3).unwrap();
    let r = db.reader().unwrap();
    let f = AuditFilter {
        limit: Some(4),
        ..AuditFilter::default()
    };
    let page = api::audit::list(&r, &f).unwrap();
    let ids: Vec<i64> = page.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [6, 5, 4, 3]);
    assert_eq!(page.next_before_id, Some(3));
    assert_eq!(
        page.actions,
        ["settings.catch_up_days", "settings.run_interval"]
    );
    assert_eq!(page.users, ["alice"]);
    let next = AuditFilter {
        before_id: page.next_before_id,
        ..f
    };
    let ids: Vec<i64> = api::audit::list(&r, &next)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [2, 1]);
}

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "SAFE", "full_name": "Safety",
    "due": { "rule": "fixed", "date": "2026-12-01" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1"] } ] } ] }"#;

#[test]
fn the_message_log_export_says_who_was_notified_of_what_and_when() {
    let (dir, db) = store(
        PROGRAMS,
        "id_number,full_name,email,time_zone\nL1,Lee One,l1@x.org,UTC\n",
    );
    let db = as_alice(db);
    assign(&db, "2026-03-01T12:00:00Z", "SAFE", &["L1"]);
    run(&db, "2026-03-01T12:00:00Z");
    let r = db.reader().unwrap();
    let path = dir.path().join("log.csv").display().to_string();
    let done = api::messages::export(
        &r,
        Some("2026-03-01"),
        Some("2026-03-01"),
        TrailFormat::Csv,
        &path,
    )
    .unwrap();
    assert!(done.rows >= 1, "{done:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next().unwrap(), message_log::COLUMNS.join(","));
    let rows = csv_rows(&text);
    let l1 = rows
        .iter()
        .find(|r| r[9] == "l1@x.org")
        .expect("the learner's message");
    assert_eq!(
        (l1[4].as_str(), l1[5].as_str(), l1[6].as_str()),
        ("assigned", "SAFE", "L1")
    );
    assert!(
        !l1[1].is_empty() && !l1[10].is_empty(),
        "when, and the subject"
    );
    let mut out = Vec::new();
    let n = api::messages::export_to(&r, Some("2026-03-02"), None, TrailFormat::Jsonl, &mut out)
        .unwrap();
    assert_eq!((n, out.len()), (0, 0), "nothing logged after the period");
    let mut out = Vec::new();
    api::messages::export_to(&r, None, None, TrailFormat::Jsonl, &mut out).unwrap();
    let first: Value =
        serde_json::from_str(String::from_utf8(out).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first.as_object().unwrap().len(), message_log::COLUMNS.len());
    assert!(first.get("server_reply").is_some());
}
