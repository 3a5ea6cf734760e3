//! The program editor: create and edit programs and certifications, refuse bad drafts without
//! writing anything, keep memberships and settle them under the new rules; adding courses.

use certdesk_core::program::catalog::program_summaries;
use certdesk_core::program::certification::{CertSettings, Method};
use certdesk_core::program::course::{add_course, list_courses};
use certdesk_core::program::period::{Period, Unit};
use certdesk_core::program::{program_draft, DueDraft, DueFrom, DueKind, ProgramDraft, SetDraft};
use certdesk_core::program::{CompletionRule, Operator, ProgramKind};
use certdesk_core::{names, Db, Error};

use crate::fixture::{assign, complete, member, store, t, ts, ONE_LEARNER};

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "BASIC", "full_name": "Basics",
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1", "SAFE2"] } ] }
] }"#;

fn course(db: &Db, short: &str) -> i64 {
    names::course(&db.reader().unwrap(), short).unwrap()
}

fn set(db: &Db, label: &str, rule: CompletionRule, courses: &[&str]) -> SetDraft {
    SetDraft {
        label: label.into(),
        rule,
        min_time_hours: 0.0,
        operator: None,
        courses: courses.iter().map(|c| course(db, c)).collect(),
    }
}

/// A certification with two course sets (THEN), 1 year active, 2 months window.
fn first_aid(db: &Db) -> ProgramDraft {
    let mut theory = set(db, "Theory", CompletionRule::All, &["FA101"]);
    theory.min_time_hours = 6.0;
    theory.operator = Some(Operator::Then);
    let mut practice = set(
        db,
        "Practice",
        CompletionRule::AtLeast(2),
        &["SAFE1", "SAFE2", "SAFE3"],
    );
    practice.min_time_hours = 1.5;
    ProgramDraft {
        id: None,
        short_name: "FA".into(),
        full_name: "First Aid at Work".into(),
        kind: ProgramKind::Certification,
        due: DueDraft {
            kind: DueKind::Relative,
            after: Period::new(3, Unit::Month),
            ..DueDraft::default()
        },
        cert: Some(CertSettings {
            active: Period::new(1, Unit::Year),
            window: Period::new(2, Unit::Month),
            method: Method::ExpiryDate,
            min_active: None,
        }),
        certification_path: vec![theory, practice],
        recertification_path: vec![set(db, "Refresher", CompletionRule::Any, &["FA201"])],
    }
}

fn save(db: &Db, draft: &ProgramDraft, now: &str) -> certdesk_core::Result<i64> {
    // The editor's entry point: the program, then its memberships settled.
    certdesk_core::api::programs::save(&mut db.writer().unwrap(), draft, t(now))
}

fn load(db: &Db, id: i64) -> ProgramDraft {
    program_draft(&db.reader().unwrap(), id).unwrap()
}

/// Everything the editor can change, as the store holds it.
fn snapshot(db: &Db) -> Vec<String> {
    let r = db.reader().unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT id || short_name || full_name || kind || due_rule || ifnull(due_amount, '') FROM program",
        "SELECT program_id || active_amount || window_amount || method FROM certification_settings",
        "SELECT id || path || position || label || rule || ifnull(rule_min, '') || min_time_secs FROM course_set",
        "SELECT course_set_id || '-' || course_id FROM course_set_course",
    ] {
        let mut stmt = r.prepare(&format!("{sql} ORDER BY 1")).unwrap();
        let rows = stmt.query_map([], |x| x.get::<_, String>(0)).unwrap();
        out.extend(rows.map(|x| x.unwrap()));
    }
    out
}

