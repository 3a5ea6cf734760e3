//! `program SHORT_NAME`: one program or certification as the editor sees it (its course sets,
//! due-date rule and certification settings), in words; with `--json`, the editor's draft.

use certdesk_core::api::catalog;
use certdesk_core::program::catalog::{CourseSetView, ProgramSummary};
use certdesk_core::program::certification::{CertSettings, Method};
use certdesk_core::program::{DueDraft, DueFrom, DueKind, ProgramKind};
use certdesk_core::{names, Db};

use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program's short name.
    pub short_name: String,
}

pub fn show(a: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    let id = names::program(&r, &a.short_name)?;
    let d = catalog::program_draft(&r, id)?;
    if out.json {
        return out.print_json(&d);
    }
    let sets = catalog::course_sets(&r, id)?;
    let programs = catalog::programs(&r)?;
    out.print(&d, || {
        let kind = match d.kind {
            ProgramKind::Certification => "certification",
            ProgramKind::Program => "program",
        };
        let mut s = format!("{} ({}), {kind}\n", d.full_name, d.short_name);
        s.push_str(&format!("  due: {}\n", due_words(&d.due, &programs)));
        if let (ProgramKind::Certification, Some(c)) = (d.kind, &d.cert) {
            s.push_str(&format!("  {}\n", cert_words(c)));
        }
        for path in ["certification", "recertification"] {
            let on_path: Vec<&CourseSetView> = sets.iter().filter(|x| x.path == path).collect();
            if !on_path.is_empty() {
                s.push_str(&format!("  {path} path:\n"));
            }
            for (i, set) in on_path.iter().enumerate() {
                s.push_str(&format!("    {}. {}\n", i + 1, set_words(set)));
                if i + 1 < on_path.len() {
                    let op = set.next_operator.as_deref().unwrap_or("then");
                    s.push_str(&format!("       {op}\n"));
                }
            }
        }
        s.trim_end().to_string()
    })
}

/// "60 days after assignment", "on 2026-03-02", "none".
fn due_words(due: &DueDraft, programs: &[ProgramSummary]) -> String {
    match due.kind {
        DueKind::None => "no due date".to_string(),
        DueKind::Fixed => format!("on {}", due.date),
        DueKind::Relative => {
            let from = match due.from {
                DueFrom::Assignment => "assignment".to_string(),
                DueFrom::ProgramCompletion => {
                    let p = programs
                        .iter()
                        .find(|p| Some(p.id) == due.program_id)
                        .map_or("another program", |p| p.short_name.as_str());
                    format!("completing {p}")
                }
                DueFrom::ProfileField => format!("the learner's {}", due.field),
            };
            format!("{} after {from}", due.after)
        }
    }
}

/// "certified for 1 year; window opens 2 months before expiry; next expiry from the ...".
fn cert_words(c: &CertSettings) -> String {
    let method = match c.method {
        Method::CompletionDate => "the completion date".to_string(),
        Method::ExpiryDate => "the previous expiry date when on time".to_string(),
        Method::FixedExpiryDate => match &c.min_active {
            Some(m) => format!("fixed anniversaries (at least {m} left)"),
            None => "fixed anniversaries".to_string(),
        },
    };
    format!(
        "certified for {}; recertification window opens {} before expiry; next expiry from {method}",
        c.active, c.window
    )
}

/// "Initial: all courses of FA101, FA102; at least 14 days".
fn set_words(set: &CourseSetView) -> String {
    let courses: Vec<&str> = set.courses.iter().map(|c| c.short_name.as_str()).collect();
    let mut s = format!("{}: {} of {}", set.label, set.rule, courses.join(", "));
    if set.min_time_hours > 0.0 {
        s.push_str(&format!(
            "; takes at least {}",
            hours_words(set.min_time_hours)
        ));
    }
    s
}

/// 336 → "14 days", 8 → "8 hours", 1.5 → "1.5 hours".
fn hours_words(h: f64) -> String {
    let plural = |n: f64, unit: &str| {
        if n == 1.0 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if h >= 24.0 && h % 24.0 == 0.0 {
        plural(h / 24.0, "day")
    } else {
        plural(h, "hour")
    }
}
