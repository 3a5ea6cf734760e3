//! A realistic, deterministic demo store: a few hundred learners with managers and time
//! zones, eight programs and certifications, assignments in every state and raised
//! exceptions of each type. Dates are placed relative to `now`, so the demo always looks
//! current; the same `now` always gives the same store.

use jiff::{Span, Timestamp, ToSpan};
use rusqlite::{params, Transaction};

use crate::time::secs;
use crate::{Error, Result, Writer};

/// How many learners the demo holds.
pub const DEMO_LEARNERS: usize = 320;

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chloé", "Dmitri", "Elif", "Finn", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoë",
];
const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Dubois",
    "Ivanov",
    "Yılmaz",
    "O'Brien",
    "Nakamura",
    "García",
    "Kowalski",
    "Patel",
    "Andersen",
    "Rossi",
    "Fernandes",
    "Müller",
    "Chen",
    "Haddad",
    "Murphy",
    "Nguyen",
];
const ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
];
const COURSES: &[(&str, &str)] = &[
    ("SAFE101", "Safety at Work: the Basics"),
    ("SAFE102", "Manual Handling"),
    ("SAFE201", "Reporting Hazards and Near Misses"),
    ("SAFE202", "Working at Height"),
    ("GDPR101", "Data Protection Essentials"),
    ("GDPR201", "Handling Subject Access Requests"),
    ("LEAD101", "Leading a Team"),
    ("LEAD102", "Giving Feedback"),
    ("LEAD201", "Coaching Conversations"),
    ("ONB101", "Welcome to the Company"),
    ("FA101", "First Aid: Initial Course"),
    ("FA201", "First Aid: Refresher"),
    ("FORK101", "Forklift: Theory"),
    ("FORK102", "Forklift: Practical Assessment"),
    ("FIRE101", "Fire Warden Duties"),
    ("FIRE201", "Evacuation Drill Practice"),
    ("AML101", "Anti-Money Laundering"),
    ("AML201", "AML Refresher"),
];

/// A course set: (path, label, rule, rule_min, minimum hours, operator to the next, courses).
type SetSpec = (
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
    Option<&'static str>,
    &'static [&'static str],
);
/// A certification: (active amount, unit, window amount, unit, method, minimum active months).
type CertSpec = (
    i64,
    &'static str,
    i64,
    &'static str,
    &'static str,
    Option<i64>,
);

struct ProgramSpec {
    short: &'static str,
    full: &'static str,
    cert: Option<CertSpec>,
    due: Due,
    sets: &'static [SetSpec],
}

enum Due {
    None,
    /// Fixed, this many days from now.
    FixedInDays(i64),
    /// Relative: amount, unit, event.
    After(i64, &'static str, &'static str),
}

