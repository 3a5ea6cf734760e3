//! The demo's courses and programs: eight programs and certifications with their course
//! sets, due-date rules and certification settings, written as data.

use jiff::ToSpan;
use rusqlite::params;

use super::Demo;
use crate::Result;

pub(super) const COURSES: &[(&str, &str)] = &[
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
pub(super) type SetSpec = (
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
    Option<&'static str>,
    &'static [&'static str],
);
/// A certification: (active amount, unit, window amount, unit, method, minimum active months).
pub(super) type CertSpec = (
    i64,
    &'static str,
    i64,
    &'static str,
    &'static str,
    Option<i64>,
);

pub(super) struct ProgramSpec {
    pub(super) short: &'static str,
    pub(super) full: &'static str,
    pub(super) cert: Option<CertSpec>,
    pub(super) due: Due,
    pub(super) sets: &'static [SetSpec],
}

pub(super) enum Due {
    None,
    /// Fixed, this many days from now.
    FixedInDays(i64),
    /// Relative: amount, unit, event.
    After(i64, &'static str, &'static str),
}

pub(super) const PROGRAMS: &[ProgramSpec] = &[
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

impl Demo<'_> {
    pub(super) fn program(&mut self, spec: &ProgramSpec) -> Result<i64> {
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
}
