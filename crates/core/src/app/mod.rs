//! The desktop app's own preferences, kept in the store's `setting` table beside the SMTP
//! settings, so they travel with the store (and its backups).
//!
//! The first-run choice lives here too: a store the app created in the default place starts
//! empty and "pending"; the administrator then chooses the demo data, an empty store, or an
//! existing store file, and the choice is remembered in the store. An existing file is used
//! where it is: the data folder then points at it (see [`crate::store::location`]).
//!
//! Only what the store can decide lives here. "Start at login" is a fact of the operating
//! system (an autostart entry), so the shell asks the OS rather than keeping a copy that
//! could drift.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::mail::smtp_settings::load_settings;
use crate::store::backup;
use crate::store::location;
use crate::store::setting::{get_setting, set_setting};
use crate::{Db, Error, Result};

const CLOSE_TO_TRAY: &str = "app.close_to_tray";
const FIRST_RUN: &str = "app.first_run";
const RUN_INTERVAL: &str = "app.run_interval_minutes";
/// How often the app runs the scheduler and sends when nobody chose otherwise.
pub const DEFAULT_RUN_INTERVAL_MINUTES: u32 = 1;
/// The longest run interval the administrator may choose: a day.
pub const MAX_RUN_INTERVAL_MINUTES: u32 = 24 * 60;
const PENDING: &str = "pending";

/// What the administrator chose the first time the app started on an empty data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FirstRunChoice {
    /// Explore the demo store.
    Demo,
    /// Start with an empty store.
    Empty,
    /// Use an existing store file where it is (one kept on another drive, a backup).
    Existing,
}

impl FirstRunChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            FirstRunChoice::Demo => "demo",
            FirstRunChoice::Empty => "empty",
            FirstRunChoice::Existing => "existing",
        }
    }
}

/// Marks a store the app has just created as waiting for the first-run choice.
pub fn mark_first_run_pending(conn: &Connection) -> Result<()> {
    set_setting(conn, FIRST_RUN, PENDING)
}

/// True while the first-run choice has not been made. Stores made by the CLI, by `--db`, or
/// before this version are never pending.
pub fn first_run_pending(conn: &Connection) -> Result<bool> {
    Ok(get_setting(conn, FIRST_RUN)?.as_deref() == Some(PENDING))
}

/// Carries out the first-run choice and remembers it. `Existing` needs `existing`, the
/// store file to use from now on: it is checked (and migrated), the data folder of `db` is
/// made to point at it, and it is returned for the caller to switch to.
///
/// # Errors
/// [`crate::Error::Invalid`] for `Existing` without a file or with a relative path,
/// [`crate::Error::NotFound`] for a missing file, [`crate::Error::NotAStore`] and
/// [`crate::Error::NewerSchema`] for a file this version cannot use, and the errors of
/// [`crate::demo::create_demo`]; the choice stays pending then.
pub fn choose_first_run(
    db: &Db,
    choice: FirstRunChoice,
    existing: Option<&Path>,
    now: Timestamp,
) -> Result<Option<Db>> {
    let switched = match choice {
        FirstRunChoice::Demo => {
            crate::demo::create_demo(&mut db.writer()?, now)?;
            None
        }
        FirstRunChoice::Empty => None,
        FirstRunChoice::Existing => Some(open_existing(db, existing)?),
    };
    db.writer()?
        .write(|tx| set_setting(tx, FIRST_RUN, choice.as_str()))?;
    Ok(switched)
}

fn open_existing(db: &Db, existing: Option<&Path>) -> Result<Db> {
    let path = existing.ok_or_else(|| Error::invalid("path", "choose the store file to open"))?;
    if !path.is_absolute() {
        return Err(Error::invalid(
            "path",
            "give the full path of the store file",
        ));
    }
    if !path.is_file() {
        return Err(Error::NotFound {
            what: "store file",
            key: path.display().to_string(),
        });
    }
    backup::summarise(path)?; // refuses foreign files and newer schemas before touching them
    let opened = Db::open(path)?.with_actor((*db.actor()).clone());
    let folder = db.path().parent().unwrap_or(Path::new("."));
    location::point_to(folder, path)?;
    Ok(opened)
}

/// Whether closing the window keeps CertDesk running in the system tray (so the in-app
/// timer goes on sending). The administrator's choice if they made one; otherwise on
/// exactly when SMTP sending is configured, since only then is there anything to keep
/// running for.
pub fn close_to_tray(conn: &Connection) -> Result<bool> {
    match get_setting(conn, CLOSE_TO_TRAY)?.as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Ok(load_settings(conn)?.is_some()),
    }
}

/// Records the administrator's choice; it then wins over the default.
pub fn set_close_to_tray(conn: &Connection, on: bool) -> Result<()> {
    set_setting(conn, CLOSE_TO_TRAY, if on { "true" } else { "false" })
}

/// How many minutes the desktop app's timer waits between runs (run + send).
pub fn run_interval_minutes(conn: &Connection) -> Result<u32> {
    Ok(get_setting(conn, RUN_INTERVAL)?
        .and_then(|v| v.parse().ok())
        .filter(|m| (1..=MAX_RUN_INTERVAL_MINUTES).contains(m))
        .unwrap_or(DEFAULT_RUN_INTERVAL_MINUTES))
}

