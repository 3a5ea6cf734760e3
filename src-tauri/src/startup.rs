//! Finding and opening the store when the app starts.

use std::path::PathBuf;

use certdesk_core::{store, Clock, Db};
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

/// The store named by `--db` or `$CERTDESK_DB`, if any (else the default one is used).
pub fn explicit_db() -> Option<PathBuf> {
    db_arg().or_else(|| {
        std::env::var_os(store::location::DB_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The D-Bus name suffix that makes "one instance at a time" mean one per store on Linux:
/// `None` for the default store, a name derived from the path for `--db`/`$CERTDESK_DB`, so
/// that an instance on another store (a test, a second organisation) starts on its own.
pub fn instance_id() -> Option<String> {
    use std::hash::{Hash, Hasher};
    let path = explicit_db()?;
    let path = std::path::absolute(&path).unwrap_or(path);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    Some(format!("com.certdesk.app.store_{:016x}", h.finish()))
}

/// Opens the store. A store named by `--db`/`$CERTDESK_DB` that did not exist yet is filled
/// with the demo data, so the app is useful at first sight; one the app creates in the
/// data folder starts empty and waits for the first-run choice (demo, empty, or an existing
/// file), which the UI offers. When the data folder points at a file that is gone (an
/// unmounted drive), the app opens the folder's own store and asks again, rather than
/// creating an empty file in its place.
pub fn open_store(app: &AppHandle, clock: &dyn Clock) -> Result<Db, Box<dyn std::error::Error>> {
    if let Some(path) = explicit_db() {
        let fresh = !path.exists();
        let db = Db::open(&path)?;
        if fresh {
            certdesk_core::demo::create_demo(&mut db.writer()?, clock.now())?;
        }
        return Ok(db);
    }
    let folder = app.path().app_data_dir()?;
    let (path, lost) = match store::location::in_folder(&folder) {
        Ok(p) => (p, false),
        Err(e) => {
            eprintln!("certdesk: {e}");
            (folder.join(store::location::FILE_NAME), true)
        }
    };
    let fresh = !path.exists();
    let db = Db::open(&path)?;
    if fresh || lost {
        db.writer()?
            .write(|tx| certdesk_core::app::mark_first_run_pending(tx))?;
    }
    Ok(db)
}
