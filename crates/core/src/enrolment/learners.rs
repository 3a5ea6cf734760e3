//! Learners and their managers, groups and dated profile fields, from CSV.
//!
//! Columns: `id_number`, `full_name`, `email` (required); `time_zone`, `suspended`,
//! `managers` (id numbers separated by `;`), `groups` (names separated by `;`) and
//! `date:<field>` (YYYY-MM-DD, e.g. `date:hire_date`) are optional. A learner is matched by
//! id number: an existing one is updated; an optional column that is absent leaves its value
//! as it was.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use crate::enrolment::sync_groups;
use crate::exception::review_counting_from;
use crate::import::{cell, CsvRows, ImportPreview, ImportSummary, Problems, Zones, PROBLEM_LIMIT};
use crate::time::secs;
use crate::{idset, Result};

struct Row {
    id_number: String,
    full_name: String,
    email: String,
    zone: Option<String>,
    suspended: Option<bool>,
    managers: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    dates: Vec<(String, String)>,
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rows of a learners file, checked against each other and the store; nothing written.
struct Checked {
    /// The rows, when asked to keep them (a file is first checked without keeping them, so
    /// that rejecting a million-row file does not hold it in memory).
    rows: Vec<Row>,
    /// Each row's line and whether its learner is in the store.
    lines: Vec<(u32, bool)>,
    problems: Problems,
    dates: bool,
}

/// A learners file read and checked, ready to write in one short transaction.
pub struct Prepared {
    rows: Vec<Row>,
    dates: bool,
}

/// Imports learners from CSV (see the module docs), then brings group assignments and due
/// dates that count from a profile date up to date. Reads `input` into memory: the
/// desktop and the CLI use [`prepare`] and [`write`], which do not.
///
/// # Errors
/// [`crate::Error::Rejected`] listing bad rows (nothing written); database errors.
pub fn learners(tx: &Connection, now: Timestamp, mut input: impl Read) -> Result<ImportSummary> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let prepared = prepare(tx, || Ok(bytes.as_slice()))?;
    write(tx, now, prepared)
}

/// Reads and checks a learners file outside any transaction, opening it twice with `open`:
/// once to check every row without keeping any (memory stays flat for a file that is
/// refused), then, when all are good, to keep them for [`write`]. The second reading is
/// checked again, in case the file changed in between.
///
/// # Errors
/// [`crate::Error::Rejected`] listing the first bad rows and counting the others; database
/// and read errors.
pub fn prepare<R: Read>(conn: &Connection, open: impl Fn() -> Result<R>) -> Result<Prepared> {
    prepare_listing(conn, open, PROBLEM_LIMIT)
}

/// [`prepare`], listing the first `limit` bad rows (`usize::MAX`: every one).
///
/// # Errors
/// As [`prepare`].
pub fn prepare_listing<R: Read>(
    conn: &Connection,
    open: impl Fn() -> Result<R>,
    limit: usize,
) -> Result<Prepared> {
    let existing = existing(conn)?;
    check(&existing, open()?, false, limit)?
        .problems
        .finish("learners")?;
    let c = check(&existing, open()?, true, limit)?;
    c.problems.finish("learners")?;
    Ok(Prepared {
        rows: c.rows,
        dates: c.dates,
    })
}

fn existing(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT id_number, id FROM learner")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What [`learners`] would do with `input`, without writing: the bad rows, and how many
/// good rows would create a learner or update one. Reads only, so a reader will do.
///
/// # Errors
/// Database errors.
pub fn preview_learners(conn: &Connection, input: impl Read) -> Result<ImportPreview> {
    let c = check(&existing(conn)?, input, false, PROBLEM_LIMIT)?;
    Ok(ImportPreview::new(c.problems, c.lines.into_iter()))
}

/// Where each column is in the file (`None`: an optional column that is absent).
struct Columns {
    id: usize,
    name: usize,
    email: usize,
    zone: Option<usize>,
    suspended: Option<usize>,
    managers: Option<usize>,
    groups: Option<usize>,
    dates: Vec<(usize, String)>,
}

/// What each row is checked against: the store's learners, the id numbers seen so far,
/// the managers not found yet (they may come later in the file), and the time zones
/// already looked up.
struct Known<'a> {
    existing: &'a HashMap<String, i64>,
    seen: HashSet<String>,
    pending: Vec<(u32, String)>,
    zones: Zones,
}

