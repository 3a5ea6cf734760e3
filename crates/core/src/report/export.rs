//! Exports of the membership report to a file the administrator names (or to their Downloads
//! folder), as CSV or XLSX, written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::report::format::{memberships_csv, memberships_xlsx};
use crate::report::membership::MembershipQuery;
use crate::{Error, Reader, Result};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// Where an export went and how many rows it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ExportSummary {
    pub path: String,
    pub rows: u32,
}

/// The file an export goes to when the administrator names none:
/// `<Downloads>/certdesk-memberships-<YYYYMMDD-HHMMSS>.<csv|xlsx>` (the home folder without a
/// Downloads folder).
pub fn default_export_path(now: Timestamp, format: ExportFormat) -> PathBuf {
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir);
    let stamp = now.strftime("%Y%m%d-%H%M%S");
    dir.join(format!(
        "certdesk-memberships-{stamp}.{}",
        format.extension()
    ))
}

/// Writes the rows matching `query` (every page) in `format` to `path`, or to
/// [`default_export_path`] when `path` is `None` or blank, calling `progress(done, total)`
/// as the rows are written. The file appears only once it is complete: it is written beside
/// its destination and then renamed.
///
/// # Errors
/// [`Error::Invalid`] for a relative path, a missing folder, or more rows than an XLSX sheet
/// holds; database and write errors (nothing is left behind then).
pub fn export_memberships(
    db: &Reader,
    query: &MembershipQuery,
    path: Option<&str>,
    format: ExportFormat,
    now: Timestamp,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<ExportSummary> {
    let path = match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => default_export_path(now, format),
    };
    if !path.is_absolute() {
        return Err(Error::invalid("path", "give the full path of the file"));
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(Error::invalid(
            "path",
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    let tmp = path.with_extension(format!("{}.part", format.extension()));
    let written = match format {
        ExportFormat::Csv => (|| -> Result<u32> {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            let rows = memberships_csv(db, query, &mut file, progress)?;
            file.flush()?;
            file.get_ref().sync_all()?;
            Ok(rows)
        })(),
        ExportFormat::Xlsx => memberships_xlsx(db, query, &tmp, progress),
    };
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &path)?;
    Ok(ExportSummary {
        path: path.display().to_string(),
        rows,
    })
}
