//! Finding and opening the store when the app starts.

use std::path::PathBuf;

use certdesk_core::{location, Clock, Db};
use tauri::{AppHandle, Manager};

/// `--db PATH` from the command line, if given.
fn db_arg() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.to_str().and_then(|s| s.strip_prefix("--db=")) {
            return Some(PathBuf::from(p));
        }
    }
    None
}

/// Opens the store; a store that did not exist yet is filled with the demo data, so the
/// app is useful at first sight.
pub fn open_store(app: &AppHandle, clock: &dyn Clock) -> Result<Db, Box<dyn std::error::Error>> {
    let path = match db_arg() {
        Some(p) => p,
        None => match std::env::var_os(location::DB_ENV).filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => app.path().app_data_dir()?.join(location::FILE_NAME),
        },
    };
    let fresh = !path.exists();
    let db = Db::open(&path)?;
    if fresh {
        certdesk_core::demo::create_demo(&mut db.writer()?, clock.now())?;
    }
    Ok(db)
}
