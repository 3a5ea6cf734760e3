//! `program SHORT_NAME`: one program or certification as the editor sees it (its course sets,
//! due-date rule and certification settings).

use certdesk_core::program::program_draft;
use certdesk_core::{names, Db};

use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program's short name.
    pub short_name: String,
}

pub fn show(a: Args, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    let d = program_draft(&r, names::program(&r, &a.short_name)?)?;
    out.print(&d, || {
        let mut s = format!("{} ({}), {:?}\n", d.full_name, d.short_name, d.kind);
        for (path, sets) in [
            ("certification", &d.certification_path),
            ("recertification", &d.recertification_path),
        ] {
            for (i, set) in sets.iter().enumerate() {
                s.push_str(&format!(
                    "  {path} set {}: {} {:?}, {} h, courses {:?}, then {:?}\n",
                    i + 1,
                    set.label,
                    set.rule,
                    set.min_time_hours,
                    set.courses,
                    set.operator
                ));
            }
        }
        s.trim_end().to_string()
    })
}