fn check(
    existing: &HashMap<String, i64>,
    input: impl Read,
    keep: bool,
    limit: usize,
) -> Result<Checked> {
    let mut problems = Problems::listing(limit);
    let mut csv = CsvRows::open(input, &mut problems);
    let cols = Columns {
        id: csv.need("id_number", &mut problems),
        name: csv.need("full_name", &mut problems),
        email: csv.need("email", &mut problems),
        zone: csv.col("time_zone"),
        suspended: csv.col("suspended"),
        managers: csv.col("managers"),
        groups: csv.col("groups"),
        dates: csv.prefixed("date:"),
    };
    let mut known = Known {
        existing,
        seen: HashSet::new(),
        pending: Vec::new(),
        zones: Zones::default(),
    };
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    csv.each(&mut problems, |line, r, problems| {
        let row = check_row(line, r, &cols, &mut known, problems);
        lines.push((line, existing.contains_key(&row.id_number)));
        if keep && problems.is_empty() {
            rows.push(row);
        }
        Ok(())
    })?;
    for (line, m) in known.pending {
        if !known.seen.contains(&m) {
            problems.add(
                line,
                format!("manager '{m}' is neither in the file nor in the store"),
            );
        }
    }
    Ok(Checked {
        rows,
        lines,
        problems,
        dates: !cols.dates.is_empty(),
    })
}

/// One row of the file, its problems added to `problems` in the order of its columns.
fn check_row(
    line: u32,
    r: &csv::StringRecord,
    cols: &Columns,
    known: &mut Known<'_>,
    problems: &mut Problems,
) -> Row {
    let id_number = cell(r, cols.id).to_string();
    let mut bad = |m: String| problems.add(line, m);
    if id_number.is_empty() {
        bad("id_number is empty".into());
    } else if !known.seen.insert(id_number.clone()) {
        bad(format!("id_number '{id_number}' appears twice in the file"));
    }
    let full_name = cell(r, cols.name).to_string();
    if full_name.is_empty() {
        bad("full_name is empty".into());
    }
    let email = cell(r, cols.email).to_string();
    if !email.contains('@') || email.contains(char::is_whitespace) {
        bad(format!("'{email}' is not an email address"));
    }
    let zone = cols.zone.map(|c| cell(r, c).to_string()).map(|z| {
        if z.is_empty() {
            "UTC".to_string()
        } else {
            z
        }
    });
    if let Some(z) = &zone {
        if known.zones.get(z).is_none() {
            bad(format!(
                "'{z}' is not a time zone (use an IANA name such as Europe/London)"
            ));
        }
    }
    let suspended = cols.suspended.and_then(|c| suspended(cell(r, c), &mut bad));
    let managers = cols.managers.map(|c| list(cell(r, c)));
    for m in managers.iter().flatten() {
        if *m == id_number {
            bad("a learner cannot be their own manager".into());
        } else if !known.seen.contains(m.as_str()) && !known.existing.contains_key(m) {
            known.pending.push((line, m.clone()));
        }
    }
    let mut dates = Vec::new();
    for (c, field) in &cols.dates {
        let v = cell(r, *c);
        if !v.is_empty() {
            if let Err(e) = crate::time::parse_date(v) {
                bad(format!("{field} {}", crate::time::reason(&e)));
            }
        }
        dates.push((field.clone(), v.to_string()));
    }
    Row {
        id_number,
        full_name,
        email,
        zone,
        suspended,
        managers,
        groups: cols.groups.map(|c| list(cell(r, c))),
        dates,
    }
}

/// The `suspended` cell: empty, 0, no or false; 1, yes or true. `None` (and a problem) for
/// anything else.
fn suspended(cell: &str, bad: &mut impl FnMut(String)) -> Option<bool> {
    let s = cell.to_ascii_lowercase();
    match s.as_str() {
        "" | "0" | "no" | "false" => Some(false),
        "1" | "yes" | "true" => Some(true),
        _ => {
            bad(format!("suspended must be 0 or 1, not '{s}'"));
            None
        }
    }
}

/// Writes a prepared learners file, in the caller's transaction. What may have changed
/// since the file was checked (which learners exist, their ids) is looked up again here.
///
/// # Errors
/// Database errors.
pub fn write(tx: &Connection, now: Timestamp, p: Prepared) -> Result<ImportSummary> {
    let Prepared { rows, dates } = p;
    let mut summary = ImportSummary {
        rows: rows.len() as u32,
        ..Default::default()
    };
    let (ids, fresh) = upsert(tx, &rows, &mut summary)?;
    let mut links = Links::new(tx)?;
    let mut any_groups = false;
    for ((row, id), is_new) in rows.iter().zip(&ids).zip(fresh) {
        any_groups |= row.groups.is_some();
        links.write(row, *id, is_new)?;
    }
    if any_groups {
        let (added, _) = sync_groups(tx, now)?;
        summary.exceptions += added.exceptions;
    }
    if dates {
        idset::fill(tx, "eng_imported", ids.iter().copied())?;
        let learners = "SELECT id FROM temp.eng_imported";
        summary.exceptions += review_counting_from(tx, secs(now), "profile_field", learners)?;
    }
    Ok(summary)
}

