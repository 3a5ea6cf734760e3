//! `backup` and `restore`: a consistent copy of the store while it is in use, and back.

use std::path::PathBuf;

use certdesk_core::api::store::{self, RestoreSummary};
use certdesk_core::store::backup::BackupSummary;
use certdesk_core::{Clock, Db, SystemClock};

use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// Where to write the copy, a full path (replaced if it exists).
    #[arg(value_name = "FILE")]
    to: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// A backup made by `certdesk-cli backup` or the app's File > Back up (a full path).
    #[arg(value_name = "FILE")]
    from: PathBuf,
}

pub fn backup(args: BackupArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let s = store::backup(db, &args.to.display().to_string())?;
    out.print(&s, || describe("backed up to", &s))
}

pub fn restore(args: RestoreArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let s = store::restore(db, &args.from.display().to_string(), SystemClock.now())?;
    out.print(&s, || describe_restore(&s))
}

fn describe_restore(s: &RestoreSummary) -> String {
    format!(
        "restored from {}: {} learners, {} messages sent, schema {}\n\
         {} messages already sent were marked sent, {} sent since the backup were added to the log, \
         {} queued messages were rendered again from the restored rules, {} they no longer produce \
         were logged as skipped, {} others will be formatted again\n\
         sending is PAUSED: {}\ncheck the SMTP settings (certdesk-cli smtp show), then: certdesk-cli smtp resume",
        s.path,
        s.learners,
        s.messages_sent,
        s.schema_version,
        s.carried_sent,
        s.added_sent,
        s.rendered_again,
        s.dropped,
        s.requeued,
        s.paused_reason
    )
}

fn describe(what: &str, s: &BackupSummary) -> String {
    format!(
        "{what} {}: {} learners, {} messages sent, schema {}",
        s.path, s.learners, s.messages_sent, s.schema_version
    )
}
