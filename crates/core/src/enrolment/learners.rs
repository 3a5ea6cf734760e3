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
use rusqlite::{params, Connection};

use crate::enrolment::sync_groups;
use crate::exception::review_counting_from;
use crate::import::{cell, ImportPreview, ImportSummary, Problems, Table, Zones};
use crate::time::secs;
use crate::{idset, Result};

struct Row {
    line: u32,
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
    rows: Vec<Row>,
    problems: Problems,
    existing: HashMap<String, i64>,
    dates: bool,
}

/// Imports learners from CSV (see the module docs), then brings group assignments and due
/// dates that count from a profile date up to date.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every bad row (nothing written); database errors.
pub fn learners(tx: &Connection, now: Timestamp, input: impl Read) -> Result<ImportSummary> {
    let mut c = check(tx, input)?;
    c.problems.finish("learners")?;
    write(tx, now, &c.rows, &mut c.existing, c.dates)
}

/// What [`learners`] would do with `input`, without writing: every bad row, and how many
/// good rows would create a learner or update one. Reads only, so a reader will do.
///
/// # Errors
/// Database errors.
pub fn preview_learners(conn: &Connection, input: impl Read) -> Result<ImportPreview> {
    let c = check(conn, input)?;
    Ok(ImportPreview::new(
        c.problems,
        c.rows
            .iter()
            .map(|r| (r.line, c.existing.contains_key(&r.id_number))),
    ))
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

/// What each row is checked against: the store's learners, the file's id numbers, the id
/// numbers seen so far, and the time zones already looked up.
struct Known<'a> {
    existing: &'a HashMap<String, i64>,
    in_file: HashSet<&'a str>,
    seen: HashSet<String>,
    zones: Zones,
}

fn check(tx: &Connection, input: impl Read) -> Result<Checked> {
    let mut problems = Problems::default();
    let table = Table::read(input, &mut problems)?;
    let cols = Columns {
        id: table.need("id_number", &mut problems),
        name: table.need("full_name", &mut problems),
        email: table.need("email", &mut problems),
        zone: table.col("time_zone"),
        suspended: table.col("suspended"),
        managers: table.col("managers"),
        groups: table.col("groups"),
        dates: table.prefixed("date:"),
    };
    let existing: HashMap<String, i64> = {
        let mut stmt = tx.prepare("SELECT id_number, id FROM learner")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let rows = {
        let mut known = Known {
            existing: &existing,
            in_file: table.rows.iter().map(|(_, r)| cell(r, cols.id)).collect(),
            seen: HashSet::new(),
            zones: Zones::default(),
        };
        let mut rows = Vec::with_capacity(table.rows.len());
        for (line, r) in &table.rows {
            rows.push(check_row(*line, r, &cols, &mut known, &mut problems));
        }
        rows
    };
    Ok(Checked {
        rows,
        problems,
        existing,
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
        } else if !known.in_file.contains(m.as_str()) && !known.existing.contains_key(m) {
            bad(format!(
                "manager '{m}' is neither in the file nor in the store"
            ));
        }
    }
    let mut dates = Vec::new();
    for (c, field) in &cols.dates {
        let v = cell(r, *c);
        if !v.is_empty() && crate::time::parse_date(v).is_err() {
            bad(format!("{field} '{v}' is not a date (YYYY-MM-DD)"));
        }
        dates.push((field.clone(), v.to_string()));
    }
    Row {
        line,
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

fn write(
    tx: &Connection,
    now: Timestamp,
    rows: &[Row],
    existing: &mut HashMap<String, i64>,
    dates: bool,
) -> Result<ImportSummary> {
    let mut summary = ImportSummary {
        rows: rows.len() as u32,
        ..Default::default()
    };
    let (ids, fresh) = upsert(tx, rows, existing, &mut summary)?;
    let mut links = Links::new(tx)?;
    let mut any_groups = false;
    for ((row, id), is_new) in rows.iter().zip(&ids).zip(fresh) {
        any_groups |= row.groups.is_some();
        links.write(row, *id, is_new, existing)?;
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
    existing: &mut HashMap<String, i64>,
    summary: &mut ImportSummary,
) -> Result<(Vec<i64>, Vec<bool>)> {
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
        let is_new = existing.insert(row.id_number.clone(), id).is_none();
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
    clear_mgr: rusqlite::CachedStatement<'c>,
    add_mgr: rusqlite::CachedStatement<'c>,
    clear_grp: rusqlite::CachedStatement<'c>,
    add_grp: rusqlite::CachedStatement<'c>,
    new_group: rusqlite::CachedStatement<'c>,
    set_date: rusqlite::CachedStatement<'c>,
    clear_date: rusqlite::CachedStatement<'c>,
    groups: HashMap<String, i64>,
}

impl<'c> Links<'c> {
    fn new(tx: &'c Connection) -> Result<Self> {
        Ok(Links {
            clear_mgr: tx.prepare_cached("DELETE FROM manager_link WHERE learner_id = ?1")?,
            add_mgr: tx.prepare_cached(
                "INSERT OR IGNORE INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)",
            )?,
            clear_grp: tx.prepare_cached("DELETE FROM group_member WHERE learner_id = ?1")?,
            add_grp: tx.prepare_cached(
                "INSERT OR IGNORE INTO group_member (group_id, learner_id) VALUES (?1, ?2)",
            )?,
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
    fn write(
        &mut self,
        row: &Row,
        id: i64,
        is_new: bool,
        existing: &HashMap<String, i64>,
    ) -> Result<()> {
        if let Some(managers) = &row.managers {
            if !is_new {
                self.clear_mgr.execute([id])?;
            }
            for m in managers {
                if let Some(mid) = existing.get(m) {
                    self.add_mgr.execute([id, *mid])?;
                }
            }
        }
        if let Some(names) = &row.groups {
            if !is_new {
                self.clear_grp.execute([id])?;
            }
            for name in names {
                let gid = match self.groups.get(name) {
                    Some(g) => *g,
                    None => {
                        let g: i64 = self.new_group.query_row([name], |r| r.get(0))?;
                        self.groups.insert(name.clone(), g);
                        g
                    }
                };
                self.add_grp.execute([gid, id])?;
            }
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
