//! `settings catch-up-days`: the catch-up horizon, and what `run` logs for messages older
//! than it.

use crate::cli;

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_horizon_is_shown_set_checked_and_used_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    // Two learners assigned on 2 January 2027 under a rule made on 1 January.
    crate::assigned_store(&path, 2, "Welcome to %programfullname%");
    let shown = json(&cli(&path, &["--json", "settings", "catch-up-days"]));
    assert_eq!(shown["catch_up_days"], 60);
    let set = json(&cli(&path, &["--json", "settings", "catch-up-days", "30"]));
    assert_eq!(set["catch_up_days"], 30);
    let text = cli(&path, &["settings", "catch-up-days"]);
    assert_eq!(
        String::from_utf8_lossy(&text.stdout).trim(),
        "catch-up horizon 30 days"
    );

    let bad = cli(&path, &["--json", "settings", "catch-up-days", "400"]);
    assert!(!bad.status.success());
    let err: serde_json::Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "invalid");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("between 1 and 365 days"));

    // A run before the assignments, then the store stays closed for two months: the
    // welcomes are older than 30 days, logged, not sent.
    let first = json(&cli(
        &path,
        &["--json", "run", "--now", "2027-01-01T12:00:00Z"],
    ));
    assert_eq!(first["notifications"]["queued"], 0);
    let run = json(&cli(
        &path,
        &["--json", "run", "--now", "2027-03-05T09:00:00Z"],
    ));
    assert_eq!(run["notifications"]["queued"], 0);
    assert_eq!(run["notifications"]["skipped"], 2);
    let log = json(&cli(&path, &["--json", "log", "--state", "skipped"]));
    let rows = log["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{log}");
    assert!(
        log.to_string()
            .contains("older than the catch-up horizon of 30 days"),
        "{log}"
    );
}
