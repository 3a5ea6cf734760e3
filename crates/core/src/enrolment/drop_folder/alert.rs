//! The mail to the site administrators when a sync rejects an HR file: one message to each,
//! queued in the outbox in the transaction that records the rejection, under a dedup key
//! made of the file's id, so a file is alerted exactly once whatever happens after.
//! With no administrator listed, nobody is mailed (the file and its report are in
//! `rejected/`, and the app lists it).

use jiff::Timestamp;
use rusqlite::{params, Transaction};

use crate::mail::message::{header_text, text_to_html};
use crate::mail::outbox;
use crate::notify::admins::site_admins;
use crate::time::secs;
use crate::Result;

/// Queues the rejection mail of file `file_id` (dropped as `name`, moved to `moved_to`
/// under the drop folder) to every site administrator.
pub(super) fn queue(
    tx: &Transaction,
    now: Timestamp,
    file_id: i64,
    name: &str,
    problems: u32,
    moved_to: &str,
) -> Result<()> {
    let admins = site_admins(tx)?;
    if admins.is_empty() {
        return Ok(());
    }
    let now = secs(now);
    let instance = outbox::instance_id(tx, now)?;
    let domain = crate::mail::smtp_settings::load_settings(tx)?.map_or_else(
        || "certdesk.localhost".to_string(),
        |s| s.domain().to_string(),
    );
    let subject = header_text(
        &format!("CertDesk: HR file {name} rejected ({problems} problems)"),
        200,
    );
    for admin in admins {
        let text = format!(
            "Hello {},\n\nThe HR file {name} was rejected: {problems} problem(s) were found, \
             so nothing in it was imported.\n\nThe file and its report (every bad row with its \
             line) are in the drop folder at {moved_to} and {moved_to}.report.txt; the report \
             is also under Import, HR files, in CertDesk.\n\nCorrect the rows and drop the \
             whole file again.",
            admin.full_name
        );
        let key = format!("hr{file_id}.adm{}", admin.id);
        let failed = admin.email.trim().is_empty();
        let added = tx
            .prepare_cached(
                "INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject,
                 body_html, body_text, state, skip_reason, created_at, trigger, cycle)
             VALUES (?1, 'admin', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'hr_file', 0)
             ON CONFLICT (dedup_key) DO NOTHING",
            )?
            .execute(params![
                key,
                admin.email,
                subject,
                text_to_html(&text),
                text,
                if failed { "failed" } else { "queued" },
                failed.then_some("no email address"),
                now,
            ])?;
        if !failed && added == 1 {
            let header = outbox::message_id(&key, &instance, &domain);
            outbox::add(tx, tx.last_insert_rowid(), &header, now)?;
        }
    }
    Ok(())
}
