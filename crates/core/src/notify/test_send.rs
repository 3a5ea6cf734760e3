//! A test send of a rule: the rule rendered for a chosen learner with their real data, sent
//! at once to an address the administrator gives (their own), through the saved SMTP
//! settings. It goes around the outbox: nothing is logged, and the learner gets nothing.

use jiff::Timestamp;
use rusqlite::Connection;

use super::template::preview;
use crate::mail::oauth::load_oauth;
use crate::mail::smtp_settings::{load_password, load_settings};
use crate::mail::{send_now_with, Rendered, SendOptions};
use crate::{Error, Result};

/// Sends each version of rule `rule_id` its recipients would get (the learner's, the
/// managers') for learner `learner_id` to `to`, the subject marked `[Test]`. Returns how
/// many messages were sent.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule or learner, [`Error::SmtpNotConfigured`] before
/// the SMTP settings are saved, [`Error::Invalid`] for a bad address, [`Error::Smtp`] with
/// the server's answer.
pub fn send_rule_test(
    conn: &Connection,
    rule_id: i64,
    learner_id: i64,
    to: &str,
    now: Timestamp,
) -> Result<u32> {
    let settings = load_settings(conn)?.ok_or_else(|| {
        Error::SmtpNotConfigured("save the SMTP settings first (Settings)".into())
    })?;
    let opts = SendOptions {
        password: load_password(&settings),
        ..SendOptions::default()
    };
    let oauth = load_oauth(conn)?;
    let p = preview(conn, rule_id, learner_id)?;
    let versions = [("learner", p.learner), ("manager", p.manager)];
    let mut sent = 0;
    for (who, rendered) in versions {
        let Some(r) = rendered else { continue };
        let marked = Rendered {
            subject: format!("[Test, {who}'s message] {}", r.subject),
            ..r
        };
        send_now_with(&settings, oauth.clone(), &opts, to, &marked, now)?;
        sent += 1;
    }
    Ok(sent)
}
