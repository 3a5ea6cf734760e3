//! Programs as the engine sees them: their paths of course sets, completion rules, THEN /
//! AND / OR operators, due-date rule and certification settings, loaded once per operation.
//!
//! Evaluation is pure ([`Path::evaluate`]): given when each course was first completed (in
//! the range that counts) and when the path became current, it says when each set and THEN
//! group completed, when each group became current and was due, and when the path completed.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::program::certification::CertSettings;
use crate::program::due_date::DueRule;
use crate::Result;

/// How many courses of a set must be completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "rule", content = "min")]
pub enum CompletionRule {
    /// Every course.
    All,
    /// Any one course.
    Any,
    /// At least this many courses.
    AtLeast(u32),
    /// Nothing: the set is complete as soon as it is current.
    Optional,
}

/// The operator joining a course set to the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Then,
    And,
    Or,
}

impl Operator {
    /// Parses `then`, `and` or `or` (any case).
    pub fn parse(s: &str) -> Option<Operator> {
        match s.trim().to_ascii_lowercase().as_str() {
            "then" => Some(Operator::Then),
            "and" => Some(Operator::And),
            "or" => Some(Operator::Or),
            _ => None,
        }
    }

    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Then => "then",
            Operator::And => "and",
            Operator::Or => "or",
        }
    }
}

/// One course set of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSet {
    pub id: i64,
    pub label: String,
    pub rule: CompletionRule,
    pub min_time_secs: i64,
    /// The operator to the next set; `None` (or anything) on the last set.
    pub next: Option<Operator>,
    pub courses: Vec<i64>,
}

impl CourseSet {
    /// When this set's rule first held, given each course's first counted completion.
    /// `Some(i64::MIN)` for a set that needs nothing.
    fn completed_at(&self, done: &HashMap<i64, i64>) -> Option<i64> {
        let mut times: Vec<i64> = self
            .courses
            .iter()
            .filter_map(|c| done.get(c).copied())
            .collect();
        times.sort_unstable();
        match self.rule {
            CompletionRule::Optional => Some(i64::MIN),
            CompletionRule::All if times.len() == self.courses.len() => {
                Some(times.last().copied().unwrap_or(i64::MIN))
            }
            CompletionRule::All => None,
            CompletionRule::Any => times.first().copied(),
            CompletionRule::AtLeast(n) => match n {
                0 => Some(i64::MIN),
                n => times.get(n as usize - 1).copied(),
            },
        }
    }
}

/// An ordered list of course sets: the certification path or the recertification path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path {
    pub sets: Vec<CourseSet>,
}

/// Where one set of a path stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetProgress {
    pub set_id: i64,
    /// Whether the set's rule asks for anything (optional sets raise no completion event).
    pub required: bool,
    /// When its THEN group became current; `None` while an earlier group is incomplete.
    pub current_at: Option<i64>,
    /// `current_at` + the group's largest minimum time, when that time is above zero.
    pub due_at: Option<i64>,
    /// When the set was completed (never before its group became current).
    pub completed_at: Option<i64>,
}

/// Where a whole path stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathProgress {
    pub sets: Vec<SetProgress>,
    /// When the last THEN group completed; `None` while incomplete (or for an empty path).
    pub completed_at: Option<i64>,
    /// Whether any course of the path has a counted completion.
    pub started: bool,
}

impl Path {
    /// The THEN groups, in order.
    pub fn groups(&self) -> Vec<&[CourseSet]> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, set) in self.sets.iter().enumerate() {
            let last = i + 1 == self.sets.len();
            if last || set.next == Some(Operator::Then) {
                out.push(&self.sets[start..=i]);
                start = i + 1;
            }
        }
        out
    }

    /// Total minimum time: per THEN group the largest minimum time, summed.
    pub fn total_min_secs(&self) -> i64 {
        self.groups()
            .iter()
            .map(|g| g.iter().map(|s| s.min_time_secs).max().unwrap_or(0))
            .sum()
    }

    /// Every course of the path.
    pub fn courses(&self) -> impl Iterator<Item = i64> + '_ {
        self.sets.iter().flat_map(|s| s.courses.iter().copied())
    }

    /// Evaluates the path that became current at `start`, given each course's first counted
    /// completion in `done`.
    pub fn evaluate(&self, start: i64, done: &HashMap<i64, i64>) -> PathProgress {
        let mut sets = Vec::with_capacity(self.sets.len());
        let mut current = Some(start);
        let groups = self.groups();
        for group in &groups {
            let times: Vec<Option<i64>> = group.iter().map(|s| s.completed_at(done)).collect();
            let expr = group_time(group, &times);
            let max_min = group.iter().map(|s| s.min_time_secs).max().unwrap_or(0);
            for (set, time) in group.iter().zip(&times) {
                sets.push(SetProgress {
                    set_id: set.id,
                    required: set.rule != CompletionRule::Optional,
                    current_at: current,
                    due_at: current.filter(|_| max_min > 0).map(|c| c + max_min),
                    completed_at: current.and_then(|c| time.map(|t| t.max(c))),
                });
            }
            current = current.and_then(|c| expr.map(|e| e.max(c)));
        }
        let started = self.courses().any(|c| done.contains_key(&c));
        PathProgress {
            sets,
            completed_at: if groups.is_empty() { None } else { current },
            started,
        }
    }
}