#[test]
fn creates_a_certification_and_loads_it_back_for_editing() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let draft = first_aid(&db);
    let id = save(&db, &draft, "2026-02-01").unwrap();

    let listed = program_summaries(&db.reader().unwrap()).unwrap();
    let fa = listed.iter().find(|p| p.id == id).unwrap();
    assert_eq!(fa.full_name, "First Aid at Work");
    assert_eq!(fa.kind, ProgramKind::Certification);

    let back = load(&db, id);
    let mut want = draft.clone();
    want.id = Some(id);
    // Courses come back sorted by id.
    want.certification_path[1].courses.sort_unstable();
    assert_eq!(back, want);
    // A new program gets the default notification rules, like an imported one.
    let rules: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM notification_rule WHERE program_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(rules > 0);
}

#[test]
fn a_fixed_due_date_round_trips_as_a_date() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let mut draft = first_aid(&db);
    draft.kind = ProgramKind::Program;
    draft.cert = None;
    draft.recertification_path.clear();
    draft.due = DueDraft {
        kind: DueKind::Fixed,
        date: "2026-06-30".into(),
        ..DueDraft::default()
    };
    let id = save(&db, &draft, "2026-02-01").unwrap();
    let back = load(&db, id);
    assert_eq!(back.kind, ProgramKind::Program);
    assert_eq!(back.cert, None);
    assert_eq!(back.due.kind, DueKind::Fixed);
    assert_eq!(back.due.date, "2026-06-30");
}

