//! Where the store lives: `--db PATH`, else `$CERTDESK_DB`, else the OS application-data
//! folder (the same folder the desktop app's `app_data_dir` names).

use std::path::PathBuf;

/// The bundle identifier; also the name of the application-data folder.
pub const IDENTIFIER: &str = "com.certdesk.app";
/// The environment variable that overrides the default location.
pub const DB_ENV: &str = "CERTDESK_DB";
pub const FILE_NAME: &str = "certdesk.sqlite";

/// The store path to use, from an explicit `--db`, the environment, or the OS default.
pub fn resolve(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| {
            std::env::var_os(DB_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(default_path)
}

/// `<data dir>/com.certdesk.app/certdesk.sqlite`, e.g. `~/.local/share/...` on Linux,
/// `%APPDATA%\...` on Windows, `~/Library/Application Support/...` on macOS.
pub fn default_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(IDENTIFIER)
        .join(FILE_NAME)
}
