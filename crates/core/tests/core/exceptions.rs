//! Exception detection in the stated order, the re-check rules, each action and the
//! allowed-actions matrix, one row and in bulk.

use certdesk_core::exception::action::{
    apply, preview, raised_exceptions, ExceptionAction, Selection,
};
use certdesk_core::exception::ExceptionKind;
use certdesk_core::{enrolment, names};

use crate::fixture::{assign, complete, member, store, t, ts};

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "CERT-A", "full_name": "Certification A",
    "certification": { "active": "1 year", "window": "1 month", "method": "completion_date" },
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["SAFE1"] } ] },
  { "short_name": "CERT-B", "full_name": "Certification B",
    "due": { "rule": "relative", "after": "3 months", "event": "profile_field", "field": "hire_date" },
    "certification": { "active": "1 year", "window": "1 month", "method": "completion_date" },
    "certification_path": [ { "label": "B", "rule": "all", "courses": ["SAFE1", "SAFE2"] } ] },
  { "short_name": "HIRE", "full_name": "After Hire",
    "due": { "rule": "relative", "after": "3 months", "event": "profile_field", "field": "hire_date" },
    "certification_path": [ { "label": "H", "rule": "all", "courses": ["SAFE2"] } ] },
  { "short_name": "RUSH", "full_name": "Rushed Program",
    "due": { "rule": "fixed", "date": "2026-03-02" },
    "certification_path": [
      { "label": "Long", "rule": "all", "min_time": "40 hours", "operator": "then", "courses": ["LONG1"] },
      { "label": "Short", "rule": "all", "min_time": "2 hours", "courses": ["SAFE3"] } ] },
  { "short_name": "CALM", "full_name": "Calm Program",
    "due": { "rule": "relative", "after": "30 days", "event": "assignment" },
    "certification_path": [ { "label": "Long", "rule": "all", "min_time": "40 hours", "courses": ["LONG1"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone,date:hire_date
L1,Lee One,l1@x.org,Europe/London,2026-01-05
L2,Lee Two,l2@x.org,Asia/Tokyo,
L3,Lee Three,l3@x.org,UTC,2026-01-05
";

const NOW: &str = "2026-03-01T12:00:00Z";

fn raised(db: &certdesk_core::Db) -> Vec<(i64, ExceptionKind, String)> {
    raised_exceptions(&db.reader().unwrap(), None, None, 1000)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.kind, r.learner_id_number))
        .collect()
}

#[test]
fn each_type_is_detected_in_order() {
    let (_dir, db) = store(PROGRAMS, LEARNERS);
    // L1: CERT-A active; CERT-B shares SAFE1 -> duplicate course (checked before anything else).
    assign(&db, NOW, "CERT-A", &["L1", "L2"]);
    let s = assign(&db, NOW, "CERT-B", &["L1", "L2", "L3"]);
    // L2 has no hire date: both duplicate and unknown apply; duplicate comes first.
    // L3: no CERT-A, has a hire date: no exception.
    assert_eq!(s.exceptions, 2);
    let r = raised(&db);
    assert_eq!(
        r.iter()
            .filter(|x| x.1 == ExceptionKind::DuplicateCourse)
            .count(),
        2
    );
    assert_eq!(
        member(&db, "L3", "CERT-B").unwrap().exception_status,
        "none"
    );
    // Programs are never duplicates; L2's missing hire date is unknown.
    assign(&db, NOW, "HIRE", &["L1", "L2"]);
    let m = member(&db, "L2", "HIRE").unwrap();
    assert_eq!(
        (m.exception_status.as_str(), m.active, m.due_at),
        ("raised", false, None)
    );
    assert_eq!(member(&db, "L1", "HIRE").unwrap().exception_status, "none");
    // Due tomorrow, 42 hours needed: time allowance; 30 days leave enough.
    assign(&db, NOW, "RUSH", &["L3"]);
    assign(&db, NOW, "CALM", &["L3"]);
    assert_eq!(
        member(&db, "L3", "RUSH").unwrap().exception_status,
        "raised"
    );
    assert_eq!(member(&db, "L3", "CALM").unwrap().exception_status, "none");
    let rows = raised_exceptions(
        &db.reader().unwrap(),
        Some(ExceptionKind::TimeAllowance),
        None,
        10,
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].issue.contains("42.0 hours"), "{}", rows[0].issue);
    assert_eq!(rows[0].due_date.as_deref(), Some("2026-03-02"));
    assert_eq!(rows[0].time_needed_hours, 42.0);
    assert_eq!(
        rows[0].actions,
        vec![
            ExceptionAction::Assign,
            ExceptionAction::SetRealisticDueDate,
            ExceptionAction::DoNotAssign,
            ExceptionAction::Dismiss
        ]
    );
    // An exception event for the administrators' alert.
    let n: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM event WHERE kind = 'exception'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 4);
}

