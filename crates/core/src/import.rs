//! What every import shares: reading a CSV into a table of named columns, the problems of
//! bad rows with their lines, and the summary of what was written. The imports themselves
//! live with what they import: learners and managers, courses, assignments, completions and
//! rosters in `enrolment/`, programs and certifications (JSON) in `program/import.rs`.
//! The formats are documented in `docs/CLI.md`.
//!
//! Every import reads and checks every row first and reports every bad row with its line
//! number ([`crate::Error::Rejected`]); it writes only when all rows are good, in the
//! caller's transaction, so a rejected import writes nothing.

use std::collections::HashMap;
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
        let (mut new, mut updated) = (0, 0);
        for (_, exists) in rows.filter(|(line, _)| !problems.is_bad(*line)) {
            if exists {
                updated += 1;
            } else {
                new += 1;
            }
        }
        let bad_rows = problems.bad_rows();
        ImportPreview {
            rows: new + updated + bad_rows,
            good: new + updated,
            new,
            updated,
            problems: problems.sorted(),
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

/// How many problems an import lists; the rest are counted ("and N more").
pub const PROBLEM_LIMIT: usize = 100;

/// The bad rows found so far: the first `limit` ([`PROBLEM_LIMIT`] unless told otherwise) by
/// line, a count of the rest, and which lines are bad (a bit a line, so a file of a million
/// bad rows stays small).
#[derive(Debug)]
pub(crate) struct Problems {
    listed: Vec<RowProblem>,
    omitted: u32,
    bad: Vec<u64>,
    limit: usize,
}

impl Default for Problems {
    fn default() -> Problems {
        Problems::listing(PROBLEM_LIMIT)
    }
}

impl Problems {
    /// Lists the first `limit` problems by line (`usize::MAX`: every one).
    pub(crate) fn listing(limit: usize) -> Problems {
        Problems {
            listed: Vec::new(),
            omitted: 0,
            bad: Vec::new(),
            limit: limit.max(1),
        }
    }

    pub(crate) fn add(&mut self, line: u32, message: impl Into<String>) {
        let (word, bit) = (line as usize / 64, line % 64);
        if self.bad.len() <= word {
            self.bad.resize(word + 1, 0);
        }
        self.bad[word] |= 1 << bit;
        self.listed.push(RowProblem {
            line,
            message: message.into(),
        });
        if self.listed.len() >= self.limit.saturating_mul(4) {
            self.trim();
        }
    }

    /// Whether any problem was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// Whether `line` has a problem.
    pub(crate) fn is_bad(&self, line: u32) -> bool {
        self.bad
            .get(line as usize / 64)
            .is_some_and(|w| w & (1 << (line % 64)) != 0)
    }

    /// The number of bad data rows (the header, line 1, aside).
    fn bad_rows(&self) -> u32 {
        let all: u32 = self.bad.iter().map(|w| w.count_ones()).sum();
        all - u32::from(self.is_bad(0)) - u32::from(self.is_bad(1))
    }

    /// Keeps the first `limit` problems by line, counting the others.
    fn trim(&mut self) {
        self.listed.sort_by_key(|p| p.line);
        if self.listed.len() > self.limit {
            self.omitted += (self.listed.len() - self.limit) as u32;
            self.listed.truncate(self.limit);
        }
    }

    /// The problems by line; past the limit, a last one counting the rest, on the line after
    /// the last one listed.
    fn sorted(mut self) -> Vec<RowProblem> {
        self.trim();
        if self.omitted > 0 {
            let line = self.listed.last().map_or(0, |p| p.line);
            self.listed.push(RowProblem {
                line,
                message: format!(
                    "and {} more problems after this line (only the first {} are listed)",
                    self.omitted, self.limit
                ),
            });
        }
        self.listed
    }

    /// `Ok` when no row was bad, else the rejection listing them.
    pub(crate) fn finish(self, what: &str) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        Err(Error::Rejected {
            what: what.to_string(),
            problems: self.sorted(),
        })
    }
}

/// A CSV file read a row at a time: lower-case trimmed headers, then each row with its line.
pub(crate) struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
}

impl<R: Read> CsvRows<R> {
    /// Reads the header line (a problem on line 1 when it cannot be read).
    pub(crate) fn open(input: R, problems: &mut Problems) -> CsvRows<R> {
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
        CsvRows { reader, headers }
    }

    /// Calls `f` with each non-blank row and its line; a row that cannot be read (the wrong
    /// width, a quote never closed, bad UTF-8) is a problem, not fatal. One record is reused,
    /// so memory stays flat however long the file.
    pub(crate) fn each(
        &mut self,
        problems: &mut Problems,
        mut f: impl FnMut(u32, &csv::StringRecord, &mut Problems) -> Result<()>,
    ) -> Result<()> {
        let mut rec = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line() as u32);
                    if !rec.iter().all(str::is_empty) {
                        f(line, &rec, problems)?;
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as u32);
                    let now_at = self.reader.position().line() as u32;
                    let msg = match e.kind() {
                        // A row that runs over several lines with the wrong width: a quote
                        // opened and never closed swallowed the line ends after it.
                        csv::ErrorKind::UnequalLengths { .. } if now_at > line + 1 => format!(
                            "a quote (\") opened on this line is never closed: lines {line} to {} were read as one row",
                            now_at.saturating_sub(1).max(line)
                        ),
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("{len} fields, but the header has {expected_len}"),
                        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_string(),
                        _ => e.to_string(),
                    };
                    problems.add(line, msg);
                    if e.is_io_error() {
                        return Ok(());
                    }
                }
            }
        }
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
