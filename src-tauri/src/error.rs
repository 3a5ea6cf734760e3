//! The error every command returns: `{kind, message}`, so the UI branches on `kind`.

use certdesk_core::ErrorKind;
use serde::Serialize;

#[derive(Debug, Serialize, specta::Type)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<certdesk_core::Error> for CommandError {
    fn from(e: certdesk_core::Error) -> Self {
        CommandError {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        CommandError {
            kind: ErrorKind::Io,
            message: e.to_string(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

impl From<tauri_plugin_autostart::Error> for CommandError {
    fn from(e: tauri_plugin_autostart::Error) -> Self {
        CommandError {
            kind: ErrorKind::Io,
            message: format!("start at login: {e}"),
        }
    }
}
