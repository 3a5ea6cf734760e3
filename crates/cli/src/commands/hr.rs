//! The HR drop folder: `sync` (take the folder's ready files now), `hr-files` (the recent
//! ones, or one file's report with `--report ID`). The folder is set with `settings
//! drop-folder`.

use certdesk_core::api::drop_folder as api;
use certdesk_core::enrolment::drop_folder::{HrFileOutcome, HrOutcome};
use certdesk_core::Db;

use crate::output::Output;

/// Arguments of `sync`.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    now: super::Now,
}

/// Arguments of `hr-files`.
#[derive(clap::Args, Debug)]
pub struct FilesArgs {
    /// Print the report of this file (its id as listed) instead of the list.
    #[arg(long, value_name = "ID")]
    report: Option<i64>,
}

/// One line per file taken.
pub fn outcome_line(f: &HrFileOutcome) -> String {
    let what = match f.outcome {
        HrOutcome::Imported => format!("imported {} rows", f.rows),
        HrOutcome::Rejected => format!("rejected, {} problems", f.problems),
        HrOutcome::Duplicate => "duplicate of a file already imported".to_string(),
    };
    let moved = match (&f.moved_to, &f.move_error) {
        (Some(to), _) => format!(" -> {to}"),
        (None, Some(e)) => format!(" (not moved: {e})"),
        (None, None) => String::new(),
    };
    format!("#{} {} ({}): {what}{moved}", f.id, f.name, f.kind.as_str())
}

/// `sync`: takes the drop folder's ready files now.
pub fn sync(a: SyncArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let s = api::sync(&mut db.writer()?, a.now.get()?)?;
    out.print(&s, || {
        let Some(folder) = &s.folder else {
            return "no drop folder set (certdesk-cli settings drop-folder PATH)".to_string();
        };
        let mut lines = vec![format!(
            "drop folder {folder}: {} files taken",
            s.files.len()
        )];
        lines.extend(s.files.iter().map(outcome_line));
        if !s.waiting.is_empty() {
            lines.push(format!(
                "still being written, left for the next sync: {}",
                s.waiting.join(", ")
            ));
        }
        lines.join("\n")
    })
}

/// `hr-files`: the recent HR files, or one file's report.
pub fn files(a: FilesArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    if let Some(id) = a.report {
        let report = api::report(&r, id)?;
        return out.print(&serde_json::json!({ "id": id, "report": report }), || {
            report.trim_end().to_string()
        });
    }
    let list = api::files(&r)?;
    out.print(&list, || {
        if list.is_empty() {
            return "no HR files taken yet".to_string();
        }
        list.iter()
            .map(|f| {
                format!(
                    "#{} {} {} ({}) {}: {} rows, {} problems{}",
                    f.id,
                    f.taken_at,
                    f.name,
                    f.kind.as_str(),
                    f.outcome.as_str(),
                    f.rows,
                    f.problems,
                    f.moved_to
                        .as_ref()
                        .map_or(" (not moved)".to_string(), |m| format!(" -> {m}"))
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}
