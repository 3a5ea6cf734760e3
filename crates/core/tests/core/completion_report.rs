//! The completion report: progress by course set on the path a membership is on.

use certdesk_core::report::completion::{completion_page, CompletionQuery, CompletionRow};
use certdesk_core::Db;

use crate::fixture::{assign, complete, run, store};
use crate::lifecycle::FIRST_AID;

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "SAFE", "full_name": "Safety Induction",
    "certification_path": [
      { "label": "Basics", "rule": "all", "courses": ["SAFE1", "SAFE2"], "operator": "then" },
      { "label": "Pick one", "rule": "at_least", "min": 1, "courses": ["SAFE3", "LONG1"] } ] },
  { "short_name": "FA", "full_name": "First Aid at Work",
    "certification": { "active": "1 year", "window": "2 months", "method": "expiry_date" },
    "certification_path": [ { "label": "Initial", "rule": "all", "courses": ["FA101"] } ],
    "recertification_path": [ { "label": "Refresher", "rule": "all", "courses": ["FA201"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone
L1,Lee One,lee@example.com,Europe/London
L2,Ann Two,ann@example.com,UTC
";

fn rows(db: &Db, q: CompletionQuery) -> Vec<CompletionRow> {
    completion_page(&db.reader().unwrap(), &q).unwrap().rows
}

fn row<'a>(rows: &'a [CompletionRow], who: &str, program: &str) -> &'a CompletionRow {
    rows.iter()
        .find(|r| r.learner_id_number == who && r.program_name == program)
        .unwrap_or_else(|| panic!("no row for {who} in {program}"))
}

/// (label, completed, required, complete) of each set.
fn sets(r: &CompletionRow) -> Vec<(&str, u32, u32, bool)> {
    r.sets
        .iter()
        .map(|s| (s.label.as_str(), s.completed, s.required, s.complete))
        .collect()
}

#[test]
fn each_set_shows_the_courses_done_of_those_it_asks_for() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    assign(&db, "2026-01-10", "SAFE", &["L1", "L2"]);
    let all = rows(&db, CompletionQuery::default());
    assert_eq!(all.len(), 2);
    let lee = row(&all, "L1", "Safety Induction");
    assert_eq!(lee.path, "certification");
    assert_eq!(
        sets(lee),
        [("Basics", 0, 2, false), ("Pick one", 0, 1, false)]
    );
    assert_eq!(lee.sets[0].next_operator.as_deref(), Some("then"));

    complete(&db, "2026-01-12", "L1", "SAFE1", "2026-01-11");
    let all = rows(&db, CompletionQuery::default());
    assert_eq!(
        sets(row(&all, "L1", "Safety Induction")),
        [("Basics", 1, 2, false), ("Pick one", 0, 1, false)]
    );
    assert_eq!(
        sets(row(&all, "L2", "Safety Induction")),
        [("Basics", 0, 2, false), ("Pick one", 0, 1, false)],
        "another learner's completions do not count"
    );

    complete(&db, "2026-01-13", "L1", "SAFE2", "2026-01-12");
    complete(&db, "2026-01-14", "L1", "LONG1", "2026-01-13");
    let lee = rows(&db, CompletionQuery::default());
    let lee = row(&lee, "L1", "Safety Induction");
    assert_eq!(
        sets(lee),
        [("Basics", 2, 2, true), ("Pick one", 1, 1, true)]
    );
    assert_eq!(lee.status.as_str(), "complete");
}

#[test]
fn a_recertification_window_counts_only_completions_since_it_opened() {
    let (_dir, db) = store(
        FIRST_AID,
        "id_number,full_name,email,time_zone\nL1,Lee One,lee@example.com,UTC\n",
    );
    assign(&db, "2026-01-10", "FA", &["L1"]);
    // The refresher done early, before the window: it does not count for the window.
    complete(&db, "2026-02-01", "L1", "FA201", "2026-01-20");
    complete(&db, "2026-02-01", "L1", "FA101", "2026-02-01");
    let r = rows(&db, CompletionQuery::default());
    assert_eq!(
        (r[0].path.as_str(), sets(&r[0])),
        ("certification", vec![("Initial", 1, 1, true)])
    );

    run(&db, "2026-12-15"); // the window opened on 2026-12-01
    let r = rows(&db, CompletionQuery::default());
    assert_eq!(r[0].status.as_str(), "window_open");
    assert_eq!(
        (r[0].path.as_str(), sets(&r[0])),
        ("recertification", vec![("Refresher", 0, 1, false)])
    );
    complete(&db, "2026-12-20", "L1", "FA201", "2026-12-20");
    let r = rows(&db, CompletionQuery::default());
    assert_eq!(r[0].status.as_str(), "certified");
    assert_eq!(
        (r[0].path.as_str(), sets(&r[0])),
        ("recertification", vec![("Refresher", 1, 1, true)])
    );
}

#[test]
fn pages_follow_the_filters_and_the_cursor() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    assign(&db, "2026-01-10", "SAFE", &["L1", "L2"]);
    assign(&db, "2026-01-10", "FA", &["L1", "L2"]);
    let r = db.reader().unwrap();
    let fa: i64 = r
        .query_row("SELECT id FROM program WHERE short_name = 'FA'", [], |x| {
            x.get(0)
        })
        .unwrap();

    let mut seen = Vec::new();
    let mut q = CompletionQuery {
        limit: 1,
        ..Default::default()
    };
    loop {
        let page = completion_page(&r, &q).unwrap();
        seen.extend(
            page.rows
                .iter()
                .map(|x| (x.learner_name.clone(), x.program_name.clone())),
        );
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            ("Ann Two".into(), "Safety Induction".into()),
            ("Ann Two".into(), "First Aid at Work".into()),
            ("Lee One".into(), "Safety Induction".into()),
            ("Lee One".into(), "First Aid at Work".into()),
        ],
        "by learner name, then program (in the order they were made)"
    );

    let only_fa = rows(
        &db,
        CompletionQuery {
            program_id: Some(fa),
            ..Default::default()
        },
    );
    assert!(
        only_fa
            .iter()
            .all(|x| x.program_name == "First Aid at Work")
            && only_fa.len() == 2
    );
    let lee = rows(
        &db,
        CompletionQuery {
            text: Some("lee@".into()),
            ..Default::default()
        },
    );
    assert!(lee.iter().all(|x| x.learner_name == "Lee One") && lee.len() == 2);
}
