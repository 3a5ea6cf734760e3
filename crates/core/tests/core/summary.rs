//! The summary figures (migration 005) always equal a full count of the memberships: after
//! many random assignments, unassignments, completions, engine runs, group assignments,
//! learner imports and bulk exception actions, and when the migration fills them for a store
//! that had none. The dashboard and the outlook read them, so they are checked too, against
//! the set-based queries they used to run.

use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::exception::ExceptionKind;
use certdesk_core::report::dashboard::dashboard;
use certdesk_core::report::membership::{membership_count, MembershipQuery};
use certdesk_core::report::outlook::outlook;
use certdesk_core::{api, names, AssignmentStatus, Db, ExceptionStatus};
use jiff::{SignedDuration, Timestamp};

use crate::fixture::{store, t, Rng};

pub(crate) const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "CERT-A", "full_name": "Certification A",
    "due": { "rule": "relative", "after": "2 weeks", "event": "assignment" },
    "certification": { "active": "2 months", "window": "3 weeks", "method": "completion_date" },
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["SAFE1"] } ],
    "recertification_path": [ { "label": "A again", "rule": "all", "courses": ["FA201"] } ] },
  { "short_name": "CERT-B", "full_name": "Certification B",
    "due": { "rule": "relative", "after": "1 month", "event": "profile_field", "field": "hire_date" },
    "certification": { "active": "3 months", "window": "1 month", "method": "expiry_date" },
    "certification_path": [ { "label": "B", "rule": "all", "courses": ["SAFE1", "SAFE2"] } ] },
  { "short_name": "HIRE", "full_name": "After Hire",
    "due": { "rule": "relative", "after": "3 weeks", "event": "profile_field", "field": "hire_date" },
    "certification_path": [ { "label": "H", "rule": "all", "courses": ["SAFE2"] } ] },
  { "short_name": "RUSH", "full_name": "Rushed Program",
    "due": { "rule": "fixed", "date": "2026-01-20" },
    "certification_path": [
      { "label": "Long", "rule": "all", "min_time": "40 hours", "operator": "then", "courses": ["LONG1"] },
      { "label": "Short", "rule": "all", "courses": ["SAFE3"] } ] },
  { "short_name": "CALM", "full_name": "Calm Program",
    "due": { "rule": "relative", "after": "30 days", "event": "assignment" },
    "certification_path": [ { "label": "Any", "rule": "any", "courses": ["FA101", "SAFE3"] } ] }
] }"#;

const SHORTS: [&str; 5] = ["CERT-A", "CERT-B", "HIRE", "RUSH", "CALM"];
const COURSES: [&str; 6] = ["FA101", "FA201", "SAFE1", "SAFE2", "SAFE3", "LONG1"];
const ZONES: [&str; 4] = ["Europe/London", "Asia/Tokyo", "America/Los_Angeles", "UTC"];
const LEARNERS: usize = 24;

/// Learners L0..L23 in four zones and three groups; every third has no hire date (an
/// exception for the programs due after hire). `shift` moves learners between groups.
pub(crate) fn learners_csv(shift: usize) -> String {
    let mut csv = String::from("id_number,full_name,email,time_zone,groups,date:hire_date\n");
    for i in 0..LEARNERS {
        let hire = if i % 3 == 0 {
            String::new()
        } else {
            format!("2026-01-{:02}", 1 + i % 28)
        };
        csv.push_str(&format!(
            "L{i},Learner {i},l{i}@x.org,{},Team {},{hire}\n",
            ZONES[i % 4],
            (i + shift) % 3
        ));
    }
    csv
}

/// One to eight learners picked at random.
fn some_learners(rng: &mut Rng, db: &Db) -> Vec<i64> {
    let r = db.reader().unwrap();
    let n = 1 + rng.below(8);
    (0..n)
        .map(|_| names::learner(&r, &format!("L{}", rng.below(LEARNERS))).unwrap())
        .collect()
}

fn program(db: &Db, short: &str) -> i64 {
    names::program(&db.reader().unwrap(), short).unwrap()
}

fn rows(db: &Db, sql: &str) -> Vec<(String, i64)> {
    let r = db.reader().unwrap();
    let mut stmt = r.prepare(sql).unwrap();
    let mut out: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    out.sort();
    out
}

