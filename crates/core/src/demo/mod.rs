//! A realistic, deterministic demo store: a few hundred learners with managers and time
//! zones, eight programs and certifications, assignments in every state and raised
//! exceptions of each type. Dates are placed relative to `now`, so the demo always looks
//! current; the same `now` always gives the same store.
//!
//! Here: [`create_demo`] and the order it fills the store in. By what they make:
//! `learners`, `programs` (courses, programs and certifications as data), `memberships`
//! (assignments in every state), `completions` (course completions and certification
//! records), `exceptions` (the raised ones).

mod completions;
mod exceptions;
mod learners;
mod memberships;
mod programs;

use jiff::{Span, Timestamp, ToSpan};
use rusqlite::Transaction;

use crate::time::secs;
use crate::{Error, Result, Writer};

use programs::{COURSES, PROGRAMS};

/// How many learners the demo holds.
pub const DEMO_LEARNERS: usize = 320;

/// A small deterministic generator (64-bit LCG), so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Fills an empty store with the demo data, as of `now`, in one transaction: learners,
/// programs with the default notification rules, assignments, exceptions, and one
/// scheduler step at `now`, so the store is exactly what the app shows at `now`.
///
/// # Errors
/// [`Error::NotEmpty`] if the store already holds learners or programs.
pub fn create_demo(db: &mut Writer, now: Timestamp) -> Result<()> {
    db.write(|tx| {
        let existing: i64 = tx.query_row(
            "SELECT (SELECT count(*) FROM learner) + (SELECT count(*) FROM program)",
            [],
            |r| r.get(0),
        )?;
        if existing > 0 {
            return Err(Error::NotEmpty);
        }
        Demo {
            tx,
            now,
            rng: Rng(0x00C3_47DE_5C00_FFEE),
        }
        .fill()?;
        // The demo plans its dates as instants (completion + periods, in UTC); the engine
        // brings them onto each learner's calendar as it does for an upgraded store.
        crate::store::setting::set_setting(tx, crate::membership::engine::PENDING, "0")?;
        crate::membership::engine::advance(tx, now)?;
        crate::notify::enqueue_due(tx, now)?;
        Ok(())
    })
}

struct Demo<'a> {
    tx: &'a Transaction<'a>,
    now: Timestamp,
    rng: Rng,
}

impl Demo<'_> {
    fn at(&self, span: Span) -> Result<i64> {
        let zoned = self.now.to_zoned(jiff::tz::TimeZone::UTC);
        let t = zoned
            .checked_add(span)
            .map_err(|e| Error::invalid("demo date", e.to_string()))?;
        Ok(secs(t.timestamp()))
    }

    fn fill(mut self) -> Result<()> {
        let tx = self.tx;
        tx.execute_batch(
            "INSERT INTO site_admin (full_name, email) VALUES
               ('Sam Admin', 'sam.admin@example.com'), ('Priya Learning', 'priya.learning@example.com');
             INSERT INTO learner_group (name) VALUES ('All staff'), ('Warehouse'), ('Team leaders');",
        )?;
        for (short, full) in COURSES {
            tx.execute(
                "INSERT INTO course (short_name, full_name) VALUES (?1, ?2)",
                [short, full],
            )?;
        }
        self.learners()?;
        for (i, spec) in PROGRAMS.iter().enumerate() {
            let program_id = self.program(spec)?;
            crate::notify::create_default_rules(tx, program_id, self.now)?;
            self.assignments(i, program_id, spec)?;
        }
        Ok(())
    }
}

fn add_span(at: i64, amount: i64, unit: &str) -> Result<i64> {
    let span = match unit {
        "day" => amount.days(),
        "week" => amount.weeks(),
        "month" => amount.months(),
        _ => amount.years(),
    };
    let t = Timestamp::from_second(at)
        .and_then(|t| t.to_zoned(jiff::tz::TimeZone::UTC).checked_add(span))
        .map_err(|e| Error::invalid("demo date", e.to_string()))?;
    Ok(secs(t.timestamp()))
}
