//! The audit trail (issue 13 part 4, docs/AUDIT.md): every change a person makes, appended
//! in the transaction of the change itself with when, the OS user, the action, its subject
//! and the values before and after, hash-chained so that `verify` finds an altered, missing
//! or cut-off entry.
//!
//! Who makes the changes is an [`Actor`]: the OS user read once at the edge (the CLI's
//! `main`, the desktop's start-up) and a clock, carried by the [`crate::Db`] and its
//! writers, as the clock is carried by the desktop's state. Recording a change is one call
//! inside the change's own transaction:
//!
//! ```ignore
//! let who = w.actor();
//! w.write(|tx| {
//!     let id = admins::add_site_admin(tx, name, email)?;
//!     audit::record(tx, &who, &Entry::new("admins.add", email).after(json!({ "name": name })))?;
//!     Ok(id)
//! })
//! ```
//!
//! so an entry exists exactly when its change committed. Automatic work (`run(now)`, sends)
//! is not recorded: it is no person's change.

mod chain;
pub mod query;

use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;

use crate::{Clock, Result, SystemClock};

pub use chain::{verify, Problem, ProblemKind, Verification};

/// The setting that holds the chain's head: `"<last id> <last hash>"`.
pub(crate) const HEAD: &str = "audit.head";

/// Who makes the changes a writer records, and the clock that dates them.
#[derive(Clone)]
pub struct Actor {
    /// The operating-system user (`$USER`, `$USERNAME`), read at the edge.
    pub user: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor").field("user", &self.user).finish()
    }
}

impl Actor {
    pub fn new(user: impl Into<String>, clock: Arc<dyn Clock>) -> Actor {
        Actor {
            user: user.into(),
            clock,
        }
    }