/// When a group's expression first held: OR of AND-terms (AND binds tighter).
fn group_time(group: &[CourseSet], times: &[Option<i64>]) -> Option<i64> {
    let mut best: Option<i64> = None;
    let mut term: Option<i64> = Some(i64::MIN);
    for (i, (set, time)) in group.iter().zip(times).enumerate() {
        term = match (term, time) {
            (Some(a), Some(b)) => Some(a.max(*b)),
            _ => None,
        };
        let ends_term = i + 1 == group.len() || set.next == Some(Operator::Or);
        if ends_term {
            best = match (best, term) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            term = Some(i64::MIN);
        }
    }
    best
}

/// The kind of a program record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    Program,
    Certification,
}

/// A program or certification, with everything the engine needs to evaluate it.
#[derive(Debug, Clone)]
pub struct Program {
    pub id: i64,
    pub short_name: String,
    pub full_name: String,
    pub due: DueRule,
    /// `Some` for a certification.
    pub cert: Option<CertSettings>,
    pub certification: Path,
    pub recertification: Path,
}

impl Program {
    /// Whether this is a certification.
    pub fn kind(&self) -> ProgramKind {
        if self.cert.is_some() {
            ProgramKind::Certification
        } else {
            ProgramKind::Program
        }
    }

    /// The recertification path; a certification without one recertifies on its
    /// certification path.
    pub fn recert_path(&self) -> &Path {
        if self.recertification.sets.is_empty() {
            &self.certification
        } else {
            &self.recertification
        }
    }

    /// Every course of both paths.
    pub fn all_courses(&self) -> impl Iterator<Item = i64> + '_ {
        self.certification
            .courses()
            .chain(self.recertification.courses())
    }
}

/// Loads every program with its course sets and settings (a few queries, whatever their number).
pub fn load_programs(conn: &Connection) -> Result<HashMap<i64, Program>> {
    let mut programs = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.short_name, p.full_name, p.due_rule, p.due_fixed_at, p.due_amount, p.due_unit,
                p.due_event, p.due_event_program_id, p.due_event_field,
                c.active_amount, c.active_unit, c.window_amount, c.window_unit, c.method,
                c.min_active_amount, c.min_active_unit, p.kind = 'certification'
         FROM program p LEFT JOIN certification_settings c ON c.program_id = p.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let due = DueRule::from_row(r, 3)?;
        let is_cert: bool = r.get(17)?;
        let cert = match (is_cert, r.get::<_, Option<i64>>(10)?) {
            (true, Some(_)) => Some(CertSettings::from_row(r, 10)?),
            _ => None,
        };
        programs.insert(
            id,
            Program {
                id,
                short_name: r.get(1)?,
                full_name: r.get(2)?,
                due,
                cert,
                certification: Path::default(),
                recertification: Path::default(),
            },
        );
    }
    let mut courses: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut stmt = conn
        .prepare_cached("SELECT course_set_id, course_id FROM course_set_course ORDER BY 1, 2")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        courses.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, program_id, path, label, rule, rule_min, min_time_secs, next_operator
         FROM course_set ORDER BY program_id, path, position",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let program_id: i64 = r.get(1)?;
        let path: String = r.get(2)?;
        let rule = match r.get::<_, String>(4)?.as_str() {
            "any" => CompletionRule::Any,
            "at_least" => CompletionRule::AtLeast(r.get::<_, Option<u32>>(5)?.unwrap_or(1)),
            "optional" => CompletionRule::Optional,
            _ => CompletionRule::All,
        };
        let set = CourseSet {
            id,
            label: r.get(3)?,
            rule,
            min_time_secs: r.get(6)?,
            next: r
                .get::<_, Option<String>>(7)?
                .and_then(|s| Operator::parse(&s)),
            courses: courses.remove(&id).unwrap_or_default(),
        };
        if let Some(p) = programs.get_mut(&program_id) {
            if path == "recertification" {
                p.recertification.sets.push(set);
            } else {
                p.certification.sets.push(set);
            }
        }
    }
    Ok(programs)
}
