//! The membership report written out as CSV, XLSX or JSON, built on
//! [`crate::report::membership::membership_page`]: read a page at a time (keyset paging) and written
//! as it is read, so a report of 1,000,000 rows never sits in memory whole.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::report::membership::{
    membership_count, membership_page, MembershipQuery, MembershipRow,
};
use crate::{Error, Reader, Result};

/// The report's columns, in file order.
pub const COLUMNS: [&str; 12] = [
    "learner_id_number",
    "learner_name",
    "managers",
    "program",
    "kind",
    "status",
    "active",
    "due_date",
    "window_opens_date",
    "expiry_date",
    "exception_status",
    "last_message_date",
];

/// The columns of [`COLUMNS`] that hold a date (`YYYY-MM-DD`, or empty).
const DATE_COLUMNS: [usize; 4] = [7, 8, 9, 11];

/// The rows an XLSX sheet holds, the header included.
const XLSX_MAX_ROWS: u32 = 1_048_576;

/// A cell made safe to open in a spreadsheet (OWASP's advice on CSV injection): text that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula, so it
/// gets a leading single quote, which spreadsheets show as text. A learner named
/// `=cmd|' /C calc'!A0` is exported as `'=cmd|' /C calc'!A0`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One row's cells, in the order of [`COLUMNS`].
fn cells(r: &MembershipRow) -> [&str; 12] {
    [
        r.learner_id_number.as_str(),
        r.learner_name.as_str(),
        r.managers.as_str(),
        r.program_name.as_str(),
        if r.is_certification {
            "certification"
        } else {
            "program"
        },
        r.status.as_str(),
        if r.active { "1" } else { "0" },
        r.due_date.as_deref().unwrap_or(""),
        r.window_opens_date.as_deref().unwrap_or(""),
        r.expiry_date.as_deref().unwrap_or(""),
        r.exception_status.as_str(),
        r.last_message_date.as_deref().unwrap_or(""),
    ]
}

/// Calls `f` with each page of the rows matching `query` (its `after` and `limit` are
/// ignored), in report order.
fn for_each_page(
    db: &Reader,
    query: &MembershipQuery,
    mut f: impl FnMut(&[MembershipRow]) -> Result<()>,
) -> Result<()> {
    let mut q = MembershipQuery {
        after: None,
        limit: 500,
        ..query.clone()
    };
    loop {
        let page = membership_page(db, &q)?;
        f(&page.rows)?;
        match page.next {
            Some(next) => q.after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Every membership row matching `query` (its `after` and `limit` are ignored), in report order.
///
/// # Errors
/// Database errors.
pub fn all_memberships(db: &Reader, query: &MembershipQuery) -> Result<Vec<MembershipRow>> {
    let mut out = Vec::new();
    for_each_page(db, query, |rows| {
        out.extend_from_slice(rows);
        Ok(())
    })?;
    Ok(out)
}

/// Writes the membership report as CSV with a header line, calling `progress(done, total)`
/// after each page. Returns the number of rows.
///
/// # Errors
/// Database and write errors.
pub fn memberships_csv(
    db: &Reader,
    query: &MembershipQuery,
    out: impl Write,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<u32> {
    let total = membership_count(db, query)?;
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    w.write_record(COLUMNS).map_err(io)?;
    let mut done = 0;
    for_each_page(db, query, |rows| {
        for r in rows {
            w.write_record(cells(r).map(neutralise).iter().map(|c| c.as_bytes()))
                .map_err(io)?;
        }
        done += rows.len() as u32;
        progress(done, total.max(done));
        Ok(())
    })?;
    w.flush()?;
    Ok(done)
}

/// Writes the membership report as an XLSX workbook at `path` (one sheet, a bold header
/// row kept in view, dates as Excel dates), calling `progress(done, total)` after each page.
/// Returns the number of rows.
///
/// # Errors
/// [`Error::Invalid`] when the rows do not fit in a sheet (1,048,575 rows); database and
/// write errors.
pub fn memberships_xlsx(
    db: &Reader,
    query: &MembershipQuery,
    path: &Path,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<u32> {
    let total = membership_count(db, query)?;
    if total >= XLSX_MAX_ROWS {
        return Err(Error::invalid(
            "format",
            format!(
                "{total} rows do not fit in an XLSX sheet (at most {}): filter the report or export CSV",
                XLSX_MAX_ROWS - 1
            ),
        ));
    }
    let xlsx = |e: XlsxError| Error::Io(std::io::Error::other(e));
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().map_err(xlsx)?;
    sheet.set_name("Memberships").map_err(xlsx)?;
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    for (col, name) in (0u16..).zip(COLUMNS) {
        sheet
            .write_string_with_format(0, col, name, &bold)
            .map_err(xlsx)?;
        sheet
            .set_column_width(
                col,
                if DATE_COLUMNS.contains(&usize::from(col)) {
                    12
                } else {
                    18
                },
            )
            .map_err(xlsx)?;
    }
    let mut done = 0u32;
    for_each_page(db, query, |rows| {
        for r in rows {
            let row = done + 1;
            for (col, cell) in cells(r).into_iter().enumerate() {
                let col_num = col as u16;
                if cell.is_empty() {
                    continue;
                }
                let as_date = DATE_COLUMNS
                    .contains(&col)
                    .then(|| ExcelDateTime::parse_from_str(cell).ok())
                    .flatten();
                match as_date {
                    Some(d) => sheet.write_date_with_format(row, col_num, &d, &date),
                    // Always a string cell, never a formula: XLSX keeps the text as it is.
                    None => sheet.write_string(row, col_num, cell),
                }
                .map_err(xlsx)?;
            }
            done += 1;
        }
        progress(done, total.max(done));
        Ok(())
    })?;
    book.save(path).map_err(xlsx)?;
    Ok(done)
}
