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

fn check(tx: &Connection, input: impl Read) -> Result<Checked> {
    let mut problems = Problems::default();
    let table = Table::read(input, &mut problems)?;
    let (c_id, c_name, c_email) = (
        table.need("id_number", &mut problems),
        table.need("full_name", &mut problems),
        table.need("email", &mut problems),
    );
    let (c_zone, c_susp, c_mgr, c_grp) = (
        table.col("time_zone"),
        table.col("suspended"),
        table.col("managers"),
        table.col("groups"),
    );
    let date_cols = table.prefixed("date:");
    let existing: HashMap<String, i64> = {
        let mut stmt = tx.prepare("SELECT id_number, id FROM learner")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let in_file: HashSet<&str> = table.rows.iter().map(|(_, r)| cell(r, c_id)).collect();
    let mut zones = Zones::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (line, r) in &table.rows {
        let line = *line;
        let id_number = cell(r, c_id).to_string();
        let mut bad = |m: String| problems.add(line, m);
        if id_number.is_empty() {
            bad("id_number is empty".into());
        } else if !seen.insert(id_number.clone()) {
            bad(format!("id_number '{id_number}' appears twice in the file"));
        }
        let full_name = cell(r, c_name).to_string();
        if full_name.is_empty() {
            bad("full_name is empty".into());
        }
        let email = cell(r, c_email).to_string();
        if !email.contains('@') || email.contains(char::is_whitespace) {
            bad(format!("'{email}' is not an email address"));
        }
        let zone = c_zone.map(|c| cell(r, c).to_string()).map(|z| {
            if z.is_empty() {
                "UTC".to_string()
            } else {
                z
            }
        });
        if let Some(z) = &zone {
            if zones.get(z).is_none() {
                bad(format!(
                    "'{z}' is not a time zone (use an IANA name such as Europe/London)"
                ));
            }
        }
        let suspended = match c_susp.map(|c| cell(r, c).to_ascii_lowercase()) {
            None => None,
            Some(s) => match s.as_str() {
                "" | "0" | "no" | "false" => Some(false),
                "1" | "yes" | "true" => Some(true),
                _ => {
                    bad(format!("suspended must be 0 or 1, not '{s}'"));
                    None
                }
            },
        };
        let managers = c_mgr.map(|c| list(cell(r, c)));
        for m in managers.iter().flatten() {
            if *m == id_number {
                bad("a learner cannot be their own manager".into());
            } else if !in_file.contains(m.as_str()) && !existing.contains_key(m) {
                bad(format!(
                    "manager '{m}' is neither in the file nor in the store"
                ));
            }
        }
        let mut dates = Vec::new();
        for (c, field) in &date_cols {
            let v = cell(r, *c);
            if !v.is_empty() && crate::time::parse_date(v).is_err() {
                bad(format!("{field} '{v}' is not a date (YYYY-MM-DD)"));
            }
            dates.push((field.clone(), v.to_string()));
        }
        rows.push(Row {
            line,
            id_number,
            full_name,
            email,
            zone,
            suspended,
            managers,
            groups: c_grp.map(|c| list(cell(r, c))),
            dates,
        });
    }
    Ok(Checked {
        rows,
        problems,
        existing,
        dates: !date_cols.is_empty(),
    })
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
    let mut clear_mgr = tx.prepare_cached("DELETE FROM manager_link WHERE learner_id = ?1")?;
    let mut add_mgr = tx.prepare_cached(
        "INSERT OR IGNORE INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)",
    )?;
    let mut clear_grp = tx.prepare_cached("DELETE FROM group_member WHERE learner_id = ?1")?;
    let mut add_grp = tx.prepare_cached(
        "INSERT OR IGNORE INTO group_member (group_id, learner_id) VALUES (?1, ?2)",
    )?;
    let mut new_group =
        tx.prepare_cached("INSERT INTO learner_group (name) VALUES (?1) RETURNING id")?;
    let mut set_date = tx.prepare_cached(
        "INSERT INTO learner_date (learner_id, field, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (learner_id, field) DO UPDATE SET value = excluded.value",
    )?;
    let mut clear_date =
        tx.prepare_cached("DELETE FROM learner_date WHERE learner_id = ?1 AND field = ?2")?;
    let mut groups: HashMap<String, i64> = {
        let mut stmt = tx.prepare("SELECT name, id FROM learner_group")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut any_groups = false;
    // A learner just created has no links to clear.
    for ((row, id), is_new) in rows.iter().zip(&ids).zip(fresh) {
        if let Some(managers) = &row.managers {
            if !is_new {
                clear_mgr.execute([id])?;
            }
            for m in managers {
                if let Some(mid) = existing.get(m) {
                    add_mgr.execute([id, mid])?;
                }
            }
        }
        if let Some(names) = &row.groups {
            any_groups = true;
            if !is_new {
                clear_grp.execute([id])?;
            }
            for name in names {
                let gid = match groups.get(name) {
                    Some(g) => *g,
                    None => {
                        let g: i64 = new_group.query_row([name], |r| r.get(0))?;
                        groups.insert(name.clone(), g);
                        g
                    }
                };
                add_grp.execute([gid, *id])?;
            }
        }
        for (field, value) in &row.dates {
            if value.is_empty() {
                if !is_new {
                    clear_date.execute(params![id, field])?;
                }
            } else {
                set_date.execute(params![id, field, value])?;
            }
        }
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