/// Every summary table, non-zero rows only, beside the same figures counted in full.
pub(crate) fn assert_summary_is_a_full_count(db: &Db, when: &str) {
    let pairs = [
        (
            "SELECT program_id || '/' || status || '/' || exception_status, memberships
             FROM summary_membership WHERE memberships <> 0",
            "SELECT program_id || '/' || status || '/' || exception_status, count(*)
             FROM assignment WHERE unassigned_at IS NULL GROUP BY 1",
        ),
        (
            "SELECT program_id || '', raised FROM summary_exception WHERE raised <> 0",
            "SELECT a.program_id || '', count(*) FROM exception e
             JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL GROUP BY 1",
        ),
        (
            "SELECT day || '/' || program_id, memberships FROM summary_expiry WHERE memberships <> 0",
            "SELECT ((expires_at - ((expires_at % 86400) + 86400) % 86400) / 86400) || '/' || program_id,
                    count(*)
             FROM assignment WHERE unassigned_at IS NULL AND expires_at IS NOT NULL
               AND status IN ('certified', 'window_open') GROUP BY 1",
        ),
        (
            "SELECT day || '/' || program_id, memberships FROM summary_due WHERE memberships <> 0",
            "SELECT ((due_at - ((due_at % 86400) + 86400) % 86400) / 86400) || '/' || program_id,
                    count(*)
             FROM assignment WHERE unassigned_at IS NULL AND due_at IS NOT NULL AND active = 1
               AND status NOT IN ('complete', 'certified') GROUP BY 1",
        ),
        (
            "SELECT group_id || '/' || status || '/' || exception_status, memberships
             FROM summary_group WHERE memberships <> 0",
            "SELECT gm.group_id || '/' || a.status || '/' || a.exception_status, count(*)
             FROM group_member gm JOIN assignment a ON a.learner_id = gm.learner_id
             WHERE a.unassigned_at IS NULL GROUP BY 1",
        ),
    ];
    for (summary, full) in pairs {
        assert_eq!(rows(db, summary), rows(db, full), "after {when}: {summary}");
    }
    let negative = rows(
        db,
        "SELECT 'membership', count(*) FROM summary_membership WHERE memberships < 0
         UNION ALL SELECT 'expiry', count(*) FROM summary_expiry WHERE memberships < 0
         UNION ALL SELECT 'group', count(*) FROM summary_group WHERE memberships < 0",
    );
    assert!(
        negative.iter().all(|(_, n)| *n == 0),
        "after {when}: {negative:?}"
    );
}

/// The dashboard and the outlook at `now` equal the full-count queries they used to run.
fn assert_screens_agree(db: &Db, now: Timestamp, when: &str) {
    let r = db.reader().unwrap();
    let d = dashboard(&r, now).unwrap();
    let horizon = now.as_second() + 30 * 86_400;
    let count = |sql: &str, args: &[i64]| -> u32 {
        r.query_row(sql, rusqlite::params_from_iter(args), |x| x.get(0))
            .unwrap()
    };
    let live = "SELECT count(*) FROM assignment WHERE unassigned_at IS NULL";
    assert_eq!(d.assignments, count(live, &[]), "{when}");
    for s in &d.by_status {
        let sql = format!("{live} AND status = '{}'", s.status.as_str());
        assert_eq!(s.count, count(&sql, &[]), "{when}: {:?}", s.status);
    }
    let raised = "SELECT count(*) FROM exception e JOIN assignment a ON a.id = e.assignment_id
                  WHERE e.status = 'raised' AND a.unassigned_at IS NULL";
    assert_eq!(d.raised_exceptions, count(raised, &[]), "{when}");
    let expiring = "SELECT count(*) FROM assignment WHERE expires_at > ?1 AND expires_at <= ?2
                    AND status IN ('certified', 'window_open') AND unassigned_at IS NULL";
    assert_eq!(
        d.expiring_30_days,
        count(expiring, &[now.as_second(), horizon]),
        "{when}: expiring"
    );

    let o = outlook(&r, now).unwrap();
    let start = t(&o.weeks[0].week_start).as_second();
    for (i, w) in o.weeks.iter().enumerate() {
        let (a, b) = (start + i as i64 * 604_800, start + (i as i64 + 1) * 604_800);
        let due = "SELECT count(*) FROM assignment WHERE due_at >= ?1 AND due_at < ?2
                   AND active = 1 AND unassigned_at IS NULL
                   AND status NOT IN ('complete', 'certified')";
        let exp = "SELECT count(*) FROM assignment WHERE expires_at >= ?1 AND expires_at < ?2
                   AND unassigned_at IS NULL AND status IN ('certified', 'window_open')";
        assert_eq!(w.due, count(due, &[a, b]), "{when}: due in week {i}");
        assert_eq!(
            w.expiring,
            count(exp, &[a, b]),
            "{when}: expiring in week {i}"
        );
    }

    // The export's total with each filter, and the programs' member counts.
    let programs = api::catalog::programs(&r).unwrap();
    for p in &programs {
        let q = MembershipQuery {
            program_id: Some(p.id),
            status: Some(AssignmentStatus::Certified),
            ..Default::default()
        };
        let sql = format!("{live} AND program_id = ?1 AND status = 'certified'");
        assert_eq!(
            membership_count(&r, &q).unwrap(),
            count(&sql, &[p.id]),
            "{when}"
        );
        let sql = format!("{live} AND program_id = ?1");
        assert_eq!(p.members, count(&sql, &[p.id]), "{when}: {}", p.short_name);
    }
    let q = MembershipQuery {
        exception_status: Some(ExceptionStatus::Raised),
        ..Default::default()
    };
    let sql = format!("{live} AND exception_status = 'raised'");
    assert_eq!(
        membership_count(&r, &q).unwrap(),
        count(&sql, &[]),
        "{when}"
    );
}

