//! `assign`, `unassign` and `complete`: memberships and course completions, one at a time.

use std::path::PathBuf;

use certdesk_core::api::enrolment;
use certdesk_core::{names, Db, Reader};

use super::{parse_instant, Now};
use crate::output::Output;

/// Who is unassigned.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Who {
    /// Learner id numbers (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    learner: Vec<String>,
    /// A group name.
    #[arg(long)]
    group: Option<String>,
}

/// Who is assigned.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct AssignWho {
    /// Learner id numbers (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    learner: Vec<String>,
    /// A group name: its members now and those who join later.
    #[arg(long)]
    group: Option<String>,
    /// A CSV roster with an `id_number` column.
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
}

/// Arguments of `assign`.
#[derive(clap::Args, Debug)]
pub struct AssignArgs {
    /// The program's short name.
    #[arg(long)]
    program: String,
    #[command(flatten)]
    who: AssignWho,
    /// Due date (YYYY-MM-DD, end of that day for each learner); default: the program's rule.
    #[arg(long)]
    due: Option<String>,
    /// With --roster: only show what would happen (rows, bad lines); write nothing.
    #[arg(long, requires = "roster")]
    dry_run: bool,
    #[command(flatten)]
    now: Now,
}

/// Arguments of `unassign`.
#[derive(clap::Args, Debug)]
pub struct UnassignArgs {
    /// The program's short name.
    #[arg(long)]
    program: String,
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    now: Now,
}

/// Arguments of `complete`.
#[derive(clap::Args, Debug)]
pub struct CompleteArgs {
    /// The learner's id number.
    #[arg(long)]
    learner: String,
    /// The course's short name.
    #[arg(long)]
    course: String,
    /// When it was completed (RFC 3339 with its offset, or YYYY-MM-DD); default: now.
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    now: Now,
}

fn learner_ids(r: &Reader, id_numbers: &[String]) -> anyhow::Result<Vec<i64>> {
    Ok(id_numbers
        .iter()
        .map(|l| names::learner(r, l))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Assigns learners, a group or a CSV roster to a program.
pub fn assign(args: AssignArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let (due, who) = (args.due.as_deref(), &args.who);
    let r = db.reader()?;
    let program = names::program(&r, &args.program)?;
    let mut w = db.writer()?;
    let s = if let Some(g) = &who.group {
        enrolment::assign_group(&mut w, now, program, names::group(&r, g)?, due)?
    } else if let Some(file) = &who.roster {
        let file = file.display().to_string();
        if args.dry_run {
            let p = enrolment::preview_roster(&r, program, &file)?;
            return out.print(&p, || {
                let mut s = format!(
                    "{} rows: {} would be assigned, {} already members, {} bad",
                    p.rows,
                    p.new,
                    p.updated,
                    p.problems.len()
                );
                for x in &p.problems {
                    s.push_str(&format!("\n  {x}"));
                }
                s
            });
        }
        enrolment::assign_roster(&mut w, now, program, &file, due)?
    } else {
        enrolment::assign_learners(&mut w, now, program, &learner_ids(&r, &who.learner)?, due)?
    };
    out.print(&s, || {
        format!(
            "{} assigned, {} already members, {} exceptions raised",
            s.added, s.already, s.exceptions
        )
    })
}

/// Removes learners' individual assignment, or a group's, from a program.
pub fn unassign(args: UnassignArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let r = db.reader()?;
    let program = names::program(&r, &args.program)?;
    let mut w = db.writer()?;
    let s = match &args.who.group {
        Some(g) => enrolment::unassign_group(&mut w, now, program, names::group(&r, g)?)?,
        None => enrolment::unassign_learners(
            &mut w,
            now,
            program,
            &learner_ids(&r, &args.who.learner)?,
        )?,
    };
    out.print(&s, || {
        format!(
            "{} memberships ended, {} kept through another assignment",
            s.ended, s.kept
        )
    })
}

/// Records one course completion.
pub fn complete(args: CompleteArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let at = args
        .at
        .as_deref()
        .map(parse_instant)
        .transpose()?
        .unwrap_or(now);
    let r = db.reader()?;
    let learner = names::learner(&r, &args.learner)?;
    let course = names::course(&r, &args.course)?;
    let s = enrolment::record_completion(&mut db.writer()?, now, learner, course, at)?;
    out.print(&s, || {
        format!(
            "{} completion recorded; {} programs completed, {} certified",
            s.recorded, s.engine.completed, s.engine.certified
        )
    })
}
