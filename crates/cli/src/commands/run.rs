//! `run`: the scheduler step, for the operating system's scheduler.

use certdesk_core::api::scheduler;
use certdesk_core::Db;

use super::Now;
use crate::output::Output;

/// Arguments of `run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    now: Now,
}

/// Advances every certification (and queues due notifications) as of `--now`.
pub fn run(args: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let now = args.now.get()?;
    let s = scheduler::run(&mut db.writer()?, now)?;
    out.print(&s, || {
        let (e, n) = (&s.engine, &s.notifications);
        let mut hr: String = s
            .hr_files
            .iter()
            .map(|f| format!("\nHR file {}", super::hr::outcome_line(f)))
            .collect();
        if let Some(err) = &s.hr_folder_error {
            hr.push_str(&format!("\nHR drop folder not synced: {err}"));
        }
        let summary = format!(
            "run at {now}: {} windows opened, {} expired, {} certified, {} completed; \
             {} messages queued, {} skipped, {} failed, {} exception alerts",
            e.windows_opened,
            e.expired,
            e.certified,
            e.completed,
            n.queued,
            n.skipped,
            n.failed,
            n.alerts
        );
        format!("{summary}{hr}")
    })
}
