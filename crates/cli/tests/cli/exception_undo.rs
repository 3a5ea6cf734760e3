//! `exceptions history` and `exceptions undo` on the command line: an action taken back,
//! a confirmation asked for when messages it caused were sent, and no second undo.

use serde_json::Value;

use crate::cli;
use crate::engine::{ok_json, setup};

const NOW: [&str; 2] = ["--now", "2026-03-01T12:00:00Z"];

fn error(db: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli(db, &all);
    assert!(!out.status.success(), "{args:?} succeeded");
    serde_json::from_slice::<Value>(&out.stderr).unwrap()["error"].clone()
}

#[test]
fn an_action_is_listed_and_undone_once_asking_when_messages_went() {
    let (_dir, db) = setup();
    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "RUSH",
            "--learner",
            "L1,L2",
            NOW[0],
            NOW[1],
        ],
    );
    let v = ok_json(
        &db,
        &[
            "exceptions",
            "resolve",
            "--action",
            "assign",
            "--select",
            "all",
            "--now",
            "2026-03-01T13:00:00Z",
        ],
    );
    assert_eq!(v["changed"], 2);
    let batch = v["batch"].as_i64().unwrap().to_string();
    let h = ok_json(&db, &["exceptions", "history"]);
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(h[0]["action"], "assign");
    assert_eq!(h[0]["rows"], 2);
    assert_eq!(h[0]["applied_at"], "2026-03-01T13:00:00Z");
    assert!(h[0]["undone_at"].is_null());
    assert!(!h[0]["os_user"].as_str().unwrap().is_empty());
    assert!(ok_json(&db, &["exceptions", "list"])
        .as_array()
        .unwrap()
        .is_empty());

    // The run queues the welcomes; one is marked sent (as the sender would).
    ok_json(&db, &["run", "--now", "2026-03-01T13:05:00Z"]);
    let store = certdesk_core::Db::open(&db).unwrap();
    store
        .writer()
        .unwrap()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE message SET state = 'sent', sent_at = created_at
                 WHERE id = (SELECT min(id) FROM message WHERE state = 'queued')",
                [],
            )?)
        })
        .unwrap();
    drop(store);
    let e = error(&db, &["exceptions", "undo", &batch]);
    assert_eq!(e["kind"], "needs_confirmation");
    assert!(
        e["message"].as_str().unwrap().contains("1 message(s)"),
        "{e}"
    );
    assert!(ok_json(&db, &["exceptions", "list"])
        .as_array()
        .unwrap()
        .is_empty());

    let v = ok_json(&db, &["exceptions", "undo", &batch, "--yes"]);
    assert_eq!(v["restored"], 2);
    assert_eq!(v["sent_kept"], 1);
    assert_eq!(
        ok_json(&db, &["exceptions", "list"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let h = ok_json(&db, &["exceptions", "history"]);
    assert!(h[0]["undone_at"].is_string());

    let e = error(&db, &["exceptions", "undo", &batch, "--yes"]);
    assert_eq!(e["kind"], "already_undone");
    let out = cli(&db, &["exceptions", "history"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 applied actions") && text.contains("undone 2026"),
        "{text}"
    );
}