const PROGRAMS: &[ProgramSpec] = &[
    ProgramSpec {
        short: "SAFETY",
        full: "Workplace Safety Induction",
        cert: None,
        due: Due::After(30, "day", "assignment"),
        sets: &[
            (
                "certification",
                "Safety basics",
                "all",
                None,
                2,
                Some("then"),
                &["SAFE101", "SAFE102"],
            ),
            (
                "certification",
                "Hazards",
                "any",
                None,
                1,
                None,
                &["SAFE201", "SAFE202"],
            ),
        ],
    },
    ProgramSpec {
        short: "GDPR",
        full: "Data Protection Essentials",
        cert: None,
        due: Due::FixedInDays(45),
        sets: &[(
            "certification",
            "Data protection",
            "all",
            None,
            3,
            None,
            &["GDPR101", "GDPR201"],
        )],
    },
    ProgramSpec {
        short: "LEAD",
        full: "Leadership Foundations",
        cert: None,
        due: Due::After(3, "month", "profile_field"),
        sets: &[
            (
                "certification",
                "Leading people",
                "at_least",
                Some(1),
                8,
                Some("or"),
                &["LEAD101", "LEAD102"],
            ),
            (
                "certification",
                "Coaching",
                "all",
                None,
                6,
                None,
                &["LEAD201"],
            ),
        ],
    },
    ProgramSpec {
        short: "ONBOARD",
        full: "New Starter Onboarding",
        cert: None,
        due: Due::None,
        sets: &[(
            "certification",
            "Welcome",
            "all",
            None,
            0,
            None,
            &["ONB101"],
        )],
    },
    ProgramSpec {
        short: "FIRSTAID",
        full: "First Aid at Work",
        cert: Some((1, "year", 2, "month", "expiry_date", None)),
        due: Due::After(60, "day", "assignment"),
        sets: &[
            (
                "certification",
                "Initial first aid",
                "all",
                None,
                16,
                None,
                &["FA101"],
            ),
            (
                "recertification",
                "First aid refresher",
                "all",
                None,
                4,
                None,
                &["FA201"],
            ),
        ],
    },
    ProgramSpec {
        short: "FORKLIFT",
        full: "Forklift Operator Licence",
        cert: Some((2, "year", 3, "month", "completion_date", None)),
        due: Due::After(8, "week", "assignment"),
        sets: &[
            (
                "certification",
                "Theory",
                "all",
                None,
                6,
                Some("then"),
                &["FORK101"],
            ),
            (
                "certification",
                "Practical",
                "all",
                None,
                4,
                None,
                &["FORK102"],
            ),
            (
                "recertification",
                "Practical reassessment",
                "all",
                None,
                4,
                None,
                &["FORK102"],
            ),
        ],
    },
    ProgramSpec {
        short: "FIREWARDEN",
        full: "Fire Warden",
        cert: Some((1, "year", 1, "month", "fixed_expiry_date", Some(6))),
        due: Due::FixedInDays(5),
        sets: &[
            (
                "certification",
                "Warden duties",
                "all",
                None,
                24,
                None,
                &["FIRE101", "FIRE201"],
            ),
            (
                "recertification",
                "Drill practice",
                "all",
                None,
                2,
                None,
                &["FIRE201"],
            ),
        ],
    },
    ProgramSpec {
        short: "FIRSTAID-SITE",
        full: "First Aid for Site Supervisors",
        cert: Some((1, "year", 1, "month", "expiry_date", None)),
        due: Due::After(30, "day", "assignment"),
        sets: &[
            (
                "certification",
                "First aid and safety",
                "all",
                None,
                8,
                None,
                &["FA101", "SAFE202"],
            ),
            (
                "recertification",
                "Refresher",
                "all",
                None,
                2,
                None,
                &["FA201"],
            ),
        ],
    },
];

/// A small deterministic generator (64-bit LCG), so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Fills an empty store with the demo data, as of `now`, in one transaction: learners,
/// programs with the default notification rules, assignments, exceptions, and one
/// scheduler step at `now`, so the store is exactly what the app shows at `now`.
///
/// # Errors
/// [`Error::NotEmpty`] if the store already holds learners or programs.
pub fn create_demo(db: &mut Writer, now: Timestamp) -> Result<()> {
    db.write(|tx| {
        let existing: i64 = tx.query_row(
            "SELECT (SELECT count(*) FROM learner) + (SELECT count(*) FROM program)",
            [],
            |r| r.get(0),
        )?;
        if existing > 0 {
            return Err(Error::NotEmpty);
        }
        Demo {
            tx,
            now,
            rng: Rng(0x00C3_47DE_5C00_FFEE),
        }
        .fill()?;
        crate::membership::engine::advance(tx, now)?;
        crate::notify::enqueue_due(tx, now)?;
        Ok(())
    })
}

struct Demo<'a> {
    tx: &'a Transaction<'a>,
    now: Timestamp,
    rng: Rng,
}