/// Creates or updates the learners of `rows`, counting them in `summary`; returns their ids
/// and whether each was just created.
fn upsert(
    tx: &Connection,
    rows: &[Row],
    summary: &mut ImportSummary,
) -> Result<(Vec<i64>, Vec<bool>)> {
    let mut find = tx.prepare_cached("SELECT id FROM learner WHERE id_number = ?1")?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO learner (id_number, full_name, email, time_zone, suspended)
         VALUES (?1, ?2, ?3, coalesce(?4, 'UTC'), coalesce(?5, 0))
         ON CONFLICT (id_number) DO UPDATE SET full_name = excluded.full_name, email = excluded.email,
             time_zone = coalesce(?4, time_zone), suspended = coalesce(?5, suspended)
         RETURNING id",
    )?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut fresh = Vec::with_capacity(rows.len());
    for row in rows {
        let is_new = find
            .query_row([&row.id_number], |r| r.get::<_, i64>(0))
            .optional()?
            .is_none();
        let id: i64 = upsert.query_row(
            params![
                row.id_number,
                row.full_name,
                row.email,
                row.zone,
                row.suspended
            ],
            |r| r.get(0),
        )?;
        if is_new {
            summary.created += 1;
        } else {
            summary.updated += 1;
        }
        ids.push(id);
        fresh.push(is_new);
    }
    Ok((ids, fresh))
}

/// The statements that write a learner's managers, groups and dated fields, and the groups
/// by name (those the file names are made as they come).
struct Links<'c> {
    find: rusqlite::CachedStatement<'c>,
    clear_mgr: rusqlite::CachedStatement<'c>,
    add_mgr: rusqlite::CachedStatement<'c>,
    tx: &'c Connection,
    new_group: rusqlite::CachedStatement<'c>,
    set_date: rusqlite::CachedStatement<'c>,
    clear_date: rusqlite::CachedStatement<'c>,
    groups: HashMap<String, i64>,
}

impl<'c> Links<'c> {
    fn new(tx: &'c Connection) -> Result<Self> {
        Ok(Links {
            find: tx.prepare_cached("SELECT id FROM learner WHERE id_number = ?1")?,
            clear_mgr: tx.prepare_cached("DELETE FROM manager_link WHERE learner_id = ?1")?,
            add_mgr: tx.prepare_cached(
                "INSERT OR IGNORE INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)",
            )?,
            tx,
            new_group: tx
                .prepare_cached("INSERT INTO learner_group (name) VALUES (?1) RETURNING id")?,
            set_date: tx.prepare_cached(
                "INSERT INTO learner_date (learner_id, field, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (learner_id, field) DO UPDATE SET value = excluded.value",
            )?,
            clear_date: tx
                .prepare_cached("DELETE FROM learner_date WHERE learner_id = ?1 AND field = ?2")?,
            groups: {
                let mut stmt = tx.prepare("SELECT name, id FROM learner_group")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            },
        })
    }

    /// Writes the columns the row has; a learner just created has no links to clear.
    fn write(&mut self, row: &Row, id: i64, is_new: bool) -> Result<()> {
        if let Some(managers) = &row.managers {
            if !is_new {
                self.clear_mgr.execute([id])?;
            }
            for m in managers {
                let mid = self
                    .find
                    .query_row([m], |r| r.get::<_, i64>(0))
                    .optional()?;
                if let Some(mid) = mid {
                    self.add_mgr.execute([id, mid])?;
                }
            }
        }
        if let Some(names) = &row.groups {
            let mut gids = Vec::with_capacity(names.len());
            for name in names {
                gids.push(match self.groups.get(name) {
                    Some(g) => *g,
                    None => {
                        let g: i64 = self.new_group.query_row([name], |r| r.get(0))?;
                        self.groups.insert(name.clone(), g);
                        g
                    }
                });
            }
            super::groups::set_groups(self.tx, id, &gids, is_new)?;
        }
        for (field, value) in &row.dates {
            if value.is_empty() {
                if !is_new {
                    self.clear_date.execute(params![id, field])?;
                }
            } else {
                self.set_date.execute(params![id, field, value])?;
            }
        }
        Ok(())
    }
}
