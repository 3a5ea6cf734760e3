//! Shared set-up for the engine tests: a store filled through the real import functions.

use certdesk_core::{names, Db};
use jiff::Timestamp;
use rusqlite::OptionalExtension;

use crate::temp_db;

/// An instant from RFC 3339 or a date (midnight UTC).
pub fn t(s: &str) -> Timestamp {
    if let Ok(x) = s.parse::<Timestamp>() {
        return x;
    }
    format!("{s}T00:00:00Z").parse().unwrap()
}

/// Unix seconds of [`t`].
pub fn ts(s: &str) -> i64 {
    t(s).as_second()
}

pub const COURSES: &str = "short_name,full_name
FA101,First Aid
FA201,First Aid Refresher
SAFE1,Safety One
SAFE2,Safety Two
SAFE3,Safety Three
LONG1,A Long Course
";

/// A store with the standard courses, the given programs (JSON) and learners (CSV).
pub fn store(programs: &str, learners: &str) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    let now = t("2026-01-01");
    let mut w = db.writer().unwrap();
    w.write(|tx| certdesk_core::enrolment::records::courses(tx, COURSES.as_bytes()))
        .unwrap();
    certdesk_core::api::programs::import(&mut w, programs, now).unwrap();
    w.write(|tx| certdesk_core::enrolment::learners::learners(tx, now, learners.as_bytes()))
        .unwrap();
    (dir, db)
}

/// One learner, L1, in London.
pub const ONE_LEARNER: &str = "id_number,full_name,email,time_zone
L1,Lee One,lee@example.com,Europe/London
";

/// The membership of learner `who` in program `short`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub status: String,
    pub cycle: i64,
    pub active: bool,
    pub due_at: Option<i64>,
    pub window_opens_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub exception_status: String,
    pub completed_at: Option<i64>,
}

pub fn member(db: &Db, who: &str, short: &str) -> Option<Member> {
    let r = db.reader().unwrap();
    r.query_row(
        "SELECT a.id, a.status, a.cycle, a.active, a.due_at, a.window_opens_at, a.expires_at,
                a.exception_status, a.completed_at
         FROM assignment a JOIN learner l ON l.id = a.learner_id JOIN program p ON p.id = a.program_id
         WHERE l.id_number = ?1 AND p.short_name = ?2",
        [who, short],
        |r| {
            Ok(Member {
                id: r.get(0)?,
                status: r.get(1)?,
                cycle: r.get(2)?,
                active: r.get(3)?,
                due_at: r.get(4)?,
                window_opens_at: r.get(5)?,
                expires_at: r.get(6)?,
                exception_status: r.get(7)?,
                completed_at: r.get(8)?,
            })
        },
    )
    .optional()
    .unwrap()
}

pub fn assign(
    db: &Db,
    now: &str,
    short: &str,
    who: &[&str],
) -> certdesk_core::enrolment::AssignSummary {
    db.writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, short)?;
            let ids = who
                .iter()
                .map(|w| names::learner(tx, w))
                .collect::<Result<Vec<_>, _>>()?;
            certdesk_core::enrolment::assign(tx, t(now), p, &ids, None)
        })
        .unwrap()
}

pub fn complete(db: &Db, now: &str, who: &str, course: &str, at: &str) {
    db.writer()
        .unwrap()
        .write(|tx| {
            let c = certdesk_core::enrolment::completion::Completion {
                learner_id: names::learner(tx, who)?,
                course_id: names::course(tx, course)?,
                completed_at: t(at),
            };
            certdesk_core::enrolment::completion::record_completions(tx, t(now), &[c])
        })
        .unwrap();
}

pub fn run(db: &Db, now: &str) -> certdesk_core::scheduler::RunSummary {
    certdesk_core::scheduler::run(&mut db.writer().unwrap(), t(now)).unwrap()
}

/// The events of a membership as (kind, cycle) in the order they happened.
pub fn events(db: &Db, assignment: i64) -> Vec<(String, i64)> {
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare("SELECT kind, cycle FROM event WHERE assignment_id = ?1 ORDER BY occurred_at, id")
        .unwrap();
    stmt.query_map([assignment], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A tiny deterministic generator (xorshift): the same seed gives the same walk, so a
/// failure replays.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
