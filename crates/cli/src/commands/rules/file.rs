//! Rules files (`rules export`, `rules import`): a program's rules as JSON or TOML, to keep
//! in version control and apply to one or more programs.

use std::path::Path;

use certdesk_core::api::rules;
use certdesk_core::notify::rules_file::{FileFormat, RulesFile};
use certdesk_core::{names, Db};

use super::Now;
use crate::output::Output;

/// Prints a program's rules as a rules file.
pub(super) fn export(db: &Db, program: &str, format: &str) -> anyhow::Result<()> {
    let r = db.reader()?;
    let file = rules::export(&r, names::program(&r, program)?)?;
    let format = if format == "toml" {
        FileFormat::Toml
    } else {
        FileFormat::Json
    };
    print!("{}", file.to_text(format)?.trim_end());
    println!();
    Ok(())
}

/// Makes the rules of `program` (or of the program the file names) those of `file`.
pub(super) fn import(
    db: &Db,
    out: &Output,
    file: &Path,
    program: &[String],
    now: &Now,
) -> anyhow::Result<()> {
    let now = now.get()?;
    let path = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?;
    let parsed = RulesFile::parse(&text, FileFormat::from_path(&path))?;
    let ids = {
        let r = db.reader()?;
        program
            .iter()
            .map(|p| names::program(&r, p))
            .collect::<Result<Vec<_>, _>>()?
    };
    let done = rules::import(&mut db.writer()?, &ids, &parsed, now)?;
    out.print(&done, || {
        done.iter()
            .map(|d| {
                format!(
                    "{}: {} added, {} updated, {} deleted",
                    d.program, d.added, d.updated, d.deleted
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}