#[test]
fn the_allowed_actions_matrix() {
    use ExceptionAction::*;
    use ExceptionKind::*;
    let allowed = [
        (DuplicateCourse, [true, false, true, true]),
        (CompletionTimeUnknown, [false, true, true, true]),
        (TimeAllowance, [true, true, true, true]),
    ];
    for (kind, want) in allowed {
        for (action, ok) in [Assign, SetRealisticDueDate, DoNotAssign, Dismiss]
            .into_iter()
            .zip(want)
        {
            assert_eq!(action.allowed_for(kind), ok, "{action:?} for {kind:?}");
        }
    }
}

/// Sets up one raised exception of each type; returns the store.
fn one_of_each() -> (tempfile::TempDir, certdesk_core::Db) {
    let (dir, db) = store(PROGRAMS, LEARNERS);
    assign(&db, NOW, "CERT-A", &["L1"]);
    assign(&db, NOW, "CERT-B", &["L1"]); // duplicate
    assign(&db, NOW, "HIRE", &["L2"]); // unknown
    assign(&db, NOW, "RUSH", &["L3"]); // time allowance
    (dir, db)
}

fn act(
    db: &certdesk_core::Db,
    now: &str,
    sel: Selection,
    action: ExceptionAction,
) -> certdesk_core::exception::action::ActionOutcome {
    db.writer()
        .unwrap()
        .write(|tx| apply(tx, t(now), &sel, action, &mut |_, _| {}))
        .unwrap()
}

fn of_kind(kind: ExceptionKind) -> Selection {
    Selection {
        kind: Some(kind),
        ..Default::default()
    }
}

