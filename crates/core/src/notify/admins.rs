//! The site administrators: who receives the exception alerts and the administrators' copies.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A person who receives the exception alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SiteAdmin {
    pub id: i64,
    pub full_name: String,
    pub email: String,
}

/// Every site administrator, by name.
///
/// # Errors
/// Database errors.
pub fn site_admins(conn: &Connection) -> Result<Vec<SiteAdmin>> {
    let mut st =
        conn.prepare_cached("SELECT id, full_name, email FROM site_admin ORDER BY full_name, id")?;
    let rows = st.query_map([], |r| {
        Ok(SiteAdmin {
            id: r.get(0)?,
            full_name: r.get(1)?,
            email: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds a site administrator; returns the new list.
///
/// # Errors
/// [`Error::Invalid`] for an empty name, an address that is not one, or an address already
/// listed.
pub fn add_site_admin(tx: &Transaction, full_name: &str, email: &str) -> Result<Vec<SiteAdmin>> {
    let (name, email) = (full_name.trim(), email.trim());
    if name.is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if email.parse::<lettre::Address>().is_err() {
        return Err(Error::invalid(
            "email",
            format!("'{email}' is not an email address"),
        ));
    }
    let added = tx.execute(
        "INSERT INTO site_admin (full_name, email) VALUES (?1, ?2) ON CONFLICT (email) DO NOTHING",
        params![name, email],
    )?;
    if added == 0 {
        return Err(Error::invalid(
            "email",
            format!("{email} is already listed"),
        ));
    }
    site_admins(tx)
}

/// The site administrator with this address (any case), or with this id when `who` is a
/// number (as listed).
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn find(conn: &Connection, who: &str) -> Result<i64> {
    let who = who.trim();
    let found = match who.parse::<i64>() {
        Ok(id) => conn
            .query_row("SELECT id FROM site_admin WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?,
        Err(_) => conn
            .query_row(
                "SELECT id FROM site_admin WHERE lower(email) = lower(?1)",
                [who],
                |r| r.get(0),
            )
            .optional()?,
    };
    found.ok_or_else(|| Error::NotFound {
        what: "site administrator",
        key: who.to_string(),
    })
}

/// Removes a site administrator; returns the new list.
///
/// # Errors
/// [`Error::NotFound`] for an unknown id.
pub fn remove_site_admin(tx: &Transaction, id: i64) -> Result<Vec<SiteAdmin>> {
    if tx.execute("DELETE FROM site_admin WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "site administrator",
            key: id.to_string(),
        });
    }
    site_admins(tx)
}