/// One random operation at `now`; returns what it was.
pub(crate) fn random_step(db: &Db, rng: &mut Rng, now: Timestamp, step: usize) -> String {
    let mut w = db.writer().unwrap();
    let short = SHORTS[rng.below(SHORTS.len())];
    match rng.below(9) {
        0 | 1 => {
            let ids = some_learners(rng, db);
            let due = (rng.below(3) == 0).then_some("2026-05-31");
            api::enrolment::assign_learners(&mut w, now, program(db, short), &ids, due).unwrap();
            format!("assign {} to {short}", ids.len())
        }
        2 => {
            let ids = some_learners(rng, db);
            api::enrolment::unassign_learners(&mut w, now, program(db, short), &ids).unwrap();
            format!("unassign {} from {short}", ids.len())
        }
        3 => {
            let group = names::group(w.conn(), &format!("Team {}", rng.below(3))).unwrap();
            if rng.below(3) == 0 {
                api::enrolment::unassign_group(&mut w, now, program(db, short), group).unwrap();
                format!("unassign group from {short}")
            } else {
                api::enrolment::assign_group(&mut w, now, program(db, short), group, None).unwrap();
                format!("assign group to {short}")
            }
        }
        4 | 5 => {
            let learner = some_learners(rng, db)[0];
            let course = names::course(w.conn(), COURSES[rng.below(COURSES.len())]).unwrap();
            // Completed at some time in the last 10 days, at any time of day.
            let at = now - SignedDuration::from_secs(rng.below(10 * 86_400) as i64);
            api::enrolment::record_completion(&mut w, now, learner, course, at).unwrap();
            "complete a course".into()
        }
        6 => {
            api::scheduler::run(&mut w, now).unwrap();
            "run(now)".into()
        }
        7 => {
            let actions = [
                ExceptionAction::Assign,
                ExceptionAction::SetRealisticDueDate,
                ExceptionAction::DoNotAssign,
                ExceptionAction::Dismiss,
            ];
            let act = actions[rng.below(actions.len())];
            let sel = bulk_selection(db, rng);
            api::exceptions::apply(&mut w, now, &sel, act, &mut |_, _| {}).unwrap();
            format!("bulk {act:?} over {sel:?}")
        }
        _ => {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), learners_csv(step)).unwrap();
            api::imports::learners(&mut w, now, file.path().to_str().unwrap()).unwrap();
            "import learners, groups moved".into()
        }
    }
}

/// All raised exceptions, those of one kind, or a few picked ones.
fn bulk_selection(db: &Db, rng: &mut Rng) -> Selection {
    match rng.below(3) {
        0 => Selection {
            all: true,
            ..Default::default()
        },
        1 => Selection {
            all: true,
            kind: Some(
                [
                    ExceptionKind::DuplicateCourse,
                    ExceptionKind::CompletionTimeUnknown,
                    ExceptionKind::TimeAllowance,
                ][rng.below(3)],
            ),
            ..Default::default()
        },
        _ => {
            let raised = rows(
                db,
                "SELECT id || '', id FROM exception WHERE status = 'raised' ORDER BY id",
            );
            let ids = raised
                .iter()
                .filter(|_| rng.below(2) == 0)
                .map(|(_, id)| *id)
                .collect();
            Selection {
                ids,
                ..Default::default()
            }
        }
    }
}