#[test]
fn each_action_has_its_effects_and_disallowed_rows_are_skipped() {
    use ExceptionAction::*;
    use ExceptionKind::*;
    let later = "2026-03-05T08:00:00Z";
    // (kind, action, allowed, exception status, active, learner, program)
    let cases = [
        (
            DuplicateCourse,
            Assign,
            true,
            "resolved_assigned",
            true,
            "L1",
            "CERT-B",
        ),
        (
            DuplicateCourse,
            SetRealisticDueDate,
            false,
            "raised",
            false,
            "L1",
            "CERT-B",
        ),
        (
            DuplicateCourse,
            DoNotAssign,
            true,
            "not_assigned",
            false,
            "L1",
            "CERT-B",
        ),
        (
            DuplicateCourse,
            Dismiss,
            true,
            "dismissed",
            false,
            "L1",
            "CERT-B",
        ),
        (
            CompletionTimeUnknown,
            Assign,
            false,
            "raised",
            false,
            "L2",
            "HIRE",
        ),
        (
            CompletionTimeUnknown,
            SetRealisticDueDate,
            true,
            "resolved_realistic",
            true,
            "L2",
            "HIRE",
        ),
        (
            CompletionTimeUnknown,
            DoNotAssign,
            true,
            "not_assigned",
            false,
            "L2",
            "HIRE",
        ),
        (
            CompletionTimeUnknown,
            Dismiss,
            true,
            "dismissed",
            false,
            "L2",
            "HIRE",
        ),
        (
            TimeAllowance,
            Assign,
            true,
            "resolved_assigned",
            true,
            "L3",
            "RUSH",
        ),
        (
            TimeAllowance,
            SetRealisticDueDate,
            true,
            "resolved_realistic",
            true,
            "L3",
            "RUSH",
        ),
        (
            TimeAllowance,
            DoNotAssign,
            true,
            "not_assigned",
            false,
            "L3",
            "RUSH",
        ),
        (
            TimeAllowance,
            Dismiss,
            true,
            "dismissed",
            false,
            "L3",
            "RUSH",
        ),
    ];
    for (kind, action, allowed, status, active, who, program) in cases {
        let (_dir, db) = one_of_each();
        let before = member(&db, who, program).unwrap();
        let out = act(&db, later, of_kind(kind), action);
        let what = format!("{action:?} on {kind:?}");
        assert_eq!(out.changed, u32::from(allowed), "{what}");
        assert_eq!(out.skipped.len(), usize::from(!allowed), "{what}");
        if !allowed {
            assert!(out.skipped[0].reason.contains("not allowed"), "{what}");
        }
        let m = member(&db, who, program).unwrap();
        assert_eq!(
            (m.exception_status.as_str(), m.active),
            (status, active),
            "{what}"
        );
        match (allowed, action) {
            (true, Assign) => assert_eq!(m.due_at, before.due_at, "{what}: due date as it was"),
            (true, SetRealisticDueDate) => {
                // now + total minimum time of the path + 7 days
                let hours = if program == "RUSH" { 42 } else { 0 };
                assert_eq!(
                    m.due_at,
                    Some(ts(later) + hours * 3600 + 7 * 86_400),
                    "{what}"
                );
            }
            (true, DoNotAssign | Dismiss) => assert_eq!(m.due_at, None, "{what}: no due date"),
            _ => assert_eq!(m, before, "{what}: unchanged"),
        }
        // Handled rows leave the report.
        let left = raised_exceptions(&db.reader().unwrap(), Some(kind), None, 10).unwrap();
        assert_eq!(left.len(), usize::from(!allowed), "{what}");
    }
}

#[test]
fn do_not_assign_records_completion_and_dismiss_does_not() {
    use ExceptionAction::*;
    for (action, want) in [(DoNotAssign, "complete"), (Dismiss, "in_progress")] {
        let (_dir, db) = one_of_each();
        act(&db, NOW, of_kind(ExceptionKind::TimeAllowance), action);
        complete(&db, "2026-03-03", "L3", "LONG1", "2026-03-03");
        complete(&db, "2026-03-03", "L3", "SAFE3", "2026-03-03");
        let m = member(&db, "L3", "RUSH").unwrap();
        assert_eq!(m.status, want, "{action:?}");
        let completed: i64 = db
            .reader()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM event WHERE kind = 'completed' AND assignment_id = ?1",
                [m.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(completed, i64::from(want == "complete"), "{action:?}");
    }
}

#[test]
fn assign_makes_the_learner_active_from_now() {
    let (_dir, db) = one_of_each();
    let later = "2026-03-04T10:00:00Z";
    act(
        &db,
        later,
        of_kind(ExceptionKind::TimeAllowance),
        ExceptionAction::Assign,
    );
    let m = member(&db, "L3", "RUSH").unwrap();
    let r = db.reader().unwrap();
    let (assigned_at, events): (i64, i64) = r.query_row(
        "SELECT a.assigned_at, (SELECT count(*) FROM event e WHERE e.assignment_id = a.id AND e.kind = 'assigned' AND e.occurred_at = ?2)
         FROM assignment a WHERE a.id = ?1", [m.id, ts(later)], |x| Ok((x.get(0)?, x.get(1)?))).unwrap();
    assert_eq!(assigned_at, ts(later));
    assert_eq!(events, 1, "the learner becomes an active member now");
    // The first course set is current from now, due 40 hours later.
    let due: i64 = r.query_row(
        "SELECT due_at FROM course_set_progress WHERE assignment_id = ?1 ORDER BY course_set_id LIMIT 1", [m.id], |x| x.get(0)).unwrap();
    assert_eq!(due, ts(later) + 40 * 3600);
}

#[test]
fn a_handled_exception_is_raised_again_only_when_the_due_date_changes() {
    let (_dir, db) = one_of_each();
    act(
        &db,
        NOW,
        of_kind(ExceptionKind::TimeAllowance),
        ExceptionAction::DoNotAssign,
    );
    // Assigned again individually, due date unchanged: not raised again.
    let s = assign(&db, "2026-03-01T13:00:00Z", "RUSH", &["L3"]);
    assert_eq!(s.exceptions, 0);
    assert_eq!(
        member(&db, "L3", "RUSH").unwrap().exception_status,
        "not_assigned"
    );
    // A new due date (still too close): checked again and raised.
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "RUSH")?;
            let l = names::learner(tx, "L3")?;
            enrolment::assign(
                tx,
                t("2026-03-02T10:00:00Z"),
                p,
                &[l],
                Some("2026-03-03".parse().unwrap()),
            )
        })
        .unwrap();
    assert_eq!(s.exceptions, 1);
    assert_eq!(
        member(&db, "L3", "RUSH").unwrap().exception_status,
        "raised"
    );
    // And a due date far enough away, on a handled exception: no exception, stays as handled.
    act(
        &db,
        NOW,
        of_kind(ExceptionKind::TimeAllowance),
        ExceptionAction::Assign,
    );
    db.writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "RUSH")?;
            let l = names::learner(tx, "L3")?;
            enrolment::assign(
                tx,
                t("2026-03-01T15:00:00Z"),
                p,
                &[l],
                Some("2026-06-30".parse().unwrap()),
            )
        })
        .unwrap();
    let m = member(&db, "L3", "RUSH").unwrap();
    assert_eq!(
        (m.exception_status.as_str(), m.active),
        ("resolved_assigned", true)
    );
    assert!(m.due_at.unwrap() > ts("2026-06-30"));
}

