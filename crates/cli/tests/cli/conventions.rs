//! The conventions docs/CLI.md promises: JSON errors for usage mistakes too, exit codes,
//! no store made by a typo, refused filter values, instants with their offset, and a
//! program shown in words.

use serde_json::Value;

use crate::{cli, cli_raw};

fn stderr_json(o: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&o.stderr);
    serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite");
    assert!(cli(&db, &["init", "--demo"]).status.success());
    (dir, db)
}

#[test]
fn usage_errors_come_as_json_with_exit_code_2() {
    let (_d, db) = demo();
    for args in [
        &["--json", "dashbord"][..],
        &["--json", "assign", "--program"][..],
        &["--json", "report", "memberships", "--format", "pdf"][..],
    ] {
        let o = cli(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = stderr_json(&o);
        assert_eq!(e["error"]["kind"], "usage", "{args:?}");
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    // Help is not an error.
    assert_eq!(
        cli(&db, &["--json", "run", "--help"]).status.code(),
        Some(0)
    );
}

#[test]
fn not_found_exits_1() {
    let (_d, db) = demo();
    let o = cli(
        &db,
        &[
            "--json",
            "exceptions",
            "resolve",
            "--action",
            "dismiss",
            "--select",
            "99999",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr_json(&o)["error"]["kind"], "not_found");
    let o = cli(&db, &["--json", "program", "NOPE"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr_json(&o)["error"]["kind"], "not_found");
}

#[test]
fn a_missing_store_is_refused_except_by_init() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("stroe.sqlite");
    let o = cli_raw(&typo, &["--json", "report", "memberships"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr_json(&o);
    assert_eq!(e["error"]["kind"], "not_found");
    assert!(e["error"]["message"].as_str().unwrap().contains("init"));
    assert!(!typo.exists(), "a typo made a store");
    assert!(cli_raw(&typo, &["init"]).status.success());
    assert!(cli_raw(&typo, &["report", "memberships"]).status.success());
}

#[test]
fn unknown_filter_values_are_refused_with_the_valid_ones() {
    let (_d, db) = demo();
    for (args, valid) in [
        (
            &["report", "memberships", "--status", "late"][..],
            "certified",
        ),
        (
            &["report", "memberships", "--exception-status", "x"][..],
            "raised",
        ),
        (
            &["exceptions", "list", "--type", "bogus"][..],
            "duplicate_course",
        ),
        (
            &[
                "exceptions",
                "resolve",
                "--action",
                "zap",
                "--select",
                "all",
            ][..],
            "dismiss",
        ),
    ] {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let o = cli(&db, &all);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr_json(&o);
        assert_eq!(e["error"]["kind"], "invalid", "{args:?}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(valid),
            "{e}"
        );
    }
}

#[test]
fn a_time_without_an_offset_is_refused_not_cut_to_a_date() {
    let (dir, db) = demo();
    let o = cli(&db, &["--json", "run", "--now", "2027-01-10T09:00:00"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr_json(&o);
    assert_eq!(e["error"]["kind"], "invalid");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("offset"),
        "{e}"
    );
    assert!(cli(&db, &["run", "--now", "2027-01-10T09:00:00Z"])
        .status
        .success());
    assert!(cli(&db, &["run", "--now", "2027-01-10"]).status.success());
    let learner = serde_json::from_slice::<Value>(
        &cli(&db, &["--json", "learners", "find", "", "--limit", "1"]).stdout,
    )
    .unwrap()[0]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let course = serde_json::from_slice::<Value>(&cli(&db, &["--json", "courses", "list"]).stdout)
        .unwrap()[0]["short_name"]
        .as_str()
        .unwrap()
        .to_string();
    let o = cli(
        &db,
        &[
            "complete",
            "--learner",
            &learner,
            "--course",
            &course,
            "--at",
            "2026-01-10T09:00:00",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let csv = dir.path().join("c.csv");
    std::fs::write(
        &csv,
        format!("learner,course,completed_at\n{learner},{course},2026-01-10T09:00:00\n"),
    )
    .unwrap();
    let o = cli(
        &db,
        &["--json", "import", "completions", csv.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr_json(&o);
    assert_eq!(e["error"]["kind"], "rejected");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no UTC offset"),
        "{e}"
    );
}

#[test]
fn a_program_is_shown_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    let courses = dir.path().join("courses.csv");
    std::fs::write(
        &courses,
        "short_name,full_name\nA1,Alpha\nB1,Beta\nR1,Refresher\n",
    )
    .unwrap();
    assert!(cli(&db, &["import", "courses", courses.to_str().unwrap()])
        .status
        .success());
    let programs = dir.path().join("p.json");
    std::fs::write(
        &programs,
        r#"{ "programs": [ { "short_name": "CERT", "full_name": "Cert",
          "due": { "rule": "relative", "after": "60 days", "event": "assignment" },
          "certification": { "active": "1 year", "window": "2 months", "method": "expiry_date" },
          "certification_path": [
            { "label": "First", "rule": "all", "min_time": "336 hours", "courses": ["A1"] },
            { "label": "Second", "rule": "any", "courses": ["B1"] } ],
          "recertification_path": [ { "label": "Again", "rule": "all", "courses": ["R1"] } ] } ] }"#,
    )
    .unwrap();
    let o = cli(&db, &["import", "programs", programs.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let o = cli(&db, &["program", "CERT"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for words in [
        "due: 60 days after assignment",
        "certified for 1 year",
        "2 months before expiry",
        "14 days",
        "then",
    ] {
        assert!(text.contains(words), "no '{words}' in:\n{text}");
    }
    for never in ["None", "336 h", "Some("] {
        assert!(!text.contains(never), "'{never}' in:\n{text}");
    }
}
