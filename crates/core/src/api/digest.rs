//! The manager digest template (issue 12): one subject and body for every manager digest of
//! the store, read and saved by the Templates screen and `certdesk-cli settings
//! digest-template`.

use crate::notify::digest_template::{self, DigestTemplate};
use crate::store::audit::{self, Entry};
use crate::{Reader, Result, Writer};

/// The digest template in use (the saved one, or the defaults).
///
/// # Errors
/// Database errors.
pub fn template(r: &Reader) -> Result<DigestTemplate> {
    digest_template::load_template(r)
}

/// Saves the digest template; returns it as stored.
///
/// # Errors
/// [`crate::Error::UnknownPlaceholder`] for a placeholder other than `%managername%`,
/// `%learnerlist%`, `%itemcount%`; [`crate::Error::Invalid`] for an empty or over-long
/// subject. Nothing is written then.
pub fn set_template(w: &mut Writer, t: &DigestTemplate) -> Result<DigestTemplate> {
    let who = w.actor();
    w.write(|tx| {
        let before = digest_template::load_template(tx)?;
        digest_template::save_template(tx, t)?;
        let after = digest_template::load_template(tx)?;
        let e = Entry::new("templates.digest", "manager digest").changed(&before, &after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}

/// A digest subject and body as typed, rendered for an example manager and three items: the
/// template editor's live preview (unknown placeholders left as written; saving refuses them).
pub fn render_example(t: &DigestTemplate) -> crate::mail::Rendered {
    crate::notify::example::render_digest_example(t)
}