#[test]
fn selection_all_plus_rows_and_preview() {
    let (_dir, db) = one_of_each();
    let ids: Vec<i64> = raised(&db).into_iter().map(|r| r.0).collect();
    let sel = Selection {
        all: true,
        ids: vec![ids[0], 9999],
        ..Default::default()
    };
    let p = db
        .writer()
        .unwrap()
        .write(|tx| preview(tx, &sel, ExceptionAction::Assign))
        .unwrap();
    // Assign is not allowed for the unknown row; 9999 does not exist.
    assert_eq!(p.changed, 2);
    assert_eq!(p.skipped.len(), 2);
    assert_eq!(raised(&db).len(), 3, "a preview changes nothing");
    let out = act(&db, NOW, sel, ExceptionAction::Assign);
    assert_eq!((out.changed, out.skipped.len()), (2, 2));
    // Acting again on handled rows skips them with their reason.
    let out = act(
        &db,
        NOW,
        Selection {
            ids: ids.clone(),
            ..Default::default()
        },
        ExceptionAction::Dismiss,
    );
    assert_eq!(out.changed, 1);
    assert!(out
        .skipped
        .iter()
        .all(|s| s.reason.starts_with("already handled")));
}

#[test]
fn a_bulk_action_over_ten_thousand_exceptions() {
    let mut learners = String::from("id_number,full_name,email\n");
    for i in 0..10_000 {
        learners.push_str(&format!("B{i:05},Bulk {i},b{i}@x.org\n"));
    }
    let (_dir, db) = store(PROGRAMS, &learners);
    let ids: Vec<String> = (0..10_000).map(|i| format!("B{i:05}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let s = assign(&db, NOW, "RUSH", &refs);
    assert_eq!(s.exceptions, 10_000);
    // 100 of them are also unknown-type rows in another program.
    let s = assign(&db, NOW, "HIRE", &refs[..100]);
    assert_eq!(s.exceptions, 100);
    let mut seen = Vec::new();
    let out = db
        .writer()
        .unwrap()
        .write(|tx| {
            apply(
                tx,
                t(NOW),
                &Selection {
                    all: true,
                    ..Default::default()
                },
                ExceptionAction::Assign,
                &mut |d, n| seen.push((d, n)),
            )
        })
        .unwrap();
    assert_eq!(out.changed, 10_000);
    assert_eq!(out.skipped.len(), 100);
    assert_eq!(seen.first(), Some(&(0, 10_000)));
    assert_eq!(seen.last(), Some(&(10_000, 10_000)));
    let r = db.reader().unwrap();
    let active: i64 = r.query_row("SELECT count(*) FROM assignment WHERE exception_status = 'resolved_assigned' AND active = 1", [], |x| x.get(0)).unwrap();
    assert_eq!(active, 10_000);
}

#[test]
fn assign_restarts_course_set_progress_with_or_without_completions() {
    let (_dir, db) = one_of_each();
    // L3 finished the first set of RUSH while the exception was raised.
    complete(
        &db,
        "2026-03-01T13:00:00Z",
        "L3",
        "LONG1",
        "2026-03-01T13:00:00Z",
    );
    let later = "2026-03-04T10:00:00Z";
    act(
        &db,
        later,
        of_kind(ExceptionKind::TimeAllowance),
        ExceptionAction::Assign,
    );
    act(
        &db,
        later,
        of_kind(ExceptionKind::DuplicateCourse),
        ExceptionAction::Assign,
    );
    let progress = |who: &str, program: &str| -> Vec<(i64, Option<i64>, Option<i64>)> {
        let m = member(&db, who, program).unwrap();
        let r = db.reader().unwrap();
        let mut stmt = r
            .prepare("SELECT current_at, due_at, completed_at FROM course_set_progress WHERE assignment_id = ?1 ORDER BY course_set_id")
            .unwrap();
        stmt.query_map([m.id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let now = ts(later);
    // With a completion: the first set completes when the membership starts, the second
    // group is current from then, due 2 hours later.
    assert_eq!(
        progress("L3", "RUSH"),
        vec![
            (now, Some(now + 40 * 3600), Some(now)),
            (now, Some(now + 2 * 3600), None)
        ]
    );
    // Without: the first set is current from now; no minimum time, no due date.
    assert_eq!(progress("L1", "CERT-B"), vec![(now, None, None)]);
}

#[test]
fn assign_at_the_instant_of_the_assignment_keeps_course_set_progress_as_it_was() {
    // Assigned at NOW and accepted at NOW: no shift, so the rows stay exactly as they were
    // (the action skips them rather than writing them back); a later action shifts them.
    let (_dir, db) = one_of_each();
    let progress = |who: &str, program: &str| -> Vec<(i64, Option<i64>, Option<i64>)> {
        let m = member(&db, who, program).unwrap();
        let r = db.reader().unwrap();
        let mut stmt = r
            .prepare("SELECT current_at, due_at, completed_at FROM course_set_progress WHERE assignment_id = ?1 AND cycle = ?2 ORDER BY course_set_id")
            .unwrap();
        stmt.query_map([m.id, m.cycle], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let before = progress("L3", "RUSH");
    assert!(!before.is_empty());
    act(
        &db,
        NOW,
        of_kind(ExceptionKind::TimeAllowance),
        ExceptionAction::Assign,
    );
    assert_eq!(progress("L3", "RUSH"), before);
    let m = member(&db, "L3", "RUSH").unwrap();
    assert_eq!(
        (m.exception_status.as_str(), m.active),
        ("resolved_assigned", true)
    );
    // The duplicate, accepted a day later: its current set starts then.
    let later = "2026-03-02T12:00:00Z";
    let old = progress("L1", "CERT-B");
    act(
        &db,
        later,
        of_kind(ExceptionKind::DuplicateCourse),
        ExceptionAction::Assign,
    );
    let day = 86_400;
    let shifted: Vec<_> = old
        .iter()
        .map(|(c, d, k)| (c + day, d.map(|d| d + day), k.map(|k| k + day)))
        .collect();
    assert_eq!(progress("L1", "CERT-B"), shifted);
}
