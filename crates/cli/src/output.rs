//! Printing results and errors, as text for people or JSON for scripts.

use std::io::Write;

use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or the text `text` builds.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let shown = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text()
        };
        emit(&shown)
    }

    /// Prints `value` as JSON, with or without `--json` (for output that is JSON only).
    pub fn print_json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        emit(&serde_json::to_string_pretty(value)?)
    }

    /// Reports a failure on stderr; with `--json`, as `{"error": {"kind", "message"}}`.
    pub fn error(&self, e: &anyhow::Error) {
        let kind = e
            .downcast_ref::<certdesk_core::Error>()
            .map_or("internal".to_string(), |c| {
                serde_json::to_value(c.kind())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            });
        if self.json {
            let v = serde_json::json!({ "error": { "kind": kind, "message": format!("{e:#}") } });
            eprintln!("{v}");
        } else {
            eprintln!("certdesk-cli: {e:#}");
        }
    }
}

/// Reports a usage error (a clap error) and returns the exit code: 0 for `--help` and
/// `--version`, 2 otherwise. With `--json` anywhere on the line, as
/// `{"error": {"kind": "usage", "message"}}` on stderr.
pub fn usage_error(e: &clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return std::process::ExitCode::SUCCESS;
    }
    if std::env::args().any(|a| a == "--json") {
        let message = e.render().to_string();
        let message = message
            .trim()
            .trim_start_matches("error: ")
            .lines()
            .take_while(|l| !l.starts_with("For more information"))
            .collect::<Vec<_>>()
            .join("\n");
        let v = serde_json::json!({ "error": { "kind": "usage", "message": message.trim() } });
        eprintln!("{v}");
    } else {
        let _ = e.print();
    }
    std::process::ExitCode::from(2)
}

fn emit(shown: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{shown}") {
        // `certdesk-cli ... | head` closing the pipe early is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
