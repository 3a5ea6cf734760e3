//! `assign`, `unassign` and `complete`: memberships and course completions, one at a time.

use certdesk_core::enrolment::completion::{record_completions, Completion};
use certdesk_core::{enrolment, names, time::parse_date, Db};

use super::{parse_instant, Now};
use crate::output::Output;

/// Who is assigned or unassigned.
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

/// Arguments of `assign`.
#[derive(clap::Args, Debug)]
pub struct AssignArgs {
    /// The program's short name.
    #[arg(long)]
    program: String,
    #[command(flatten)]
    who: Who,
    /// Due date (YYYY-MM-DD, end of that day for each learner); default: the program's rule.
    #[arg(long)]
    due: Option<String>,
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
    /// When it was completed (RFC 3339 or YYYY-MM-DD); default: now.
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    now: Now,
}

/// Assigns learners or a group to a program.
pub fn assign(args: AssignArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let due = args.due.as_deref().map(parse_date).transpose()?;
    let s = db.writer()?.write(|tx| {
        let program = names::program(tx, &args.program)?;
        match &args.who.group {
            Some(g) => enrolment::assign_group(tx, now, program, names::group(tx, g)?, due),
            None => {
                let ids = args
                    .who
                    .learner
                    .iter()
                    .map(|l| names::learner(tx, l))
                    .collect::<Result<Vec<_>, _>>()?;
                enrolment::assign(tx, now, program, &ids, due)
            }
        }
    })?;
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
    let s = db.writer()?.write(|tx| {
        let program = names::program(tx, &args.program)?;
        match &args.who.group {
            Some(g) => enrolment::unassign_group(tx, now, program, names::group(tx, g)?),
            None => {
                let ids = args
                    .who
                    .learner
                    .iter()
                    .map(|l| names::learner(tx, l))
                    .collect::<Result<Vec<_>, _>>()?;
                enrolment::unassign(tx, now, program, &ids)
            }
        }
    })?;
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
    let s = db.writer()?.write(|tx| {
        let c = Completion {
            learner_id: names::learner(tx, &args.learner)?,
            course_id: names::course(tx, &args.course)?,
            completed_at: at,
        };
        record_completions(tx, now, &[c])
    })?;
    out.print(&s, || {
        format!(
            "{} completion recorded; {} programs completed, {} certified",
            s.recorded, s.engine.completed, s.engine.certified
        )
    })
}
