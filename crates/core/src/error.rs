//! The one error type of the domain. Callers branch on [`Error::kind`], never on the text.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{path} is not a CertDesk store")]
    NotAStore { path: String },
    #[error(
        "{path} was written by a newer CertDesk (schema {found}; this version knows up to {known})"
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("the store already holds data; demo data goes only into an empty store")]
    NotEmpty,
    #[error("{what} not imported (nothing was written):\n{}", problem_lines(.problems))]
    Rejected {
        what: String,
        problems: Vec<RowProblem>,
    },
    #[error("unknown placeholder %{name}% in {field}")]
    UnknownPlaceholder { field: String, name: String },
    #[error("SMTP is not configured: {0}")]
    SmtpNotConfigured(String),
    #[error("SMTP error: {0}")]
    Smtp(String),
    #[error("password store: {0}")]
    SecretStore(String),
    #[error("{sent} message(s) caused by batch {batch} were already sent; confirm to undo the rest (the sent ones stay sent)")]
    NeedsConfirmation { batch: i64, sent: u32 },
    #[error("batch {batch} was already undone")]
    AlreadyUndone { batch: i64 },
    /// An OAuth sign-in that did not complete: refused, timed out, or a forged redirect.
    #[error("sign-in failed: {0}")]
    SignIn(String),
    #[error("the audit trail does not verify at entry {entry_id}: {detail}")]
    AuditBroken { entry_id: i64, detail: String },
}

/// One bad row of an import: where it is (line 1 is the header of a CSV file) and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowProblem {
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn problem_lines(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Database(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull =>
            {
                ErrorKind::DiskFull
            }
            Error::Database(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                ErrorKind::Busy
            }
            Error::Database(_) => ErrorKind::Database,
            Error::Io(_) => ErrorKind::Io,
            Error::NotAStore { .. } => ErrorKind::NotAStore,
            Error::NewerSchema { .. } => ErrorKind::NewerSchema,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::NotEmpty => ErrorKind::NotEmpty,
            Error::Rejected { .. } => ErrorKind::Rejected,
            Error::UnknownPlaceholder { .. } => ErrorKind::UnknownPlaceholder,
            Error::SmtpNotConfigured(_) => ErrorKind::SmtpNotConfigured,
            Error::Smtp(_) => ErrorKind::Smtp,
            Error::SecretStore(_) => ErrorKind::SecretStore,
            Error::NeedsConfirmation { .. } => ErrorKind::NeedsConfirmation,
            Error::AlreadyUndone { .. } => ErrorKind::AlreadyUndone,
            Error::SignIn(_) => ErrorKind::SignIn,
            Error::AuditBroken { .. } => ErrorKind::AuditBroken,
        }
    }
}

/// What went wrong, as a stable code the UI and scripts can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Database,
    DiskFull,
    Busy,
    Io,
    NotAStore,
    NewerSchema,
    NotFound,
    Invalid,
    NotEmpty,
    /// An import with bad rows: nothing was written.
    Rejected,
    UnknownPlaceholder,
    SmtpNotConfigured,
    Smtp,
    SecretStore,
    /// An undo whose action already caused messages that were sent: ask, then undo the rest.
    NeedsConfirmation,
    /// A batch undone once already.
    AlreadyUndone,
    /// An OAuth sign-in (Microsoft, Google) that did not complete.
    SignIn,
    /// The audit trail's hash chain found an altered or missing entry.
    AuditBroken,
}
