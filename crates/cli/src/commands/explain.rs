//! `explain`: why a learner got, will get, or did not get each message of a program.

use certdesk_core::api::explain::{self, ExplainArgs, Explanation};
use certdesk_core::Db;

use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The learner (id number).
    #[arg(long, value_name = "IDNUMBER", required_unless_present = "membership")]
    pub learner: Option<String>,
    /// The program (short name or id).
    #[arg(long, value_name = "SHORT", required_unless_present = "membership")]
    pub program: Option<String>,
    /// Or the membership (its id, as `log` lists it).
    #[arg(long, value_name = "ID", conflicts_with_all = ["learner", "program"])]
    pub membership: Option<i64>,
    #[command(flatten)]
    pub now: super::Now,
}

pub fn run(a: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let args = ExplainArgs {
        learner: a.learner.unwrap_or_default(),
        program: a.program.unwrap_or_default(),
        membership: a.membership,
    };
    let e = explain::explain(&*db.reader()?, a.now.get()?, &args)?;
    out.print(&e, || text(&e))
}

fn text(e: &Explanation) -> String {
    let mut s = format!(
        "{} ({}) in {} ({}), status {}, as of {}\n\nTimeline:\n",
        e.learner, e.learner_id_number, e.program_name, e.program, e.status, e.now
    );
    for l in &e.timeline {
        let later = if l.future { " (to come)" } else { "" };
        s.push_str(&format!("  {}  {}{later}\n", l.at, l.text));
    }
    s.push_str("\nRules:\n");
    for r in &e.rules {
        s.push_str(&format!("  #{} {}: {}\n", r.rule_id, r.rule, r.sentence));
    }
    s.trim_end().to_string()
}
