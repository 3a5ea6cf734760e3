//! Assigning and unassigning, individually and through groups; due-date rules; the latest
//! due date wins.

use certdesk_core::report::membership::{membership_page, MembershipQuery};
use certdesk_core::{enrolment, names};

use crate::fixture::{complete, member, store, t, ts};

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "BASIC", "full_name": "Basics",
    "due": { "rule": "relative", "after": "1 month", "event": "assignment" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1"] } ] },
  { "short_name": "NEXT", "full_name": "Next Steps",
    "due": { "rule": "relative", "after": "2 weeks", "event": "program_completion", "program": "BASIC" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE2"] } ] },
  { "short_name": "HIRE", "full_name": "After Hire",
    "due": { "rule": "relative", "after": "1 year", "event": "profile_field", "field": "hire_date" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE3"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone,groups,date:hire_date
L1,Lee One,l1@x.org,Europe/London,Crew,2025-02-28
L2,Lee Two,l2@x.org,America/New_York,Crew,
";

fn with(
    db: &certdesk_core::Db,
    f: impl FnOnce(&rusqlite::Connection, i64, i64, i64) -> certdesk_core::Result<()>,
) {
    db.writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "BASIC")?;
            let l = names::learner(tx, "L1")?;
            let g = names::group(tx, "Crew")?;
            f(tx, p, l, g)
        })
        .unwrap();
}

fn report_rows(db: &certdesk_core::Db) -> usize {
    membership_page(&db.reader().unwrap(), &MembershipQuery::default())
        .unwrap()
        .rows
        .len()
}

#[test]
fn relative_due_dates_in_the_learners_zone_and_the_latest_wins() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    // 31 January + 1 month = end of February, in London; a due date holds through its
    // whole local day.
    with(&db, |tx, p, l, _| {
        enrolment::assign(tx, t("2027-01-31T10:00:00Z"), p, &[l], None).map(|_| ())
    });
    assert_eq!(
        member(&db, "L1", "BASIC").unwrap().due_at,
        Some(ts("2027-02-28T23:59:59Z"))
    );
    // Through the group later: its own due date (a month after that), the later one wins.
    with(&db, |tx, p, _, g| {
        enrolment::assign_group(tx, t("2027-02-10T10:00:00Z"), p, g, None).map(|_| ())
    });
    assert_eq!(
        member(&db, "L1", "BASIC").unwrap().due_at,
        Some(ts("2027-03-10T23:59:59Z"))
    );
    // An explicit date is the end of that day in the learner's zone.
    with(&db, |tx, p, l, _| {
        enrolment::assign(
            tx,
            t("2027-02-11"),
            p,
            &[l],
            Some("2027-04-30".parse().unwrap()),
        )
        .map(|_| ())
    });
    assert_eq!(
        member(&db, "L1", "BASIC").unwrap().due_at,
        Some(ts("2027-04-30T22:59:59Z"))
    );
    // Hire date (28 Feb 2025) + 1 year, the whole of that day in London; none for L2:
    // exception.
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "HIRE")?;
            let ids = [names::learner(tx, "L1")?, names::learner(tx, "L2")?];
            enrolment::assign(tx, t("2026-01-05"), p, &ids, None)
        })
        .unwrap();
    assert_eq!(s.exceptions, 1);
    assert_eq!(
        member(&db, "L1", "HIRE").unwrap().due_at,
        Some(ts("2026-02-28T23:59:59Z"))
    );
    assert_eq!(
        member(&db, "L2", "HIRE").unwrap().exception_status,
        "raised"
    );
}

#[test]
fn a_due_date_after_another_program_is_known_once_it_is_completed() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    db.writer()
        .unwrap()
        .write(|tx| {
            let l = names::learner(tx, "L1")?;
            enrolment::assign(
                tx,
                t("2026-01-05"),
                names::program(tx, "BASIC")?,
                &[l],
                None,
            )?;
            enrolment::assign(tx, t("2026-01-05"), names::program(tx, "NEXT")?, &[l], None)
        })
        .unwrap();
    // BASIC not completed: completion time unknown.
    assert_eq!(
        member(&db, "L1", "NEXT").unwrap().exception_status,
        "raised"
    );
    // After completing BASIC, a handled exception and the due date is known.
    db.writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::exception::action::apply(
                tx,
                t("2026-01-06"),
                &certdesk_core::exception::action::Selection {
                    all: true,
                    ..Default::default()
                },
                certdesk_core::exception::action::ExceptionAction::DoNotAssign,
                &mut |_, _| {},
            )
        })
        .unwrap();
    complete(&db, "2026-01-20", "L1", "SAFE1", "2026-01-20");
    assert_eq!(member(&db, "L1", "BASIC").unwrap().status, "complete");
    let m = member(&db, "L1", "NEXT").unwrap();
    // Not assigned keeps no due date; the rule's figure is on the source for the record.
    assert_eq!(
        (m.exception_status.as_str(), m.due_at),
        ("not_assigned", None)
    );
    let due: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT max(due_at) FROM assignment_source WHERE assignment_id = ?1",
            [m.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(due, ts("2026-02-03T23:59:59Z"));
}

