//! Exports for auditors: the audit trail (store/audit/) and the message log (who was
//! notified of what, when, and the server's reply) for a period, as CSV or JSON Lines, to a
//! file written whole or not at all, or to any writer (the CLI's standard output).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::report::format::neutralise;
use crate::store::audit::query::{self, AuditFilter, AuditRow};
use crate::{Error, Result};

/// The formats of the audit and message-log exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TrailFormat {
    /// A header line, then one row per entry; cells that a spreadsheet would read as a
    /// formula get a leading `'`.
    Csv,
    /// One JSON object per line, values verbatim.
    Jsonl,
}

impl TrailFormat {
    /// Parses `csv` or `jsonl`.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `format`) otherwise.
    pub fn parse(s: &str) -> Result<TrailFormat> {
        match s.trim() {
            "csv" => Ok(TrailFormat::Csv),
            "jsonl" => Ok(TrailFormat::Jsonl),
            other => Err(Error::invalid(
                "format",
                format!("unknown format '{other}' (valid: csv, jsonl)"),
            )),
        }
    }
}

/// Where an export went and how many entries it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TrailExport {
    pub path: String,
    pub rows: u32,
}

/// The audit export's columns, in order.
pub const AUDIT_COLUMNS: [&str; 8] = [
    "id", "at", "os_user", "action", "subject", "before", "after", "hash",
];

/// One writer of rows in a format: the header first for CSV.
pub(crate) struct Rows<W: Write> {
    format: TrailFormat,
    csv: Option<csv::Writer<W>>,
    out: Option<W>,
    columns: &'static [&'static str],
}

impl<W: Write> Rows<W> {
    pub(crate) fn new(
        out: W,
        format: TrailFormat,
        columns: &'static [&'static str],
    ) -> Result<Self> {
        Ok(match format {
            TrailFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns).map_err(csv_error)?;
                Rows {
                    format,
                    csv: Some(w),
                    out: None,
                    columns,
                }
            }
            TrailFormat::Jsonl => Rows {
                format,
                csv: None,
                out: Some(out),
                columns,
            },
        })
    }

    /// Writes one row: `values` in the order of the columns (strings for CSV cells; JSON
    /// values as they are for JSON Lines).
    pub(crate) fn row(&mut self, values: &[Value]) -> Result<()> {
        match (self.format, &mut self.csv, &mut self.out) {
            (TrailFormat::Csv, Some(w), _) => {
                let cells: Vec<String> = values.iter().map(cell).collect();
                let cells: Vec<std::borrow::Cow<'_, str>> =
                    cells.iter().map(|c| neutralise(c)).collect();
                w.write_record(cells.iter().map(|c| c.as_ref()))
                    .map_err(csv_error)
            }
            (_, _, Some(out)) => {
                // The keys in the columns' order (a JSON map would sort them).
                let fields: Vec<String> = self
                    .columns
                    .iter()
                    .zip(values)
                    .map(|(k, v)| format!("{}:{v}", Value::String((*k).to_string())))
                    .collect();
                writeln!(out, "{{{}}}", fields.join(","))?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn finish(self) -> Result<()> {
        if let Some(mut w) = self.csv {
            w.flush()?;
        }
        if let Some(mut out) = self.out {
            out.flush()?;
        }
        Ok(())
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

fn audit_values(r: &AuditRow, format: TrailFormat) -> Vec<Value> {
    // JSON Lines carries before/after as JSON; CSV as their compact JSON text.
    let json_or_text = |s: &Option<String>| match (s, format) {
        (None, _) => Value::Null,
        (Some(t), TrailFormat::Jsonl) => serde_json::from_str(t).unwrap_or(json!(t)),
        (Some(t), TrailFormat::Csv) => json!(t),
    };
    vec![
        json!(r.id),
        json!(r.at),
        json!(r.os_user),
        json!(r.action),
        json!(r.subject),
        json_or_text(&r.before),
        json_or_text(&r.after),
        json!(r.hash),
    ]
}

/// Writes the audit entries matching `f` (oldest first) to `out`; returns how many.
///
/// # Errors
/// [`Error::Invalid`] for a malformed date; database and write errors.
pub fn audit(
    conn: &rusqlite::Connection,
    f: &AuditFilter,
    format: TrailFormat,
    out: impl Write,
) -> Result<u32> {
    let mut rows = Rows::new(out, format, &AUDIT_COLUMNS)?;
    let n = query::each(conn, f, |r| rows.row(&audit_values(r, format)))?;
    rows.finish()?;
    Ok(n)
}

/// Runs `write` on a file beside `path` and renames it to `path` once complete (nothing is
/// left behind on failure).
///
/// # Errors
/// [`Error::Invalid`] (field `path`) for a blank or relative path or a missing folder; the
/// errors of `write`.
pub fn to_file(
    path: &str,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<u32>,
) -> Result<TrailExport> {
    let path = PathBuf::from(path.trim());
    if path.as_os_str().is_empty() || !path.is_absolute() {
        return Err(Error::invalid("path", "give the full path of the file"));
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(Error::invalid(
            "path",
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    let mut tmp = path.clone().into_os_string();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let written = (|| -> Result<u32> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let rows = write(&mut file)?;
        file.flush()?;
        file.get_ref().sync_all()?;
        Ok(rows)
    })();
    match written {
        Ok(rows) => {
            std::fs::rename(&tmp, &path)?;
            Ok(TrailExport {
                path: path.display().to_string(),
                rows,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