impl Demo<'_> {
    fn at(&self, span: Span) -> Result<i64> {
        let zoned = self.now.to_zoned(jiff::tz::TimeZone::UTC);
        let t = zoned
            .checked_add(span)
            .map_err(|e| Error::invalid("demo date", e.to_string()))?;
        Ok(secs(t.timestamp()))
    }

    fn fill(mut self) -> Result<()> {
        let tx = self.tx;
        tx.execute_batch(
            "INSERT INTO site_admin (full_name, email) VALUES
               ('Sam Admin', 'sam.admin@example.com'), ('Priya Learning', 'priya.learning@example.com');
             INSERT INTO learner_group (name) VALUES ('All staff'), ('Warehouse'), ('Team leaders');",
        )?;
        for (short, full) in COURSES {
            tx.execute(
                "INSERT INTO course (short_name, full_name) VALUES (?1, ?2)",
                [short, full],
            )?;
        }
        self.learners()?;
        for (i, spec) in PROGRAMS.iter().enumerate() {
            let program_id = self.program(spec)?;
            crate::notify::create_default_rules(tx, program_id, self.now)?;
            self.assignments(i, program_id, spec)?;
        }
        Ok(())
    }

    fn learners(&mut self) -> Result<()> {
        let tx = self.tx;
        let mut add = tx.prepare(
            "INSERT INTO learner (id, id_number, full_name, email, time_zone, suspended) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut hire = tx.prepare(
            "INSERT INTO learner_date (learner_id, field, value) VALUES (?1, 'hire_date', ?2)",
        )?;
        let mut manage =
            tx.prepare("INSERT INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)")?;
        let mut member =
            tx.prepare("INSERT INTO group_member (group_id, learner_id) VALUES (?1, ?2)")?;
        for n in 1..=DEMO_LEARNERS {
            let id = n as i64;
            let first = FIRST[self.rng.below(FIRST.len())];
            let last = LAST[self.rng.below(LAST.len())];
            let name = format!("{first} {last}");
            let email = format!(
                "{}.{}{}@example.com",
                ascii_lower(first),
                ascii_lower(last),
                n
            );
            let zone = ZONES[self.rng.below(ZONES.len())];
            let suspended = n % 53 == 0;
            add.execute(params![
                id,
                format!("E{:05}", 10_000 + n),
                name,
                email,
                zone,
                suspended
            ])?;
            // One learner in eleven has no hire date: their relative due dates cannot be known.
            if n % 11 != 0 {
                let days_ago = 30 + self.rng.below(3000) as i64;
                let hired = self
                    .now
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date()
                    .checked_sub(days_ago.days());
                let hired = hired.map_err(|e| Error::invalid("demo date", e.to_string()))?;
                hire.execute(params![id, hired.to_string()])?;
            }
            // The first 24 learners lead teams; everyone else reports to one of them, some to two.
            if n > 24 {
                let m = 1 + (n % 24) as i64;
                manage.execute([id, m])?;
                if n % 7 == 0 {
                    manage.execute([id, 1 + ((n + 5) % 24) as i64])?;
                }
            }
            member.execute([1, id])?;
            if n % 4 == 0 {
                member.execute([2, id])?;
            }
            if n <= 24 {
                member.execute([3, id])?;
            }
        }
        Ok(())
    }

    fn program(&mut self, spec: &ProgramSpec) -> Result<i64> {
        let tx = self.tx;
        let kind = if spec.cert.is_some() {
            "certification"
        } else {
            "program"
        };
        let (rule, fixed, amount, unit, event, field) = match spec.due {
            Due::None => ("none", None, None, None, None, None),
            Due::FixedInDays(d) => ("fixed", Some(self.at(d.days())?), None, None, None, None),
            Due::After(a, u, e) => {
                let field = (e == "profile_field").then_some("hire_date");
                ("relative", None, Some(a), Some(u), Some(e), field)
            }
        };
        tx.execute(
            "INSERT INTO program (short_name, full_name, kind, due_rule, due_fixed_at, due_amount, due_unit,
                                  due_event, due_event_field)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![spec.short, spec.full, kind, rule, fixed, amount, unit, event, field],
        )?;
        let program_id = tx.last_insert_rowid();
        if let Some((aa, au, wa, wu, method, min)) = spec.cert {
            tx.execute(
                "INSERT INTO certification_settings (program_id, active_amount, active_unit, window_amount,
                     window_unit, method, min_active_amount, min_active_unit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![program_id, aa, au, wa, wu, method, min, min.map(|_| "month")],
            )?;
        }
        let mut positions = [0_i64; 2];
        for (path, label, rule, rule_min, hours, op, courses) in spec.sets {
            let slot = usize::from(*path == "recertification");
            tx.execute(
                "INSERT INTO course_set (program_id, path, position, label, rule, rule_min, min_time_secs, next_operator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![program_id, path, positions[slot], label, rule, rule_min, hours * 3600, op],
            )?;
            positions[slot] += 1;
            let set_id = tx.last_insert_rowid();
            for c in *courses {
                tx.execute(
                    "INSERT INTO course_set_course (course_set_id, course_id)
                     SELECT ?1, id FROM course WHERE short_name = ?2",
                    params![set_id, c],
                )?;
            }
        }
        Ok(program_id)
    }

    /// Assigns about half the learners to each program, in every state it can have.
    fn assignments(&mut self, index: usize, program_id: i64, spec: &ProgramSpec) -> Result<()> {
        let tx = self.tx;
        let courses: Vec<i64> = {
            let mut stmt = tx.prepare(
                "SELECT csc.course_id FROM course_set cs JOIN course_set_course csc ON csc.course_set_id = cs.id
                 WHERE cs.program_id = ?1 AND cs.path = 'certification' ORDER BY cs.position, csc.course_id",
            )?;
            let ids = stmt
                .query_map([program_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids
        };
        let mut add = tx.prepare(
            "INSERT INTO assignment (learner_id, program_id, assigned_at, due_at, active, exception_status, status,
                                     completed_at, cycle, window_opens_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut source = tx.prepare(
            "INSERT INTO assignment_source (assignment_id, source, group_id, assigned_at, due_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut complete = tx.prepare(
            "INSERT OR IGNORE INTO course_completion (learner_id, course_id, completed_at) VALUES (?1, ?2, ?3)",
        )?;
        let mut record = tx.prepare(
            "INSERT INTO certification_record (assignment_id, cycle, path, state, started_at, completed_at,
                                               window_opens_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut exception = tx.prepare(
            "INSERT INTO exception (assignment_id, kind, raised_at, due_at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let states: &[&str] = if spec.cert.is_some() {
            &[
                "not_started",
                "in_progress",
                "certified",
                "certified",
                "window_open",
                "expired",
            ]
        } else {
            &["not_started", "in_progress", "complete", "complete"]
        };
        for learner in 1..=DEMO_LEARNERS as i64 {
            if (learner as usize + index * 3) % 2 == 1 && learner % 5 != 0 {
                continue;
            }
            // Raised exceptions: some learners of some programs, of the type that fits the program.
            let kind = exception_kind(spec, learner, index);
            let raised = kind.is_some();
            let state = if raised {
                "not_started"
            } else {
                states[self.rng.below(states.len())]
            };
            // Part-way through a path needs at least two courses on it.
            let state = match state {
                "in_progress" if courses.len() < 2 => "not_started",
                other => other,
            };
            let assigned_days_ago = 20 + self.rng.below(500) as i64;
            let mut assigned_at = self.at((-assigned_days_ago).days())?;
            let active = spec.cert.map(|(aa, au, ..)| (aa, au));
            // When the learner completed: recently for "complete" and "certified"; for a
            // window that is open, so that expiry is days away; for "expired", so that it passed.
            let completed_at = match (state, active) {
                ("complete" | "certified", _) => {
                    let ago = 1 + self.rng.below((assigned_days_ago as usize - 10).min(200)) as i64;
                    Some(self.at((-ago).days())?)
                }
                ("window_open", Some((aa, au))) => {
                    let days = 1 + self.rng.below(20) as i64;
                    let expires = self.at(days.days())?;
                    Some(add_span(expires, -aa, au)?)
                }
                ("expired", Some((aa, au))) => {
                    let days = 10 + self.rng.below(50) as i64;
                    let expired = self.at((-days).days())?;
                    Some(add_span(expired, -aa, au)?)
                }
                _ => None,
            };
            if let Some(c) = completed_at {
                assigned_at = assigned_at.min(c - 30 * 86_400);
            }
            let mut due_at = match spec.due {
                Due::None => None,
                Due::FixedInDays(d) => Some(self.at(d.days())?),
                Due::After(a, "week", "assignment") => Some(assigned_at + a * 7 * 86_400),
                Due::After(a, _, _) => Some(assigned_at + a * 86_400),
            };
            let (mut window, mut expires, mut cycle) = (None, None, 1);
            if let (Some((aa, au, wa, wu, _, _)), Some(c)) = (spec.cert, completed_at) {
                let exp = add_span(c, aa, au)?;
                expires = Some(exp);
                window = Some(add_span(exp, -wa, wu)?);
                if state == "certified" {
                    due_at = expires;
                }
                if state == "window_open" || state == "expired" {
                    // The window opened a new cycle (see docs/ENGINE.md); on expiry the
                    // learner is back on the certification path, overdue since expiry.
                    cycle = 2;
                    due_at = expires;
                }
            }
            let (exception_status, active) = if raised {
                ("raised", false)
            } else {
                ("none", true)
            };
            add.execute(params![
                learner,
                program_id,
                assigned_at,
                if raised && kind == Some("completion_time_unknown") {
                    None
                } else {
                    due_at
                },
                active,
                exception_status,
                state,
                completed_at.filter(|_| matches!(state, "complete" | "certified" | "window_open")),
                cycle,
                window.filter(|_| state != "expired"),
                expires.filter(|_| state != "expired")
            ])?;
            let assignment_id = tx.last_insert_rowid();
            let by_group = learner % 4 == 0;
            source.execute(params![
                assignment_id,
                if by_group { "group" } else { "individual" },
                by_group.then_some(2),
                assigned_at,
                due_at
            ])?;
            let done = match state {
                "not_started" => 0,
                "in_progress" => 1,
                _ => courses.len(),
            };
            for (i, course) in courses.iter().take(done).enumerate() {
                let at = completed_at.unwrap_or(assigned_at + 86_400) - (i as i64) * 3600;
                complete.execute(params![learner, course, at])?;
            }
            if spec.cert.is_some() {
                let cert_state = match state {
                    "not_started" | "in_progress" => "newly_assigned",
                    other => other,
                };
                if state == "window_open" || state == "expired" {
                    // Cycle 1 certified; cycle 2 began when the window opened.
                    let (path, cycle2) = if state == "expired" {
                        ("certification", "expired")
                    } else {
                        ("recertification", "window_open")
                    };
                    record.execute(params![
                        assignment_id,
                        1,
                        "recertification",
                        "certified",
                        assigned_at,
                        completed_at,
                        window,
                        expires
                    ])?;
                    record.execute(params![
                        assignment_id,
                        2,
                        path,
                        cycle2,
                        window,
                        None::<i64>,
                        None::<i64>,
                        None::<i64>
                    ])?;
                } else {
                    let path = if completed_at.is_some() {
                        "recertification"
                    } else {
                        "certification"
                    };
                    record.execute(params![
                        assignment_id,
                        1,
                        path,
                        cert_state,
                        assigned_at,
                        completed_at,
                        window,
                        expires
                    ])?;
                }
            }
            if let (true, Some(kind)) = (raised, kind) {
                let detail = match kind {
                    "duplicate_course" => {
                        "Already an active member of First Aid at Work, which shares course FA101"
                            .to_string()
                    }
                    "completion_time_unknown" => {
                        "The due date is 3 months after hire date, and the learner has no hire date"
                            .to_string()
                    }
                    _ => format!(
                        "Due in {} days, but the path needs {} hours",
                        due_at.map_or(0, |d| (d - secs(self.now)) / 86_400),
                        spec.sets
                            .iter()
                            .filter(|s| s.0 == "certification")
                            .map(|s| s.4)
                            .sum::<i64>()
                    ),
                };
                exception.execute(params![assignment_id, kind, assigned_at, due_at, detail])?;
            }
        }
        Ok(())
    }
}

/// Which exception a demo assignment shows, if any.
fn exception_kind(spec: &ProgramSpec, learner: i64, index: usize) -> Option<&'static str> {
    match spec.short {
        "FIRSTAID-SITE" if learner % 3 == 0 => Some("duplicate_course"),
        "LEAD" if learner % 11 == 0 => Some("completion_time_unknown"),
        "FIREWARDEN" | "GDPR" if (learner as usize + index).is_multiple_of(9) => {
            Some("time_allowance")
        }
        _ => None,
    }
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn add_span(at: i64, amount: i64, unit: &str) -> Result<i64> {
    let span = match unit {
        "day" => amount.days(),
        "week" => amount.weeks(),
        "month" => amount.months(),
        _ => amount.years(),
    };
    let t = Timestamp::from_second(at)
        .and_then(|t| t.to_zoned(jiff::tz::TimeZone::UTC).checked_add(span))
        .map_err(|e| Error::invalid("demo date", e.to_string()))?;
    Ok(secs(t.timestamp()))
}
