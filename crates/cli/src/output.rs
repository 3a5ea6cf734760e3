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

fn emit(shown: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{shown}") {
        // `certdesk-cli ... | head` closing the pipe early is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
