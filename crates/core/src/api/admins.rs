//! Site administrators: the people who receive the exception alerts.

use rusqlite::Connection;

use serde_json::json;

use crate::notify::admins::{self, SiteAdmin};
use crate::store::audit::{self, Entry};
use crate::{Result, Writer};

/// Every site administrator, by name.
///
/// # Errors
/// Database errors.
pub fn list(conn: &Connection) -> Result<Vec<SiteAdmin>> {
    admins::site_admins(conn)
}

/// Adds a site administrator; returns the new list.
///
/// # Errors
/// As [`admins::add_site_admin`]: an empty name, a bad or already listed address.
pub fn add(w: &mut Writer, full_name: &str, email: &str) -> Result<Vec<SiteAdmin>> {
    let who = w.actor();
    w.write(|tx| {
        let list = admins::add_site_admin(tx, full_name, email)?;
        let after = json!({ "full_name": full_name.trim(), "email": email.trim() });
        audit::record(
            tx,
            &who,
            &Entry::new("admins.add", email.trim()).after(after),
        )?;
        Ok(list)
    })
}

/// Removes the site administrator `who` (an email address, or an id as listed); returns
/// the new list.
///
/// # Errors
/// [`crate::Error::NotFound`] when there is none.
pub fn remove(w: &mut Writer, who: &str) -> Result<Vec<SiteAdmin>> {
    let actor = w.actor();
    w.write(|tx| {
        let id = admins::find(tx, who)?;
        let gone = admins::site_admins(tx)?.into_iter().find(|a| a.id == id);
        let list = admins::remove_site_admin(tx, id)?;
        let subject = gone
            .as_ref()
            .map_or_else(|| id.to_string(), |a| a.email.clone());
        audit::record(
            tx,
            &actor,
            &Entry::new("admins.remove", subject).before(gone),
        )?;
        Ok(list)
    })
}