#[test]
fn unassigning_ends_a_membership_only_when_its_last_source_goes() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    with(&db, |tx, p, l, g| {
        enrolment::assign(tx, t("2026-01-05"), p, &[l], None)?;
        enrolment::assign_group(tx, t("2026-01-06"), p, g, None).map(|_| ())
    });
    assert_eq!(report_rows(&db), 2);
    // Individual source removed: still a member through the group, due from the group.
    with(&db, |tx, p, l, _| {
        enrolment::unassign(tx, t("2026-01-07"), p, &[l]).map(|_| ())
    });
    let m = member(&db, "L1", "BASIC").unwrap();
    assert!(m.active);
    assert_eq!(m.due_at, Some(ts("2026-02-06T23:59:59Z")));
    // A learner who leaves the group loses that membership.
    let csv = "id_number,full_name,email,groups\nL2,Lee Two,l2@x.org,\n";
    db.writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-01-08"), csv.as_bytes())
        })
        .unwrap();
    assert_eq!(report_rows(&db), 1);
    // The group unassigned: L1's membership ends, with an event; the row and history stay.
    with(&db, |tx, p, _, g| {
        enrolment::unassign_group(tx, t("2026-01-09"), p, g).map(|_| ())
    });
    assert_eq!(report_rows(&db), 0);
    let m = member(&db, "L1", "BASIC").unwrap();
    assert!(!m.active);
    let n: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM event WHERE kind = 'unassigned'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    // Assigned again: the same membership comes back.
    with(&db, |tx, p, l, _| {
        enrolment::assign(tx, t("2026-02-01"), p, &[l], None).map(|_| ())
    });
    let again = member(&db, "L1", "BASIC").unwrap();
    assert_eq!(again.id, m.id);
    assert!(again.active);
    assert_eq!(report_rows(&db), 1);
}

#[test]
fn then_groups_raise_course_set_events_and_become_current_in_turn() {
    let programs = r#"{ "programs": [
  { "short_name": "STEPS", "full_name": "Steps",
    "certification_path": [
      { "label": "One", "rule": "all", "min_time": "2 hours", "operator": "then", "courses": ["SAFE1"] },
      { "label": "Two", "rule": "any", "min_time": "1 hour", "courses": ["SAFE2", "SAFE3"] } ] }
] }"#;
    let (_dir, db) = store(programs, LEARNERS);
    crate::fixture::assign(&db, "2026-01-05T09:00:00Z", "STEPS", &["L1"]);
    complete(
        &db,
        "2026-01-06T10:00:00Z",
        "L1",
        "SAFE1",
        "2026-01-06T10:00:00Z",
    );
    let m = member(&db, "L1", "STEPS").unwrap();
    assert_eq!(m.status, "in_progress");
    let r = db.reader().unwrap();
    let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = {
        let mut stmt = r
            .prepare(
                "SELECT cs.label, p.current_at, p.due_at, p.completed_at FROM course_set_progress p
                 JOIN course_set cs ON cs.id = p.course_set_id WHERE p.assignment_id = ?1 ORDER BY cs.position",
            )
            .unwrap();
        stmt.query_map([m.id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (start, done) = (ts("2026-01-05T09:00:00Z"), ts("2026-01-06T10:00:00Z"));
    assert_eq!(
        rows,
        vec![
            ("One".to_string(), start, Some(start + 7200), Some(done)),
            ("Two".to_string(), done, Some(done + 3600), None),
        ]
    );
    complete(&db, "2026-01-07", "L1", "SAFE3", "2026-01-07");
    assert_eq!(member(&db, "L1", "STEPS").unwrap().status, "complete");
    let kinds: Vec<(String, i64)> = crate::fixture::events(&db, m.id)
        .into_iter()
        .filter(|e| e.0 != "assigned")
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("course_set_completed".to_string(), 1),
            ("course_set_completed".to_string(), 1),
            ("completed".to_string(), 1)
        ]
    );
}

/// A fixed due date is the same calendar day for every learner, the whole of it in their own
/// zone, and the membership report shows that day (issue 12: "2 May" in London was shown as
/// 3 May when the date was held as the end of the day in UTC).
#[test]
fn a_fixed_due_date_is_that_day_in_each_learners_zone() {
    const FIXED: &str = r#"{ "programs": [
  { "short_name": "FIXED", "full_name": "Fixed", "due": { "rule": "fixed", "date": "2027-05-02" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1"] } ] }
] }"#;
    let (_dir, db) = store(FIXED, LEARNERS);
    db.writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "FIXED")?;
            let ids = [names::learner(tx, "L1")?, names::learner(tx, "L2")?];
            enrolment::assign(tx, t("2027-04-01"), p, &ids, None).map(|_| ())
        })
        .unwrap();
    // London is on summer time (UTC+1), New York on daylight time (UTC-4).
    for (learner, end) in [
        ("L1", "2027-05-02T22:59:59Z"),
        ("L2", "2027-05-03T03:59:59Z"),
    ] {
        assert_eq!(member(&db, learner, "FIXED").unwrap().due_at, Some(ts(end)));
    }
    let page = membership_page(&db.reader().unwrap(), &MembershipQuery::default()).unwrap();
    let dates: Vec<_> = page.rows.iter().map(|r| r.due_date.clone()).collect();
    assert_eq!(
        dates,
        [
            Some("2027-05-02".to_string()),
            Some("2027-05-02".to_string())
        ]
    );
}
