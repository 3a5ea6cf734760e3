//! Taking one file: its content read once (what is hashed is what is checked and imported),
//! checked whole with the importers, imported and recorded in one transaction (or recorded
//! as rejected, with the administrators' mail, in one transaction), then moved with its
//! report beside it. The move comes after the commit: if it fails, the file stays where it
//! was and its recorded hash keeps it from being imported a second time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::record::{imported_before, insert, not_moved, NewFile};
use super::scan::Ready;
use super::{alert, HrFileKind, HrFileOutcome, HrOutcome};
use crate::enrolment::completion::Completion;
use crate::enrolment::{learners, records};
use crate::error::RowProblem;
use crate::import::ImportSummary;
use crate::store::audit::{self, Entry};
use crate::time::secs;
use crate::{Error, Result, Writer};

/// A file checked whole, ready to write.
enum Checked {
    Learners(learners::Prepared),
    Assignments(records::Assignments),
    Completions(Vec<Completion>),
}

/// The report beside a rejected file lists every bad row, not only the first hundred.
const EVERY: usize = usize::MAX;

fn check(conn: &Connection, now: Timestamp, kind: HrFileKind, bytes: &[u8]) -> Result<Checked> {
    Ok(match kind {
        HrFileKind::Learners => {
            Checked::Learners(learners::prepare_listing(conn, || Ok(bytes), EVERY)?)
        }
        HrFileKind::Assignments => {
            Checked::Assignments(records::check_assignments(conn, bytes, EVERY)?)
        }
        HrFileKind::Completions => {
            Checked::Completions(records::check_completions(conn, now, bytes, EVERY)?)
        }
    })
}

fn write(tx: &Connection, now: Timestamp, c: Checked) -> Result<ImportSummary> {
    match c {
        Checked::Learners(p) => learners::write(tx, now, p),
        Checked::Assignments(a) => records::write_assignments(tx, now, a),
        Checked::Completions(c) => records::write_completions(tx, now, &c),
    }
}

/// What is known of a file before it is recorded.
struct Taken<'a> {
    f: &'a Ready,
    sha256: String,
    now: Timestamp,
    head: String,
}

/// Takes file `f` (see the module docs). `None` when it went away meanwhile (another
/// process took it).
pub(super) fn take(
    w: &mut Writer,
    now: Timestamp,
    root: &Path,
    f: &Ready,
) -> Result<Option<HrFileOutcome>> {
    let bytes = match std::fs::read(&f.path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let head = format!(
        "{} ({}), taken {now} from {}\nSHA-256 {sha256}\n\n",
        f.name,
        f.kind.as_str(),
        root.display()
    );
    let t = Taken {
        f,
        sha256,
        now,
        head,
    };
    if let Some(prev) = imported_before(w.conn(), &t.sha256)? {
        return duplicate(w, root, &t, prev).map(Some);
    }
    match check(w.conn(), now, f.kind, &bytes) {
        Ok(checked) => import(w, root, &t, checked).map(Some),
        Err(Error::Rejected { problems, .. }) => reject(w, root, &t, &bytes, &problems).map(Some),
        Err(e) => Err(e),
    }
}

fn import(w: &mut Writer, root: &Path, t: &Taken<'_>, checked: Checked) -> Result<HrFileOutcome> {
    let (target, rel) = target(root, "processed", &t.f.name, t.now);
    let who = w.actor();
    let done = w.write(|tx| {
        // Checked again under the write lock: another process may have imported it since.
        if let Some(prev) = imported_before(tx, &t.sha256)? {
            return Ok(Err(prev));
        }
        let s = write(tx, t.now, checked)?;
        let e = Entry::new("import.hr_drop", &t.f.name).after(s);
        audit::record(tx, &who, &e)?;
        let report = format!(
            "{}Imported {} rows: {} created, {} updated, {} exceptions raised.\n",
            t.head, s.rows, s.created, s.updated, s.exceptions
        );
        let id = insert(
            tx,
            &new_file(t, HrOutcome::Imported, s.rows, 0, &rel, &report),
        )?;
        Ok(Ok((id, s, report)))
    })?;
    let (id, summary, report) = match done {
        Ok(x) => x,
        Err(prev) => return duplicate(w, root, t, prev),
    };
    let mut out = outcome(t, id, HrOutcome::Imported, summary.rows, 0);
    out.summary = Some(summary);
    finish(w, t, &target, &rel, &report, out)
}

fn reject(
    w: &mut Writer,
    root: &Path,
    t: &Taken<'_>,
    bytes: &[u8],
    problems: &[RowProblem],
) -> Result<HrFileOutcome> {
    let (target, rel) = target(root, "rejected", &t.f.name, t.now);
    let count = problem_count(problems);
    let rows = data_rows(bytes);
    let mut report = format!(
        "{}Rejected: nothing was imported. {count} problem(s); each is listed with its line \
         (line 1 is the header) and names the column at fault:\n",
        t.head
    );
    for p in problems {
        let _ = writeln!(report, "line {}: {}", p.line, p.message);
    }
    report.push_str("\nCorrect the rows and drop the whole file again.\n");
    let id = w.write(|tx| {
        let id = insert(
            tx,
            &new_file(t, HrOutcome::Rejected, rows, count, &rel, &report),
        )?;
        alert::queue(tx, t.now, id, &t.f.name, count, &rel)?;
        Ok(id)
    })?;
    let out = outcome(t, id, HrOutcome::Rejected, rows, count);
    finish(w, t, &target, &rel, &report, out)
}

fn duplicate(
    w: &mut Writer,
    root: &Path,
    t: &Taken<'_>,
    (prev, at): (String, i64),
) -> Result<HrFileOutcome> {
    let (target, rel) = target(root, "rejected", &t.f.name, t.now);
    let at = crate::time::from_secs(at)?;
    let report = format!(
        "{}Duplicate: the same content was imported from {prev} at {at}; it is not imported \
         twice. Nothing was written.\n",
        t.head
    );
    let id = w.write(|tx| insert(tx, &new_file(t, HrOutcome::Duplicate, 0, 0, &rel, &report)))?;
    let out = outcome(t, id, HrOutcome::Duplicate, 0, 0);
    finish(w, t, &target, &rel, &report, out)
}

fn new_file<'a>(
    t: &'a Taken<'_>,
    outcome: HrOutcome,
    rows: u32,
    problems: u32,
    rel: &'a str,
    report: &'a str,
) -> NewFile<'a> {
    NewFile {
        sha256: &t.sha256,
        name: &t.f.name,
        kind: t.f.kind,
        taken_at: secs(t.now),
        outcome,
        rows,
        problems,
        moved_to: rel,
        report,
    }
}

