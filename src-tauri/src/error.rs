//! The error every command returns: `{kind, message}`, so the UI branches on `kind`.

use certdesk_core::ErrorKind;
use serde::Serialize;

#[derive(Debug, Serialize, specta::Type)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    /// For `invalid`: the input at fault (e.g. `short_name`, `certification_path.1.courses`),
    /// so a form can show the message beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub field: Option<String>,
    /// For `invalid`: what is wrong, without the field name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub reason: Option<String>,
}

impl From<certdesk_core::Error> for CommandError {
    fn from(e: certdesk_core::Error) -> Self {
        let (field, reason) = match &e {
            certdesk_core::Error::Invalid { field, reason } => {
                (Some(field.clone()), Some(reason.clone()))
            }
            _ => (None, None),
        };
        CommandError {
            kind: e.kind(),
            message: e.to_string(),
            field,
            reason,
        }
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        CommandError {
            kind: ErrorKind::Io,
            message: e.to_string(),
            field: None,
            reason: None,
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

impl From<tauri_plugin_autostart::Error> for CommandError {
    fn from(e: tauri_plugin_autostart::Error) -> Self {
        CommandError {
            kind: ErrorKind::Io,
            message: format!("start at login: {e}"),
            field: None,
            reason: None,
        }
    }
}