#[test]
fn bad_drafts_are_refused_naming_the_input_and_nothing_is_written() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let basic = names::program(&db.reader().unwrap(), "BASIC").unwrap();
    let before = snapshot(&db);
    type Case = (&'static str, fn(&mut ProgramDraft), &'static str);
    let cases: &[Case] = &[
        ("empty name", |d| d.full_name = "  ".into(), "full_name"),
        (
            "empty short name",
            |d| d.short_name = "".into(),
            "short_name",
        ),
        (
            "duplicate short name (any case)",
            |d| d.short_name = "basic".into(),
            "short_name",
        ),
        (
            "no course sets",
            |d| d.certification_path.clear(),
            "certification_path",
        ),
        (
            "a set with no courses",
            |d| d.certification_path[1].courses.clear(),
            "certification_path.1.courses",
        ),
        (
            "at least N above the set's courses",
            |d| d.certification_path[1].rule = CompletionRule::AtLeast(4),
            "certification_path.1.rule",
        ),
        (
            "at least 0",
            |d| d.certification_path[1].rule = CompletionRule::AtLeast(0),
            "certification_path.1.rule",
        ),
        (
            "negative minimum time",
            |d| d.certification_path[0].min_time_hours = -1.0,
            "certification_path.0.min_time_hours",
        ),
        (
            "empty set label",
            |d| d.recertification_path[0].label = " ".into(),
            "recertification_path.0.label",
        ),
        (
            "unknown course",
            |d| d.recertification_path[0].courses = vec![999_999],
            "recertification_path.0.courses",
        ),
        (
            "window longer than the active period",
            |d| {
                if let Some(c) = d.cert.as_mut() {
                    c.window = Period::new(13, Unit::Month);
                }
            },
            "cert.window",
        ),
        (
            "active period of zero",
            |d| {
                if let Some(c) = d.cert.as_mut() {
                    c.active = Period::new(0, Unit::Year);
                }
            },
            "cert.active",
        ),
        (
            "certification without periods",
            |d| d.cert = None,
            "cert.active",
        ),
        (
            "recertification path on a program",
            |d| {
                d.kind = ProgramKind::Program;
            },
            "recertification_path",
        ),
        (
            "fixed due date that is not a date",
            |d| {
                d.due.kind = DueKind::Fixed;
                d.due.date = "30/06/2026".into();
            },
            "due.date",
        ),
        (
            "relative due date of zero",
            |d| d.due.after = Period::new(0, Unit::Day),
            "due.after",
        ),
        (
            "due after completing no program",
            |d| d.due.from = DueFrom::ProgramCompletion,
            "due.program_id",
        ),
        (
            "due after an unnamed profile field",
            |d| d.due.from = DueFrom::ProfileField,
            "due.field",
        ),
    ];
    for (what, edit, field) in cases {
        let mut d = first_aid(&db);
        edit(&mut d);
        match save(&db, &d, "2026-02-01") {
            Err(Error::Invalid { field: f, reason }) => {
                assert_eq!(f, *field, "{what}: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{what}: expected invalid {field}, got {other:?}"),
        }
        assert_eq!(snapshot(&db), before, "{what}: nothing written");
    }
    // Editing an existing program badly changes nothing either.
    let mut d = load(&db, basic);
    d.full_name = "Renamed".into();
    d.certification_path[0].courses.clear();
    assert!(matches!(
        save(&db, &d, "2026-02-01"),
        Err(Error::Invalid { .. })
    ));
    assert_eq!(snapshot(&db), before);
    // Counting from itself.
    let mut d = load(&db, basic);
    d.due = DueDraft {
        kind: DueKind::Relative,
        from: DueFrom::ProgramCompletion,
        program_id: Some(basic),
        ..DueDraft::default()
    };
    match save(&db, &d, "2026-02-01") {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "due.program_id"),
        other => panic!("expected invalid due.program_id, got {other:?}"),
    }
    // An unknown id.
    let mut d = load(&db, basic);
    d.id = Some(987_654);
    assert!(matches!(
        save(&db, &d, "2026-02-01"),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(snapshot(&db), before);
}

#[test]
fn editing_a_program_keeps_its_members_and_settles_them_under_the_new_rules() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let basic = names::program(&db.reader().unwrap(), "BASIC").unwrap();
    assign(&db, "2026-01-05T09:00:00Z", "BASIC", &["L1"]);
    complete(
        &db,
        "2026-01-06T10:00:00Z",
        "L1",
        "SAFE1",
        "2026-01-06T10:00:00Z",
    );
    let before = member(&db, "L1", "BASIC").unwrap();
    assert_eq!(before.status, "in_progress");
    assert_eq!(before.due_at, None);

    // Any one course now completes it, and it is due a month after assignment.
    let mut d = load(&db, basic);
    d.full_name = "Basics, revised".into();
    d.certification_path[0].rule = CompletionRule::Any;
    d.due = DueDraft {
        kind: DueKind::Relative,
        after: Period::new(1, Unit::Month),
        ..DueDraft::default()
    };
    assert_eq!(save(&db, &d, "2026-01-10").unwrap(), basic);

    let after = member(&db, "L1", "BASIC").unwrap();
    assert_eq!(after.id, before.id, "the membership is kept");
    assert_eq!(after.status, "complete");
    assert_eq!(after.completed_at, Some(ts("2026-01-06T10:00:00Z")));
    assert_eq!(after.due_at, Some(ts("2026-02-05T23:59:59Z")));
    assert_eq!(load(&db, basic).full_name, "Basics, revised");

    // A program with members cannot become a certification.
    let mut d = load(&db, basic);
    d.kind = ProgramKind::Certification;
    d.cert = first_aid(&db).cert;
    match save(&db, &d, "2026-01-10") {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "kind"),
        other => panic!("expected invalid kind, got {other:?}"),
    }
}

#[test]
fn removing_a_set_certifies_members_who_completed_the_rest() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let fa = save(&db, &first_aid(&db), "2026-01-01").unwrap();
    let short = load(&db, fa).short_name;
    assign(&db, "2026-01-05T09:00:00Z", &short, &["L1"]);
    complete(
        &db,
        "2026-01-06T10:00:00Z",
        "L1",
        "FA101",
        "2026-01-06T10:00:00Z",
    );
    assert_eq!(member(&db, "L1", "FA").unwrap().status, "in_progress");

    // Drop the practice set: theory alone certifies, from its completion.
    let mut d = load(&db, fa);
    d.certification_path.truncate(1);
    d.certification_path[0].operator = None;
    save(&db, &d, "2026-01-10").unwrap();
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!(m.status, "certified");
    assert_eq!(m.completed_at, Some(ts("2026-01-06T10:00:00Z")));
    assert!(m.expires_at.is_some());
    let sets: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM course_set WHERE program_id = ?1 AND path = 'certification'",
            [fa],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sets, 1);
}

