//! `import KIND FILE`: learners, courses, assignments, completions (CSV) or programs (JSON).

use std::path::PathBuf;

use certdesk_core::api::imports;
use certdesk_core::Db;

use super::Now;
use crate::output::Output;

/// What a file holds.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Kind {
    Learners,
    Courses,
    Assignments,
    Completions,
    Programs,
}

/// Arguments of `import`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What the file holds.
    kind: Kind,
    /// The CSV file (JSON for programs).
    file: PathBuf,
    /// Learners only: check every row and show what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    now: Now,
}

/// Checks every row, then imports them all in one transaction, or nothing.
pub fn run(args: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let file = args.file.display().to_string();
    if args.dry_run {
        return preview(args.kind, &file, db, out);
    }
    let mut w = db.writer()?;
    let s = match args.kind {
        Kind::Learners => imports::learners(&mut w, now, &file)?,
        Kind::Courses => imports::courses(&mut w, &file)?,
        Kind::Assignments => imports::assignments(&mut w, now, &file)?,
        Kind::Completions => imports::completions(&mut w, now, &file)?,
        Kind::Programs => {
            let text = std::fs::read_to_string(&args.file).map_err(|e| {
                certdesk_core::Error::invalid("file", format!("cannot read {file}: {e}"))
            })?;
            certdesk_core::api::programs::import(&mut w, &text, now)?
        }
    };
    out.print(&s, || {
        format!(
            "{} rows: {} created, {} updated, {} exceptions raised",
            s.rows, s.created, s.updated, s.exceptions
        )
    })
}

/// `--dry-run`: what importing the learners file would do.
fn preview(kind: Kind, file: &str, db: &Db, out: &Output) -> anyhow::Result<()> {
    if !matches!(kind, Kind::Learners) {
        anyhow::bail!(certdesk_core::Error::invalid(
            "dry_run",
            "--dry-run previews learners files only"
        ));
    }
    let p = imports::preview_learners(&db.reader()?, file)?;
    out.print(&p, || {
        let mut s = format!(
            "{} rows: {} new, {} updated, {} bad",
            p.rows,
            p.new,
            p.updated,
            p.problems.len()
        );
        for x in &p.problems {
            s.push_str(&format!("\n  {x}"));
        }
        s
    })
}
