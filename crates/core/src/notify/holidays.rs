//! The holiday lists of the send window: the store's (scope 0) and a program's own. Imported
//! whole from an `.ics` calendar (each VEVENT's DTSTART day) or a CSV of dates (`YYYY-MM-DD`,
//! optionally a name), all or nothing, with every bad line named.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::RowProblem;
use crate::time::parse_date;
use crate::{Error, Result};

/// One day on which nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Holiday {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

/// The holidays of `scope` (0: the store's; else a program id), in date order.
///
/// # Errors
/// Database errors.
pub fn list(conn: &Connection, scope: i64) -> Result<Vec<Holiday>> {
    let mut st = conn.prepare("SELECT date, name FROM holiday WHERE scope = ?1 ORDER BY date")?;
    let rows = st.query_map([scope], |r| {
        Ok(Holiday {
            date: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes every holiday of `scope`; returns how many there were.
///
/// # Errors
/// Database errors.
pub fn clear(conn: &Connection, scope: i64) -> Result<u32> {
    let n = conn.execute("DELETE FROM holiday WHERE scope = ?1", [scope])?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Adds the holidays read from `text` (an `.ics` calendar when it starts with
/// `BEGIN:VCALENDAR`, else a CSV of dates) to `scope`; a date already listed keeps its
/// place and takes the new name. Returns how many dates the file held.
///
/// # Errors
/// [`Error::Rejected`] naming each bad line (nothing written), database errors.
pub fn import(conn: &Connection, scope: i64, text: &str) -> Result<u32> {
    let text = text.trim_start_matches('\u{feff}');
    let days = if text
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("BEGIN:VCALENDAR")
    {
        parse_ics(text)?
    } else {
        parse_csv(text)?
    };
    let mut st = conn.prepare_cached(
        "INSERT INTO holiday (scope, date, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope, date) DO UPDATE SET name = excluded.name",
    )?;
    for h in &days {
        st.execute(params![scope, h.date, h.name])?;
    }
    Ok(u32::try_from(days.len()).unwrap_or(u32::MAX))
}

fn rejected(problems: Vec<RowProblem>) -> Error {
    Error::Rejected {
        what: "holidays".into(),
        problems,
    }
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// One date per row, `YYYY-MM-DD`, with an optional name column; a first row whose first
/// cell is not a date (a header) is skipped, as are empty lines.
fn parse_csv(text: &str) -> Result<Vec<Holiday>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (date, name) = line.split_once([',', ';']).unwrap_or((line, ""));
        let (date, name) = (date.trim().trim_matches('"'), name.trim().trim_matches('"'));
        match parse_date(date) {
            Ok(d) => out.push(Holiday {
                date: d.to_string(),
                name: name.to_string(),
            }),
            Err(_) if i == 0 && out.is_empty() => {} // a header
            Err(e) => problems.push(RowProblem {
                line: line_no(i),
                message: crate::time::reason(&e),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(rejected(problems));
    }
    if out.is_empty() {
        return Err(rejected(vec![RowProblem {
            line: 1,
            message: "no dates in the file (one YYYY-MM-DD per line)".into(),
        }]));
    }
    Ok(out)
}

/// The DTSTART day of every VEVENT (`DTSTART;VALUE=DATE:20270101` or a date-time, whose
/// date is taken as written). Long lines folded per RFC 5545 are unfolded first.
fn parse_ics(text: &str) -> Result<Vec<Holiday>> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if let (Some(rest), Some(last)) = (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            last.1.push_str(rest);
        } else {
            lines.push((i, raw.trim_end().to_string()));
        }
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut event: Option<(usize, Option<String>, String)> = None;
    for (i, l) in lines {
        let upper = l.to_ascii_uppercase();
        if upper == "BEGIN:VEVENT" {
            event = Some((i, None, String::new()));
        } else if upper == "END:VEVENT" {
            match event.take() {
                Some((_, Some(date), name)) => out.push(Holiday { date, name }),
                Some((at, None, _)) => problems.push(RowProblem {
                    line: line_no(at),
                    message: "event without a DTSTART".into(),
                }),
                None => {}
            }
        } else if let Some(ev) = event.as_mut() {
            let Some((key, value)) = l.split_once(':') else {
                continue;
            };
            let prop = key.split(';').next().unwrap_or("").to_ascii_uppercase();
            if prop == "DTSTART" {
                match ics_date(value) {
                    Some(d) => ev.1 = Some(d),
                    None => problems.push(RowProblem {
                        line: line_no(i),
                        message: format!("'{value}' is not a date (expected YYYYMMDD)"),
                    }),
                }
            } else if prop == "SUMMARY" {
                ev.2 = value.replace("\\,", ",").replace("\\;", ";");
            }
        }
    }
    if !problems.is_empty() {
        return Err(rejected(problems));
    }
    if out.is_empty() {
        return Err(rejected(vec![RowProblem {
            line: 1,
            message: "no events (VEVENT with a DTSTART) in the calendar".into(),
        }]));
    }
    Ok(out)
}

fn ics_date(value: &str) -> Option<String> {
    let v = value.trim();
    let d = v.get(..8)?;
    if !d.bytes().all(|b| b.is_ascii_digit()) || !(v.len() == 8 || v[8..].starts_with('T')) {
        return None;
    }
    let iso = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]);
    parse_date(&iso).ok().map(|d| d.to_string())
}