#[test]
fn editing_one_set_keeps_the_others_and_raises_no_completion_twice() {
    let programs = r#"{ "programs": [
  { "short_name": "STEPS", "full_name": "Steps",
    "certification_path": [
      { "label": "One", "rule": "all", "operator": "then", "courses": ["SAFE1"] },
      { "label": "Two", "rule": "all", "courses": ["SAFE2"] } ] }
] }"#;
    let (_dir, db) = store(programs, ONE_LEARNER);
    let steps = names::program(&db.reader().unwrap(), "STEPS").unwrap();
    assign(&db, "2026-01-05T09:00:00Z", "STEPS", &["L1"]);
    complete(
        &db,
        "2026-01-06T10:00:00Z",
        "L1",
        "SAFE1",
        "2026-01-06T10:00:00Z",
    );
    let m = member(&db, "L1", "STEPS").unwrap();
    let set_ids = |db: &Db| -> Vec<i64> {
        let r = db.reader().unwrap();
        let mut stmt = r
            .prepare("SELECT id FROM course_set WHERE program_id = ?1 ORDER BY position")
            .unwrap();
        let rows = stmt.query_map([steps], |x| x.get(0)).unwrap();
        rows.map(|x| x.unwrap()).collect()
    };
    let set_events = |db: &Db| -> i64 {
        db.reader()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM event WHERE kind = 'course_set_completed' AND assignment_id = ?1",
                [m.id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let ids = set_ids(&db);
    assert_eq!(set_events(&db), 1);

    // Set two now takes either of two courses; set one is untouched.
    let mut d = load(&db, steps);
    d.certification_path[1].rule = CompletionRule::Any;
    d.certification_path[1].courses.push(course(&db, "SAFE3"));
    save(&db, &d, "2026-01-10").unwrap();
    assert_eq!(set_ids(&db), ids, "sets keep their ids by position");
    assert_eq!(
        set_events(&db),
        1,
        "set one's completion is not raised again"
    );
    assert_eq!(member(&db, "L1", "STEPS").unwrap().status, "in_progress");

    // Completing the new course completes the program.
    complete(
        &db,
        "2026-01-11T10:00:00Z",
        "L1",
        "SAFE3",
        "2026-01-11T10:00:00Z",
    );
    let done = member(&db, "L1", "STEPS").unwrap();
    assert_eq!(done.status, "complete");
    assert_eq!(done.completed_at, Some(ts("2026-01-11T10:00:00Z")));
    assert_eq!(set_events(&db), 2);
}

#[test]
fn courses_are_listed_and_added_by_name() {
    let (_dir, db) = store(PROGRAMS, ONE_LEARNER);
    let add =
        |short: &str, full: &str| db.writer().unwrap().write(|tx| add_course(tx, short, full));
    let c = add(" FIRE9 ", "Fire Extinguishers").unwrap();
    assert_eq!(c.short_name, "FIRE9");
    let listed = list_courses(&db.reader().unwrap()).unwrap();
    assert!(listed.contains(&c));
    assert_eq!(listed.len(), 7);
    let names: Vec<&str> = listed.iter().map(|c| c.full_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "by name");

    for (short, full, field) in [
        ("fire9", "Again", "course.short_name"),
        ("", "No short name", "course.short_name"),
        ("NEW1", " ", "course.full_name"),
    ] {
        match add(short, full) {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field, "{short}/{full}"),
            other => panic!("{short}/{full}: expected invalid {field}, got {other:?}"),
        }
    }
    assert_eq!(list_courses(&db.reader().unwrap()).unwrap().len(), 7);
}
