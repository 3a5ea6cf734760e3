//! `import KIND FILE`: learners, courses, assignments, completions (CSV) or programs (JSON).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

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
    #[command(flatten)]
    now: Now,
}

/// Checks every row, then imports them all in one transaction, or nothing.
pub fn run(args: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let open = || -> anyhow::Result<BufReader<File>> {
        Ok(BufReader::new(File::open(&args.file).map_err(|e| {
            anyhow::anyhow!("cannot read {}: {e}", args.file.display())
        })?))
    };
    let mut w = db.writer()?;
    let s = match args.kind {
        Kind::Learners => {
            let f = open()?;
            w.write(|tx| certdesk_core::enrolment::learners::learners(tx, now, f))?
        }
        Kind::Courses => {
            let f = open()?;
            w.write(|tx| certdesk_core::enrolment::records::courses(tx, f))?
        }
        Kind::Assignments => {
            let f = open()?;
            w.write(|tx| certdesk_core::enrolment::records::assignments(tx, now, f))?
        }
        Kind::Completions => {
            let f = open()?;
            w.write(|tx| certdesk_core::enrolment::records::completions(tx, now, f))?
        }
        Kind::Programs => {
            let text = std::fs::read_to_string(&args.file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
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
