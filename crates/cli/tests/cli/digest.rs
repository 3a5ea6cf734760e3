//! Manager digests end to end with the real binary: a rule made with `rules add --digest
//! daily`, `run` killed while composing and run again, `send` killed while delivering and run
//! again; every manager's digest is composed once and arrives at the loopback SMTP server
//! under one Message-ID.

use std::collections::HashMap;
use std::time::Duration;

use certdesk_core::Db;

use crate::cli;
use crate::crash::{deliveries, spawn_send};
use crate::engine::ok_json;
use crate::smtp_server::SmtpServer;

const MANAGERS: i64 = 150;

/// Kills `child` after `ms`; whether it was still running then.
fn kill_after(mut child: std::process::Child, ms: u64) -> bool {
    std::thread::sleep(Duration::from_millis(ms));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// `certdesk-cli --json run --now now`, running.
fn spawn_run(path: &std::path::Path, now: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(path)
        .args(["--json", "run", "--now", now])
        .env_remove("CERTDESK_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Learners E1..En, each with their own manager M1..Mn, assigned to program 1 at `at`.
fn reports_with_managers(path: &std::path::Path, at: &str) {
    let at = at.parse::<jiff::Timestamp>().unwrap().as_second();
    Db::open(path)
        .unwrap()
        .writer()
        .unwrap()
        .write(|tx| {
            tx.execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MANAGERS})
                 INSERT INTO learner (id_number, full_name, email, time_zone)
                 SELECT 'M' || i, 'Manager ' || i, 'm' || i || '@example.org', 'Europe/London' FROM n
                 UNION ALL
                 SELECT 'E' || i, 'Learner ' || i, 'e' || i || '@example.org', 'Australia/Sydney' FROM n;
                 INSERT INTO manager_link (learner_id, manager_id)
                 SELECT e.id, m.id FROM learner e JOIN learner m
                   ON e.id_number LIKE 'E%' AND m.id_number = 'M' || substr(e.id_number, 2);
                 INSERT INTO assignment (learner_id, program_id, assigned_at)
                 SELECT id, 1, {at} FROM learner WHERE id_number LIKE 'E%';
                 INSERT INTO event (kind, assignment_id, occurred_at)
                 SELECT 'assigned', id, {at} FROM assignment;"
            ))?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn digests_are_composed_and_delivered_once_across_killed_runs_and_sends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let srv = SmtpServer::start(&[]);
    crate::assigned_store(&path, 0, "Welcome to %programfullname%");
    assert!(crate::smtp_set(&path, srv.port, &[]).status.success());
    let add = cli(
        &path,
        &[
            "--json",
            "rules",
            "add",
            "--program",
            "P",
            "--trigger",
            "assigned",
            "--timing",
            "on",
            "--recipients",
            "managers",
            "--manager-subject",
            "New: %userfullname%",
            "--manager-body",
            "%userfullname% joined",
            "--digest",
            "daily",
            "--now",
            "2027-01-01T00:00:00Z",
        ],
    );
    assert!(add.status.success(), "{add:?}");
    let saved: serde_json::Value = serde_json::from_slice(&add.stdout).unwrap();
    assert_eq!(
        saved["rule"]["input"]["digest"]["frequency"], "daily",
        "{saved}"
    );
    reports_with_managers(&path, "2027-01-02T10:00:00Z");

    let first = cli(&path, &["--json", "run", "--now", "2027-01-02T10:05:00Z"]);
    let v: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(v["notifications"]["queued"], MANAGERS, "{v}");
    assert_eq!(v["notifications"]["digest_items"], MANAGERS, "{v}");
    assert_eq!(v["notifications"]["digests"], 0, "{v}");

    // 08:00 in London on 3 January: killed while composing (or just after), then again.
    // Killed at a few moments (before, while or after composing), then run to the end.
    let run_killed: Vec<bool> = [10, 25, 50]
        .iter()
        .map(|ms| kill_after(spawn_run(&path, "2027-01-03T08:00:00Z"), *ms))
        .collect();
    let again = cli(&path, &["--json", "run", "--now", "2027-01-03T08:00:00Z"]);
    assert!(again.status.success(), "{again:?}");

    let r = Db::open(&path).unwrap().reader().unwrap();
    let per_manager: HashMap<String, (i64, String)> = r
        .prepare(
            "SELECT m.recipient_email, count(d.id), m.body_text FROM message m
             LEFT JOIN digest_item d ON d.digest_message_id = m.id
             WHERE m.trigger = 'digest' GROUP BY m.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        per_manager.len(),
        MANAGERS as usize,
        "one digest per manager"
    );
    let (items, text) = &per_manager["m7@example.org"];
    assert_eq!(*items, 1);
    assert!(text.contains("- Learner 7 (E7): assigned"), "{text}");
    let unlisted: i64 = r
        .query_row(
            "SELECT count(*) FROM digest_item WHERE digest_message_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unlisted, 0);

    // `send` killed mid-way, then again after its leases ran out.
    let send_killed = kill_after(spawn_send(&path, "2027-01-03T08:01:00Z"), 150);
    let before_restart = deliveries(&srv).len();
    eprintln!("digest kill test: run killed {run_killed:?}, send killed {send_killed} after {before_restart} deliveries");
    let last = spawn_send(&path, "2027-01-03T08:20:00Z")
        .wait_with_output()
        .unwrap();
    assert!(last.status.success(), "{last:?}");
    let by_id = deliveries(&srv);
    let digests: Vec<_> = by_id
        .iter()
        .filter(|(id, _)| id.starts_with("<digest.d."))
        .collect();
    assert_eq!(digests.len(), MANAGERS as usize, "every digest arrived");
    let extra: usize = digests.iter().map(|(_, n)| **n - 1).sum();
    // A kill can cost the one message in flight (accepted by the server, not yet recorded):
    // it goes again under the same Message-ID (docs/RELIABILITY.md).
    assert!(extra <= 1, "{extra} digests delivered twice");
}

#[test]
fn the_digest_editor_preview_renders_the_list_as_a_table_with_every_value_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let v = ok_json(
        &db,
        &[
            "settings",
            "digest-template",
            "render",
            "--subject",
            "%itemcount% for %managername%",
            "--body",
            "<b>Team</b>\n%learnerlist%\n%nosuch%",
        ],
    );
    assert_eq!(v["subject"], "3 for Morgan Manager");
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("Fire Safety\n- Alex Example (E1001): due 7 March 2027"),
        "{text}"
    );
    assert!(text.contains("%nosuch%"), "{text}");
    let html = v["html"].as_str().unwrap();
    assert!(
        html.contains("&lt;b&gt;Team&lt;/b&gt;") && html.contains("<table"),
        "{html}"
    );
    // Nothing saved: the stored template is still the default.
    let saved = ok_json(&db, &["settings", "digest-template", "show"]);
    assert!(!saved["subject"]
        .as_str()
        .unwrap()
        .contains("for %managername%"));
}
