//! Compliance at a glance on the command line: `dashboard --json` carries the figures and
//! `report memberships` with `--compliance`, `--group` and `--expiring-within` lists exactly
//! the rows behind each of them.

use serde_json::Value;

use crate::engine::{ok_json, setup, write};

fn report(db: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["report", "memberships"];
    all.extend_from_slice(args);
    let rows = ok_json(db, &all);
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["learner_id_number"].as_str().unwrap(),
                r["program_name"].as_str().unwrap()
            )
        })
        .collect()
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {rows}"))
}

#[test]
fn the_dashboard_compliance_figures_open_their_rows() {
    let (dir, db) = setup();
    let f = write(
        dir.path(),
        "a.csv",
        "learner,group,program,due\n,Crew,FA,\nL1,,RUSH,\n",
    );
    ok_json(
        &db,
        &["import", "assignments", &f, "--now", "2026-03-01T12:00:00Z"],
    );
    let now = ["--now", "2026-03-20T00:00:00Z"];
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L1",
            "--course",
            "FA101",
            "--at",
            "2026-03-11",
            now[0],
            now[1],
        ],
    );

    let d = ok_json(&db, &["dashboard", now[0], now[1]]);
    let c = &d["compliance"];
    let fa = row(&c["programs"], "First Aid at Work");
    assert_eq!(
        (fa["members"].as_u64(), fa["compliant"].as_u64()),
        (Some(2), Some(1))
    );
    // RUSH's raised exception is left out of the figures.
    let rush = row(&c["programs"], "Rushed");
    assert_eq!(
        (rush["members"].as_u64(), rush["excluded"].as_u64()),
        (Some(0), Some(1))
    );
    let crew = row(&c["groups"], "Crew");
    assert_eq!(
        (
            crew["members"].as_u64(),
            crew["compliant"].as_u64(),
            crew["excluded"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        report(
            &db,
            &[
                "--compliance",
                "compliant",
                "--group",
                "Crew",
                now[0],
                now[1]
            ]
        ),
        ["L1 First Aid at Work"]
    );
    assert_eq!(
        report(
            &db,
            &[
                "--compliance",
                "non-compliant",
                "--program",
                "FA",
                now[0],
                now[1]
            ]
        ),
        ["L2 First Aid at Work"]
    );
    assert!(report(
        &db,
        &[
            "--compliance",
            "compliant",
            "--program",
            "RUSH",
            now[0],
            now[1]
        ]
    )
    .is_empty());

    // Both certified by the next March, their windows open: expiring within 60 and 90 days.
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L2",
            "--course",
            "FA101",
            "--at",
            "2026-03-12",
            now[0],
            now[1],
        ],
    );
    let later = ["--now", "2027-03-05T00:00:00Z"];
    ok_json(&db, &["run", later[0], later[1]]);
    let d = ok_json(&db, &["dashboard", later[0], later[1]]);
    let counts: Vec<(u64, u64)> = d["compliance"]["expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["days"].as_u64().unwrap(), e["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, [(30, 0), (60, 2), (90, 2)]);
    assert!(report(&db, &["--expiring-within", "30", later[0], later[1]]).is_empty());
    assert_eq!(
        report(&db, &["--expiring-within", "60", later[0], later[1]]).len(),
        2
    );
    // The text dashboard shows them too.
    let out = crate::cli(&db, &["dashboard", later[0], later[1]]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("expiring in 60 days 2"), "{text}");
    assert!(
        text.contains("compliant program First Aid at Work: 2 of 2"),
        "{text}"
    );
}