    /// The actor of a store opened without one: user "unknown", the system clock.
    pub fn unknown() -> Actor {
        Actor::new("unknown", Arc::new(SystemClock))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// The operating-system user: `$USER`, `$USERNAME` (Windows) or `$LOGNAME`, else (a cron
/// job or a service, which may set none) the name of this process's user id in
/// `/etc/passwd`, else "unknown". For the edges (the CLI's `main`, the desktop's start-up)
/// only; the core takes an [`Actor`].
pub fn os_user_from_env() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(user_of_process)
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn user_of_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid.to_string()).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

#[cfg(not(unix))]
fn user_of_process() -> Option<String> {
    None
}

/// One change to record: an action name (`area.verb`, e.g. `rules.save`), what it changed
/// (a name or id people recognise) and the values that changed, as compact JSON. For bulk
/// changes give counts and ids, never the rows themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub action: &'static str,
    pub subject: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Entry {
    pub fn new(action: &'static str, subject: impl ToString) -> Entry {
        Entry {
            action,
            subject: subject.to_string(),
            before: None,
            after: None,
        }
    }

    /// The values before the change.
    #[must_use]
    pub fn before(mut self, v: impl Serialize) -> Entry {
        self.before = Some(serde_json::to_value(v).unwrap_or(Value::Null));
        self
    }

    /// The values after the change.
    #[must_use]
    pub fn after(mut self, v: impl Serialize) -> Entry {
        self.after = Some(serde_json::to_value(v).unwrap_or(Value::Null));
        self
    }
}

impl Entry {
    /// The values before and after, keeping only the fields that changed when both are
    /// JSON objects (an edit of one field of a rule records that field).
    #[must_use]
    pub fn changed(mut self, before: impl Serialize, after: impl Serialize) -> Entry {
        let b = serde_json::to_value(before).unwrap_or(Value::Null);
        let a = serde_json::to_value(after).unwrap_or(Value::Null);
        (self.before, self.after) = match (b, a) {
            (Value::Object(mut b), Value::Object(mut a)) => {
                let same: Vec<String> = b
                    .iter()
                    .filter(|(k, v)| a.get(*k) == Some(*v))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in &same {
                    b.remove(k);
                    a.remove(k);
                }
                (Some(Value::Object(b)), Some(Value::Object(a)))
            }
            (b, a) => (Some(b), Some(a)),
        };
        self
    }
}

/// The chain's head: the last entry's id (= the number of entries) and hash.
pub(crate) fn head(conn: &Connection) -> Result<Option<(i64, String)>> {
    let v = crate::store::setting::get_setting(conn, HEAD)?;
    Ok(v.and_then(|v| {
        let (id, hash) = v.split_once(' ')?;
        Some((id.parse().ok()?, hash.to_string()))
    }))
}

/// Appends `e`, made by `who`, to the trail inside the caller's transaction `tx` (rolled
/// back with it). Returns the entry's id. Cheap: two indexed reads, one hash, two writes.
///
/// # Errors
/// Database errors (which roll the caller's change back: no change goes unrecorded).
pub fn record(tx: &Transaction, who: &Actor, e: &Entry) -> Result<i64> {
    let (last, prev) = match head(tx)? {
        Some(h) => h,
        // No head yet, or it was removed: continue after the last entry there is (verify
        // reports the missing head until then).
        None => tx
            .query_row(
                "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, String::new())),
    };
    let id = last + 1;
    let at = who.now().as_second();
    let before = e.before.as_ref().map(Value::to_string);
    let after = e.after.as_ref().map(Value::to_string);
    let content = chain::Content {
        id,
        at,
        os_user: &who.user,
        action: e.action,
        subject: &e.subject,
        before: before.as_deref(),
        after: after.as_deref(),
    };
    let hash = chain::hash(&prev, &content);
    tx.execute(
        "INSERT INTO audit_entry (id, at, os_user, action, subject, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, at, who.user, e.action, e.subject, before, after, prev, hash],
    )?;
    crate::store::setting::set_setting(tx, HEAD, &format!("{id} {hash}"))?;
    Ok(id)
}

/// The most ids an entry lists; beyond, it gives their count (a bulk action over 100,000
/// rows records a few bytes, not megabytes).
pub const MAX_IDS: usize = 100;

/// `ids` as an entry records them: the list up to [`MAX_IDS`], else `{"count": n}`.
pub fn ids(ids: &[i64]) -> Value {
    if ids.len() <= MAX_IDS {
        serde_json::json!(ids)
    } else {
        serde_json::json!({ "count": ids.len() })
    }
}

/// A program's short name for an entry's subject (`#id` when there is none).
///
/// # Errors
/// Database errors.
pub fn program_name(conn: &Connection, id: i64) -> Result<String> {
    let name: Option<String> = conn
        .query_row("SELECT short_name FROM program WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(name.unwrap_or_else(|| format!("#{id}")))
}

/// Gives the restored copy `staged` the live store's trail (at `live`) before it replaces
/// the live content: the trail is this store's history, so a restore does not take it back
/// to the backup's (which, from this store, is a prefix of it). Returns the entries carried.
///
/// # Errors
/// Database errors (the restore is abandoned then).
pub fn carry_over(staged: &mut Connection, live: &std::path::Path) -> Result<u32> {
    staged.execute(
        "ATTACH DATABASE ?1 AS audit_live",
        [live.to_string_lossy().as_ref()],
    )?;
    let carried = (|| -> Result<u32> {
        let tx = staged.transaction()?;
        tx.execute("DELETE FROM main.audit_entry", [])?;
        let n = tx.execute(
            "INSERT INTO main.audit_entry
                 (id, at, os_user, action, subject, before, after, prev_hash, hash)
             SELECT id, at, os_user, action, subject, before, after, prev_hash, hash
             FROM audit_live.audit_entry ORDER BY id",
            [],
        )?;
        tx.execute("DELETE FROM main.setting WHERE key = ?1", [HEAD])?;
        tx.execute(
            "INSERT INTO main.setting (key, value)
             SELECT key, value FROM audit_live.setting WHERE key = ?1",
            [HEAD],
        )?;
        tx.commit()?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })();
    staged.execute("DETACH DATABASE audit_live", [])?;
    carried
}
