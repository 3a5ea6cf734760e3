//! The hash chain: each entry's hash is the SHA-256 of the previous entry's hash and the
//! entry's canonical content, and `verify` walks it (docs/AUDIT.md says what it can and
//! cannot detect).

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::head;
use crate::Result;

/// An entry's content, as hashed: every column but the two hashes.
pub(super) struct Content<'a> {
    pub id: i64,
    pub at: i64,
    pub os_user: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (lower-case hex) of `prev`, a newline, and the content as a compact JSON array
/// `[id, at, os_user, action, subject, before, after]` (before and after as their stored
/// JSON text, or null).
pub(super) fn hash(prev: &str, c: &Content<'_>) -> String {
    let canonical =
        serde_json::json!([c.id, c.at, c.os_user, c.action, c.subject, c.before, c.after])
            .to_string();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What is wrong with the trail, at the first entry found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The entry's content or hash was changed after it was written.
    Altered,
    /// The entry is gone (an id gap, a broken link, or a cut-off tail).
    Missing,
    /// The chain's head (the `audit.head` setting) is gone or does not match the last entry.
    Head,
}

/// The first problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Problem {
    /// The entry that was altered, or the first one missing.
    pub entry_id: i64,
    pub kind: ProblemKind,
    pub detail: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Verification {
    pub ok: bool,
    /// Entries checked (all of them when `ok`).
    pub count: u32,
    pub problem: Option<Problem>,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Walks the whole trail from its first entry and reports the first altered or missing
/// entry, or OK with the number of entries.
///
/// # Errors
/// Database errors.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut st = conn.prepare(
        "SELECT id, at, os_user, action, subject, before, after, prev_hash, hash
         FROM audit_entry ORDER BY id",
    )?;
    let mut rows = st.query([])?;
    let (mut last_id, mut last_hash, mut count) = (0_i64, String::new(), 0_u32);
    while let Some(r) = rows.next()? {
        let row: Row = (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
        );
        let (id, at, user, action, subject, before, after, prev, stored) = row;
        if id != last_id + 1 {
            let detail = format!("entries {} to {} are missing", last_id + 1, id - 1);
            return Ok(fail(count, last_id + 1, ProblemKind::Missing, detail));
        }
        let content = Content {
            id,
            at,
            os_user: &user,
            action: &action,
            subject: &subject,
            before: before.as_deref(),
            after: after.as_deref(),
        };
        if hash(&prev, &content) != stored {
            let detail = format!("entry {id} ({action}) was changed after it was written");
            return Ok(fail(count, id, ProblemKind::Altered, detail));
        }
        if prev != last_hash {
            let detail = format!(
                "entry {id} does not follow entry {last_id}: an entry between them was \
                 removed or replaced"
            );
            return Ok(fail(count, id, ProblemKind::Missing, detail));
        }
        (last_id, last_hash) = (id, stored);
        count += 1;
    }
    check_head(conn, last_id, &last_hash, count)
}

/// After a whole walk: the head names the last entry, or the tail was cut off or the head
/// changed.
fn check_head(
    conn: &Connection,
    last_id: i64,
    last_hash: &str,
    count: u32,
) -> Result<Verification> {
    Ok(match head(conn)? {
        None if last_id == 0 => ok(count),
        None => fail(
            count,
            last_id,
            ProblemKind::Head,
            "the chain's head (setting audit.head) is missing".into(),
        ),
        Some((id, _)) if id > last_id => fail(
            count,
            last_id + 1,
            ProblemKind::Missing,
            format!(
                "entries {} to {id} are missing (the trail was cut off)",
                last_id + 1
            ),
        ),
        Some((id, h)) if id == last_id && h == last_hash => ok(count),
        Some((id, _)) if id < last_id => fail(
            count,
            id + 1,
            ProblemKind::Head,
            format!(
                "entries {} to {last_id} were added outside CertDesk (the chain's head names \
                 entry {id})",
                id + 1
            ),
        ),
        Some(_) => fail(
            count,
            last_id,
            ProblemKind::Head,
            format!("entry {last_id} does not match the chain's head: it was rewritten"),
        ),
    })
}

fn fail(count: u32, entry_id: i64, kind: ProblemKind, detail: String) -> Verification {
    Verification {
        ok: false,
        count,
        problem: Some(Problem {
            entry_id,
            kind,
            detail,
        }),
    }
}

fn ok(count: u32) -> Verification {
    Verification {
        ok: true,
        count,
        problem: None,
    }
}
