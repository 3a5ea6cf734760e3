//! Compliance at a glance: the dashboard's per-program and per-group figures and its
//! expiries 30, 60 and 90 days ahead equal a full count of the memberships, and the
//! membership report filtered as each figure's link filters it lists exactly those rows.

use certdesk_core::report::compliance::{compliance, Compliance, ComplianceRow};
use certdesk_core::report::format::all_memberships;
use certdesk_core::report::membership::{
    membership_count, ComplianceFilter, ExpiryRange, MembershipQuery,
};
use certdesk_core::{api, Db};
use jiff::{SignedDuration, Timestamp};

use crate::fixture::{store, t, Rng};
use crate::summary::{learners_csv, random_step, PROGRAMS};

/// Current memberships, with what the full count needs.
struct Membership {
    program: i64,
    learner: i64,
    status: String,
    exception: String,
    expires: Option<i64>,
}

fn memberships(db: &Db) -> Vec<Membership> {
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare(
            "SELECT program_id, learner_id, status, exception_status, expires_at
             FROM assignment WHERE unassigned_at IS NULL",
        )
        .unwrap();
    stmt.query_map([], |x| {
        Ok(Membership {
            program: x.get(0)?,
            learner: x.get(1)?,
            status: x.get(2)?,
            exception: x.get(3)?,
            expires: x.get(4)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn group_members(db: &Db, group: i64) -> Vec<i64> {
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare("SELECT learner_id FROM group_member WHERE group_id = ?1")
        .unwrap();
    stmt.query_map([group], |x| x.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The definition of docs/DOMAIN.md, in Rust: (counted, compliant).
fn judge(m: &Membership, at: i64) -> (bool, bool) {
    let counted =
        ["none", "resolved_assigned", "resolved_realistic"].contains(&m.exception.as_str());
    let ok = m.status == "complete"
        || (["certified", "window_open"].contains(&m.status.as_str())
            && m.expires.is_none_or(|e| e > at));
    (counted, counted && ok)
}

fn full_count<'a>(ms: impl Iterator<Item = &'a Membership>, at: i64) -> (u32, u32, u32) {
    let (mut members, mut compliant, mut excluded) = (0, 0, 0);
    for m in ms {
        match judge(m, at) {
            (false, _) => excluded += 1,
            (true, c) => {
                members += 1;
                compliant += u32::from(c);
            }
        }
    }
    (members, compliant, excluded)
}

/// The report filtered as the UI's link does: its rows, and its count.
fn report(db: &Db, q: &MembershipQuery) -> (usize, u32) {
    let r = db.reader().unwrap();
    (
        all_memberships(&r, q).unwrap().len(),
        membership_count(&r, q).unwrap(),
    )
}

fn check_row(
    db: &Db,
    c: &Compliance,
    row: &ComplianceRow,
    full: (u32, u32, u32),
    base: MembershipQuery,
    what: &str,
) {
    assert_eq!(
        (row.members, row.compliant, row.excluded),
        full,
        "{what} {}",
        row.name
    );
    for (compliant, want) in [(true, row.compliant), (false, row.members - row.compliant)] {
        let q = MembershipQuery {
            compliance: Some(ComplianceFilter {
                compliant,
                as_of: c.as_of,
            }),
            ..base.clone()
        };
        assert_eq!(
            report(db, &q),
            (want as usize, want),
            "{what} {} compliant={compliant}",
            row.name
        );
    }
}

thread_local! {
    /// The statuses the figures were checked with.
    static STATUSES: std::cell::RefCell<std::collections::BTreeSet<String>> =
        std::cell::RefCell::default();
}

/// Every figure against a full count at `now`; returns how many compliant, non-compliant
/// and excluded memberships and expiring certifications there were.
fn assert_figures(db: &Db, now: Timestamp, when: &str) -> [u32; 4] {
    let c = compliance(&db.reader().unwrap(), now).unwrap();
    let d = api::reports::dashboard(&db.reader().unwrap(), now).unwrap();
    assert_eq!(d.compliance, c, "{when}: the dashboard carries the figures");
    let at = now.as_second();
    assert_eq!(c.as_of, at);
    let all = memberships(db);
    STATUSES.with(|s| s.borrow_mut().extend(all.iter().map(|m| m.status.clone())));
    let mut seen = [0; 4];
    for p in &c.programs {
        let full = full_count(all.iter().filter(|m| m.program == p.id), at);
        let base = MembershipQuery {
            program_id: Some(p.id),
            ..Default::default()
        };
        check_row(db, &c, p, full, base, &format!("{when}: program"));
        seen[0] += p.compliant;
        seen[1] += p.members - p.compliant;
        seen[2] += p.excluded;
    }
    assert_eq!(c.groups.len(), 3, "{when}");
    for g in &c.groups {
        let learners = group_members(db, g.id);
        let full = full_count(all.iter().filter(|m| learners.contains(&m.learner)), at);
        let base = MembershipQuery {
            group_id: Some(g.id),
            ..Default::default()
        };
        check_row(db, &c, g, full, base, &format!("{when}: group"));
    }
    assert_eq!(
        c.expiring.iter().map(|e| e.days).collect::<Vec<_>>(),
        [30, 60, 90]
    );
    for e in &c.expiring {
        assert_eq!(e.until, at + i64::from(e.days) * 86_400);
        let want = all
            .iter()
            .filter(|m| ["certified", "window_open"].contains(&m.status.as_str()))
            .filter(|m| m.expires.is_some_and(|x| x > at && x <= e.until))
            .count();
        assert_eq!(
            e.count as usize, want,
            "{when}: expiring in {} days",
            e.days
        );
        let q = MembershipQuery {
            expiring: Some(ExpiryRange {
                after: at,
                until: e.until,
            }),
            ..Default::default()
        };
        assert_eq!(report(db, &q), (want, e.count), "{when}: {} days", e.days);
        seen[3] = seen[3].max(e.count);
    }
    seen
}

#[test]
fn compliance_figures_equal_a_full_count_and_open_exactly_their_rows() {
    let (_dir, db) = store(PROGRAMS, &learners_csv(0));
    let mut rng = Rng(0xC0_4D11_A5CE);
    let mut now = t("2026-01-05T09:30:00Z");
    let mut seen = [0; 4];
    for step in 0..70 {
        random_step(&db, &mut rng, now, step);
        if step % 10 == 9 {
            let s = assert_figures(&db, now, &format!("step {step} at {now}"));
            seen = std::array::from_fn(|i| seen[i].max(s[i]));
        }
        now += SignedDuration::from_secs(rng.below(3 * 86_400) as i64);
    }
    // Later: windows open, certifications expire; also before the engine has run (the
    // figures do not count a certification past its expiry as compliant).
    for days in [20, 45, 90] {
        let later = now + SignedDuration::from_hours(24 * days);
        let s = assert_figures(&db, later, &format!("+{days} days, engine not run"));
        seen = std::array::from_fn(|i| seen[i].max(s[i]));
        api::scheduler::run(&mut db.writer().unwrap(), later).unwrap();
        let s = assert_figures(&db, later, &format!("+{days} days, after run"));
        seen = std::array::from_fn(|i| seen[i].max(s[i]));
    }
    // The store had compliant, non-compliant and excluded members, and expiries ahead.
    assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    // Every status was there at some check.
    let statuses = STATUSES.with(|s| s.borrow().clone());
    assert_eq!(statuses.len(), 6, "{statuses:?}");
}

#[test]
fn migration_013_fills_the_group_figures_of_an_existing_store() {
    let (dir, db) = store(PROGRAMS, &learners_csv(0));
    let mut rng = Rng(0x0013_F111);
    let mut now = t("2026-01-05T09:30:00Z");
    for step in 0..30 {
        random_step(&db, &mut rng, now, step);
        now += SignedDuration::from_hours(30);
    }
    let before = compliance(&db.reader().unwrap(), now).unwrap();
    assert!(before.groups.iter().any(|g| g.members > 0), "{before:?}");
    // Back to a store without the group figures, then migration 013 again.
    let path = dir.path().join("certdesk.sqlite");
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE name LIKE 'summary_group%' AND type = 'trigger'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in names {
        conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    }
    conn.execute_batch("DROP TABLE summary_group").unwrap();
    let migration = certdesk_core::store::MIGRATIONS
        .iter()
        .find(|m| m.contains("CREATE TABLE summary_group"))
        .unwrap();
    conn.execute_batch(migration).unwrap();
    drop(conn);
    let db = Db::open(&path).unwrap();
    assert_eq!(compliance(&db.reader().unwrap(), now).unwrap(), before);
    assert_figures(&db, now, "after migration 013");
}
