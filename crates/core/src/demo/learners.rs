//! The demo's learners: names, e-mail addresses, time zones, hire dates (one in eleven has
//! none), managers (the first 24 lead teams) and groups.

use jiff::ToSpan;
use rusqlite::params;

use super::{Demo, DEMO_LEARNERS};
use crate::{Error, Result};

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chloé", "Dmitri", "Elif", "Finn", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoë",
];
const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Dubois",
    "Ivanov",
    "Yılmaz",
    "O'Brien",
    "Nakamura",
    "García",
    "Kowalski",
    "Patel",
    "Andersen",
    "Rossi",
    "Fernandes",
    "Müller",
    "Chen",
    "Haddad",
    "Murphy",
    "Nguyen",
];
const ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
];

impl Demo<'_> {
    pub(super) fn learners(&mut self) -> Result<()> {
        let tx = self.tx;
        let mut add = tx.prepare(
            "INSERT INTO learner (id, id_number, full_name, email, time_zone, suspended) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut hire = tx.prepare(
            "INSERT INTO learner_date (learner_id, field, value) VALUES (?1, 'hire_date', ?2)",
        )?;
        let mut manage =
            tx.prepare("INSERT INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)")?;
        let mut member =
            tx.prepare("INSERT INTO group_member (group_id, learner_id) VALUES (?1, ?2)")?;
        for n in 1..=DEMO_LEARNERS {
            let id = n as i64;
            let first = FIRST[self.rng.below(FIRST.len())];
            let last = LAST[self.rng.below(LAST.len())];
            let name = format!("{first} {last}");
            let email = format!(
                "{}.{}{}@example.com",
                ascii_lower(first),
                ascii_lower(last),
                n
            );
            let zone = ZONES[self.rng.below(ZONES.len())];
            let suspended = n % 53 == 0;
            add.execute(params![
                id,
                format!("E{:05}", 10_000 + n),
                name,
                email,
                zone,
                suspended
            ])?;
            // One learner in eleven has no hire date: their relative due dates cannot be known.
            if n % 11 != 0 {
                let days_ago = 30 + self.rng.below(3000) as i64;
                let hired = self
                    .now
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date()
                    .checked_sub(days_ago.days());
                let hired = hired.map_err(|e| Error::invalid("demo date", e.to_string()))?;
                hire.execute(params![id, hired.to_string()])?;
            }
            // The first 24 learners lead teams; everyone else reports to one of them, some to two.
            if n > 24 {
                let m = 1 + (n % 24) as i64;
                manage.execute([id, m])?;
                if n % 7 == 0 {
                    manage.execute([id, 1 + ((n + 5) % 24) as i64])?;
                }
            }
            member.execute([1, id])?;
            if n % 4 == 0 {
                member.execute([2, id])?;
            }
            if n <= 24 {
                member.execute([3, id])?;
            }
        }
        Ok(())
    }
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase()
}
