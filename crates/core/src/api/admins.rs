//! Site administrators: the people who receive the exception alerts.

use rusqlite::Connection;

use crate::notify::admins::{self, SiteAdmin};
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
    w.write(|tx| admins::add_site_admin(tx, full_name, email))
}

/// Removes the site administrator `who` (an email address, or an id as listed); returns
/// the new list.
///
/// # Errors
/// [`crate::Error::NotFound`] when there is none.
pub fn remove(w: &mut Writer, who: &str) -> Result<Vec<SiteAdmin>> {
    w.write(|tx| {
        let id = admins::find(tx, who)?;
        admins::remove_site_admin(tx, id)
    })
}
