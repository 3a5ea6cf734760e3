//! `forecast`: what the runs would send in the next days if nothing changes.

use certdesk_core::api::forecast::{self, Forecast, ForecastArgs};
use certdesk_core::Db;

use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many days ahead (1 to 366).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Only this program (short name).
    #[arg(long, value_name = "SHORT")]
    pub program: Option<String>,
    /// Only this trigger (assigned, due_date, expiry ...).
    #[arg(long, value_name = "T")]
    pub trigger: Option<String>,
    /// Only the messages about this learner (id number).
    #[arg(long, value_name = "IDNUMBER")]
    pub learner: Option<String>,
    /// List the messages of this UTC day (YYYY-MM-DD) rather than the first ones.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub day: Option<String>,
    /// The most messages listed.
    #[arg(long, default_value_t = forecast::DEFAULT_LIMIT)]
    pub limit: u32,
    #[command(flatten)]
    pub now: super::Now,
}

pub fn run(a: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let args = ForecastArgs {
        days: a.days,
        program: a.program,
        trigger: a.trigger,
        learner: a.learner,
        day: a.day,
        limit: Some(a.limit),
    };
    let f = forecast::forecast(&*db.reader()?, a.now.get()?, &args)?;
    out.print(&f, || text(&f))
}

fn text(f: &Forecast) -> String {
    let mut s = format!("{} messages from {} to {}\n", f.total, f.from, f.to);
    let most = f.days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    for d in &f.days {
        let bar = "#".repeat(((u64::from(d.count) * 40).div_ceil(u64::from(most))) as usize);
        s.push_str(&format!("{}  {:>6}  {bar}\n", d.date, d.count));
    }
    for m in &f.messages {
        s.push_str(&format!(
            "{}  ({})  {:<9} {:<8} {:<7} {} ({}) -> {}{} #{}\n",
            m.at,
            m.local_at,
            m.trigger,
            m.program,
            m.recipient_kind,
            m.learner,
            m.learner_id_number,
            m.email,
            if m.digest { " [digest]" } else { "" },
            m.reminder_no
        ));
    }
    if f.truncated {
        s.push_str("(more messages not listed: use --day or --limit)\n");
    }
    s.trim_end().to_string()
}