/// Sets the run interval.
///
/// # Errors
/// [`Error::Invalid`] outside 1 minute to a day; nothing is written then.
pub fn set_run_interval_minutes(conn: &Connection, minutes: u32) -> Result<()> {
    if !(1..=MAX_RUN_INTERVAL_MINUTES).contains(&minutes) {
        return Err(Error::invalid(
            "run_interval_minutes",
            format!("choose between 1 and {MAX_RUN_INTERVAL_MINUTES} minutes"),
        ));
    }
    set_setting(conn, RUN_INTERVAL, &minutes.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::smtp_settings::{save_settings, Security, SmtpSettings};
    use crate::Db;

    fn smtp() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.org".into(),
            port: 587,
            security: Security::Starttls,
            username: String::new(),
            from_address: "learning@example.org".into(),
            from_name: "Learning team".into(),
            timeout_secs: 30,
            ca_cert_file: String::new(),
            allow_plain_auth: false,
        }
    }

    #[test]
    fn the_first_run_choice_is_carried_out_and_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now: Timestamp = "2026-03-01T09:00:00Z".parse().expect("now");
        let learners = |db: &Db| -> i64 {
            db.reader()
                .expect("reader")
                .query_row("SELECT count(*) FROM learner", [], |r| r.get(0))
                .expect("count")
        };

        let demo = Db::open(dir.path().join("demo.sqlite")).expect("open");
        assert!(!first_run_pending(&demo.reader().expect("r")).expect("read"));
        demo.writer()
            .expect("w")
            .write(|tx| mark_first_run_pending(tx))
            .expect("mark");
        assert!(first_run_pending(&demo.reader().expect("r")).expect("read"));
        choose_first_run(&demo, FirstRunChoice::Demo, None, now).expect("demo");
        assert!(learners(&demo) > 0);
        assert!(!first_run_pending(&demo.reader().expect("r")).expect("read"));

        let other = Db::open(dir.path().join("other.sqlite")).expect("open");
        other
            .writer()
            .expect("w")
            .write(|tx| mark_first_run_pending(tx))
            .expect("mark");
        let not_a_store = dir.path().join("notes.txt");
        std::fs::write(&not_a_store, "hello").expect("write");
        let refused = choose_first_run(&other, FirstRunChoice::Existing, Some(&not_a_store), now);
        assert!(
            matches!(refused, Err(crate::Error::NotAStore { .. })),
            "{refused:?}"
        );
        assert!(
            first_run_pending(&other.reader().expect("r")).expect("read"),
            "still asks"
        );
        assert_eq!(
            std::fs::read_to_string(&not_a_store).expect("read"),
            "hello"
        );
        assert!(location::pointed(dir.path()).expect("pointer").is_none());

        let opened = choose_first_run(
            &other,
            FirstRunChoice::Existing,
            Some(&dir.path().join("demo.sqlite")),
            now,
        )
        .expect("existing")
        .expect("switched");
        assert_eq!(
            opened.path(),
            dir.path().join("demo.sqlite"),
            "used in place"
        );
        assert_eq!(learners(&opened), learners(&demo));
        assert_eq!(
            location::in_folder(dir.path()).expect("pointer"),
            dir.path().join("demo.sqlite"),
            "the data folder now points at it, for the CLI and the next start"
        );
        assert!(!first_run_pending(&other.reader().expect("r")).expect("read"));

        let empty = Db::open(dir.path().join("empty.sqlite")).expect("open");
        empty
            .writer()
            .expect("w")
            .write(|tx| mark_first_run_pending(tx))
            .expect("mark");
        choose_first_run(&empty, FirstRunChoice::Empty, None, now).expect("empty");
        assert_eq!(learners(&empty), 0);
        assert!(!first_run_pending(&empty.reader().expect("r")).expect("read"));
    }

    #[test]
    fn close_to_tray_defaults_to_whether_sending_is_configured_until_chosen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path().join("s.sqlite")).expect("open");
        let mut w = db.writer().expect("writer");
        assert!(!close_to_tray(w.conn()).expect("read"), "no SMTP: off");

        w.write(|tx| save_settings(tx, &smtp())).expect("smtp");
        assert!(
            close_to_tray(w.conn()).expect("read"),
            "SMTP configured: on"
        );

        w.write(|tx| set_close_to_tray(tx, false)).expect("choose");
        assert!(!close_to_tray(w.conn()).expect("read"), "the choice wins");
        w.write(|tx| set_close_to_tray(tx, true)).expect("choose");
        assert!(close_to_tray(&db.reader().expect("reader")).expect("read"));
    }

    #[test]
    fn the_run_interval_is_kept_within_a_minute_and_a_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path().join("s.sqlite")).expect("open");
        let mut w = db.writer().expect("writer");
        assert_eq!(run_interval_minutes(w.conn()).expect("read"), 1);
        w.write(|tx| set_run_interval_minutes(tx, 15)).expect("set");
        assert_eq!(run_interval_minutes(w.conn()).expect("read"), 15);
        for bad in [0, MAX_RUN_INTERVAL_MINUTES + 1] {
            let refused = w.write(|tx| set_run_interval_minutes(tx, bad));
            assert!(matches!(refused, Err(Error::Invalid { .. })), "{bad}");
        }
        assert_eq!(run_interval_minutes(w.conn()).expect("read"), 15, "kept");
    }
}