#[test]
fn the_summary_equals_a_full_count_after_random_operations() {
    let (_dir, db) = store(PROGRAMS, &learners_csv(0));
    let mut rng = Rng(0x5EED_CE27_D35C_0015);
    let mut now = t("2026-01-05T09:30:00Z");
    let mut log = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for step in 0..120 {
        let what = random_step(&db, &mut rng, now, step);
        log.push(format!("{step} {now}: {what}"));
        let when = log.join("\n");
        assert_summary_is_a_full_count(&db, &when);
        if step % 8 == 0 {
            assert_screens_agree(&db, now, &when);
        }
        let d = dashboard(&db.reader().unwrap(), now).unwrap();
        seen.extend(
            d.by_status
                .iter()
                .filter(|s| s.count > 0)
                .map(|s| s.status.as_str()),
        );
        if d.expiring_30_days > 0 {
            seen.insert("expiring");
        }
        if d.raised_exceptions > 0 {
            seen.insert("raised");
        }
        // Time moves on by up to three days, to any second of the day.
        now += SignedDuration::from_secs(rng.below(3 * 86_400) as i64);
    }
    // Engine runs at several later instants: windows open and certifications expire.
    for days in [20, 45, 90, 200] {
        let later = now + SignedDuration::from_hours(24 * days);
        api::scheduler::run(&mut db.writer().unwrap(), later).unwrap();
        assert_summary_is_a_full_count(&db, &format!("run at +{days} days"));
        for at in [later, t("2026-04-01T00:00:00Z"), t("2026-04-01T23:59:59Z")] {
            assert_screens_agree(&db, at, &format!("dashboard at {at} after run at +{days}"));
        }
    }
    // The random walk reached every status, expiries ahead, raised exceptions, and ended
    // memberships and handled exceptions.
    assert_eq!(seen.len(), AssignmentStatus::ALL.len() + 2, "{seen:?}");
    let r = db.reader().unwrap();
    let count = |sql: &str| -> i64 { r.query_row(sql, [], |x| x.get(0)).unwrap() };
    assert!(count("SELECT count(*) FROM assignment WHERE unassigned_at IS NOT NULL") > 0);
    assert!(count("SELECT count(*) FROM exception WHERE status <> 'raised'") > 0);
}

#[test]
fn the_migration_fills_the_summary_of_an_existing_store() {
    let (dir, db) = store(PROGRAMS, &learners_csv(0));
    let mut rng = Rng(0xF111_0005);
    let mut now = t("2026-01-05T09:30:00Z");
    for step in 0..40 {
        random_step(&db, &mut rng, now, step);
        now += SignedDuration::from_hours(30);
    }
    // Back to schema 4: no summary tables or triggers.
    let path = dir.path().join("certdesk.sqlite");
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_schema WHERE name LIKE 'summary%' AND type <> 'index'
               AND name NOT LIKE 'summary_group%'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(objects.iter().filter(|(t, _)| t == "table").count(), 4);
    for (kind, name) in &objects {
        if kind == "trigger" {
            conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
    }
    for (kind, name) in &objects {
        if kind == "table" {
            conn.execute_batch(&format!("DROP TABLE {name}")).unwrap();
        }
    }
    // Migration 005 again, as a schema-4 store runs it when opened (rewinding user_version
    // would re-run the later migrations too, and an ADD COLUMN cannot run twice).
    conn.execute_batch(certdesk_core::store::MIGRATIONS[4])
        .unwrap();
    drop(conn);

    let db = Db::open(&path).unwrap();
    assert_summary_is_a_full_count(&db, "migration 005");
    assert_screens_agree(&db, now, "migration 005");
    // And the triggers keep it from there.
    random_step(&db, &mut rng, now, 0);
    api::scheduler::run(
        &mut db.writer().unwrap(),
        now + SignedDuration::from_hours(24 * 60),
    )
    .unwrap();
    assert_summary_is_a_full_count(&db, "after the migration");
}

#[test]
fn the_demo_store_has_its_summary() {
    let (_dir, db) = crate::temp_db();
    let now = t("2026-03-01T08:00:00Z");
    certdesk_core::demo::create_demo(&mut db.writer().unwrap(), now).unwrap();
    assert_summary_is_a_full_count(&db, "demo");
    assert_screens_agree(&db, now, "demo");
}