fn outcome(t: &Taken<'_>, id: i64, outcome: HrOutcome, rows: u32, problems: u32) -> HrFileOutcome {
    HrFileOutcome {
        id,
        name: t.f.name.clone(),
        kind: t.f.kind,
        outcome,
        rows,
        problems,
        summary: None,
        moved_to: None,
        move_error: None,
    }
}

/// Moves the file to `target` (a rename within the drop folder) with its report beside it;
/// a failure is recorded on the file, not returned: the import stands.
fn finish(
    w: &mut Writer,
    t: &Taken<'_>,
    target: &Path,
    rel: &str,
    report: &str,
    mut out: HrFileOutcome,
) -> Result<HrFileOutcome> {
    let moved = target
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::rename(&t.f.path, target))
        .and_then(|()| std::fs::write(report_path(target), report));
    match moved {
        Ok(()) => out.moved_to = Some(rel.to_string()),
        Err(e) => {
            let why = e.to_string();
            w.write(|tx| not_moved(tx, out.id, &why))?;
            out.move_error = Some(why);
        }
    }
    Ok(out)
}

/// `<file>.report.txt`.
fn report_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".report.txt");
    PathBuf::from(s)
}

/// Where a file goes in `sub` (`processed` or `rejected`): under its own name, or, when a
/// file (or report) of that name is there already, `<stem>.<UTC time>[-n].csv`.
fn target(root: &Path, sub: &str, name: &str, now: Timestamp) -> (PathBuf, String) {
    let dir = root.join(sub);
    let free = |n: &str| !dir.join(n).exists() && !report_path(&dir.join(n)).exists();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "csv"));
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let chosen = std::iter::once(name.to_string())
        .chain((1..1000).map(|n| match n {
            1 => format!("{stem}.{stamp}.{ext}"),
            n => format!("{stem}.{stamp}-{n}.{ext}"),
        }))
        .find(|n| free(n))
        .unwrap_or_else(|| format!("{stem}.{stamp}-last.{ext}"));
    (dir.join(&chosen), format!("{sub}/{chosen}"))
}

/// Every problem, those past the importers' list included (their last line counts them).
fn problem_count(problems: &[RowProblem]) -> u32 {
    let more = problems.last().and_then(|p| {
        p.message
            .strip_prefix("and ")?
            .split_once(" more problems")?
            .0
            .parse::<u32>()
            .ok()
    });
    match more {
        Some(n) => problems.len() as u32 - 1 + n,
        None => problems.len() as u32,
    }
}

/// The data rows of a file (its header and blank lines aside), however malformed.
fn data_rows(bytes: &[u8]) -> u32 {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while let Ok(true) = r.read_byte_record(&mut rec) {
        if !rec.iter().all(<[u8]>::is_empty) {
            n += 1;
        }
    }
    n
}
