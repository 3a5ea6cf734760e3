//! What every import shares: reading a CSV into a table of named columns, the problems of
//! bad rows with their lines, and the summary of what was written. The imports themselves
//! live with what they import: learners and managers, courses, assignments, completions and
//! rosters in `enrolment/`, programs and certifications (JSON) in `program/import.rs`.
//! The formats are documented in `docs/CLI.md`.
//!
//! Every import reads and checks every row first and reports every bad row with its line
//! number ([`crate::Error::Rejected`]); it writes only when all rows are good, in the
//! caller's transaction, so a rejected import writes nothing.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};

use jiff::{tz::TimeZone, Timestamp};
use serde::Serialize;

use crate::error::RowProblem;
use crate::{Error, Result};

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct ImportSummary {
    /// Good rows read.
    pub rows: u32,
    /// Records created.
    pub created: u32,
    /// Records that existed and were updated (or, for completions, were already there).
    pub updated: u32,
    /// Exceptions raised by new memberships.
    pub exceptions: u32,
}

/// What an import would do, found without writing anything. The file is imported only when
/// `problems` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ImportPreview {
    /// Data rows read (blank lines aside).
    pub rows: u32,
    /// Rows with no problem.
    pub good: u32,
    /// Good rows that would create a record (or, for a roster, a membership).
    pub new: u32,
    /// Good rows that would update a record (or, for a roster, are already members).
    pub updated: u32,
    /// Every bad row, by line (line 1 is the header).
    pub problems: Vec<RowProblem>,
}

impl ImportPreview {
    /// Counts the good ones among `rows` (each its line and whether it matches an existing
    /// record); every line with a problem, header aside, is a bad row.
    pub(crate) fn new(problems: Problems, rows: impl Iterator<Item = (u32, bool)>) -> Self {
        let problems = problems.sorted();
        let bad: HashSet<u32> = problems.iter().map(|p| p.line).collect();
        let (mut new, mut updated) = (0, 0);
        for (_, exists) in rows.filter(|(line, _)| !bad.contains(line)) {
            if exists {
                updated += 1;
            } else {
                new += 1;
            }
        }
        let bad_rows = bad.iter().filter(|l| **l > 1).count() as u32;
        ImportPreview {
            rows: new + updated + bad_rows,
            good: new + updated,
            new,
            updated,
            problems,
        }
    }
}

/// Opens a file to import.
///
/// # Errors
/// [`Error::Invalid`] (field `file`) when no path is given or the file cannot be read.
pub fn open(path: &str) -> Result<BufReader<File>> {
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::invalid("file", "give the path of a CSV file"));
    }
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::invalid("file", format!("cannot read {path}: {e}")))
}

/// The bad rows found so far.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<RowProblem>);

impl Problems {
    pub(crate) fn add(&mut self, line: u32, message: impl Into<String>) {
        self.0.push(RowProblem {
            line,
            message: message.into(),
        });
    }

    /// The problems by line.
    fn sorted(mut self) -> Vec<RowProblem> {
        self.0.sort_by_key(|p| p.line);
        self.0
    }

    /// `Ok` when no row was bad, else the rejection listing them all.
    pub(crate) fn finish(self, what: &str) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(Error::Rejected {
            what: what.to_string(),
            problems: self.sorted(),
        })
    }
}

/// A CSV file read into memory: lower-case trimmed headers and the rows with their line numbers.
pub(crate) struct Table {
    headers: Vec<String>,
    pub(crate) rows: Vec<(u32, csv::StringRecord)>,
}

impl Table {
    /// Reads CSV with a header line. Rows of the wrong width are reported, not fatal.
    pub(crate) fn read(input: impl Read, problems: &mut Problems) -> Result<Table> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(input);
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.to_ascii_lowercase()).collect(),
            Err(e) => {
                problems.add(1, format!("cannot read the header: {e}"));
                Vec::new()
            }
        };
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as u32);
                    if r.iter().all(str::is_empty) {
                        continue;
                    }
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as u32);
                    let msg = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("{len} fields, but the header has {expected_len}"),
                        _ => e.to_string(),
                    };
                    problems.add(line, msg);
                }
            }
        }
        Ok(Table { headers, rows })
    }

    /// The index of a column.
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The index of a column every row needs; a problem on line 1 when it is missing.
    pub(crate) fn need(&self, name: &str, problems: &mut Problems) -> usize {
        self.col(name).unwrap_or_else(|| {
            problems.add(1, format!("the header has no '{name}' column"));
            usize::MAX
        })
    }

    /// Columns whose header starts with `prefix`, with the rest of their name.
    pub(crate) fn prefixed(&self, prefix: &str) -> Vec<(usize, String)> {
        self.headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.strip_prefix(prefix).map(|rest| (i, rest.to_string())))
            .collect()
    }
}

/// The trimmed text of a cell (empty when the column is missing).
pub(crate) fn cell(r: &csv::StringRecord, i: usize) -> &str {
    r.get(i).unwrap_or("")
}

/// Time zones by name, each looked up once.
#[derive(Default)]
pub(crate) struct Zones(HashMap<String, Option<TimeZone>>);

impl Zones {
    pub(crate) fn get(&mut self, name: &str) -> Option<TimeZone> {
        self.0
            .entry(name.to_string())
            .or_insert_with(|| TimeZone::get(name).ok())
            .clone()
    }
}

/// Reads an instant written `YYYY-MM-DD` (the start of that day in `tz`) or RFC 3339 with
/// an offset; see [`crate::time::parse_instant`].
///
/// # Errors
/// [`Error::Invalid`] (field `instant`) when `s` is neither.
pub(crate) fn instant(s: &str, tz: &TimeZone) -> Result<Timestamp> {
    crate::time::parse_instant(s, tz)
}
