//! The send window (DOMAIN.md section 4): working hours, working days and holidays, store-wide
//! and overridable per program. A message whose send instant falls outside the window, in its
//! recipient's zone, waits for the next allowed moment: a run queues it at or after that
//! moment. Off by default; exception alerts are never held.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::{Date, Time, Weekday};
use jiff::{tz::TimeZone, Timestamp, ToSpan};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::rule::Rule;
use super::send_time::{format_time, parse_time};
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

/// The longest a message is held: a window that allows nothing for longer (a long holiday
/// list) releases it anyway after this many days.
pub const MAX_HOLD_DAYS: i64 = 30;
const WINDOW: &str = "notify.send_window";
const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// Working hours and days, as an administrator edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SendWindow {
    /// Whether messages are held outside the window at all (off by default).
    pub enabled: bool,
    /// The first minute of the working day, `HH:MM`.
    pub start: String,
    /// The end of the working day, `HH:MM` (exclusive), after `start`.
    pub end: String,
    /// The working days: `mon`, `tue`, ... `sun`.
    pub days: Vec<String>,
}

impl Default for SendWindow {
    fn default() -> Self {
        SendWindow {
            enabled: false,
            start: "08:00".into(),
            end: "18:00".into(),
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// A window checked and ready to apply, with the holidays that go with it.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    enabled: bool,
    start: Time,
    end: Time,
    days: [bool; 7],
    holidays: BTreeSet<Date>,
}

fn day_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

impl SendWindow {
    /// Checks and normalises the window (times as `HH:MM`, days in week order).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed time, an end not after the start, an unknown day or
    /// no working day at all.
    pub fn checked(&self) -> Result<SendWindow> {
        let w = self.compile(BTreeSet::new())?;
        Ok(SendWindow {
            enabled: w.enabled,
            start: format_time(w.start),
            end: format_time(w.end),
            days: DAYS
                .iter()
                .filter(|(_, d)| w.days[day_index(*d)])
                .map(|(s, _)| s.to_string())
                .collect(),
        })
    }

    pub(crate) fn compile(&self, holidays: BTreeSet<Date>) -> Result<Window> {
        let start = parse_time(&self.start)?;
        let end = parse_time(&self.end)?;
        if end <= start {
            return Err(Error::invalid(
                "working hours",
                format!(
                    "the end ({}) must come after the start ({})",
                    self.end, self.start
                ),
            ));
        }
        let mut days = [false; 7];
        for d in &self.days {
            let key = d.trim().to_ascii_lowercase();
            let (_, w) = DAYS
                .iter()
                .find(|(s, _)| key.starts_with(s))
                .ok_or_else(|| {
                    Error::invalid("working days", format!("unknown day '{d}' (mon..sun)"))
                })?;
            days[day_index(*w)] = true;
        }
        if !days.contains(&true) {
            return Err(Error::invalid("working days", "at least one working day"));
        }
        Ok(Window {
            enabled: self.enabled,
            start,
            end,
            days,
            holidays,
        })
    }
}

impl Window {
    fn open_on(&self, d: Date) -> bool {
        self.days[day_index(d.weekday())] && !self.holidays.contains(&d)
    }

    /// The first allowed moment at or after `at` in `zone` (`at` itself when the window is off
    /// or open then); after [`MAX_HOLD_DAYS`] without one, `at` plus that many days.
    pub(crate) fn release(&self, at: i64, zone: &TimeZone) -> i64 {
        if !self.enabled {
            return at;
        }
        let Ok(ts) = Timestamp::from_second(at) else {
            return at;
        };
        let local = ts.to_zoned(zone.clone());
        let today = local.date();
        for k in 0..=MAX_HOLD_DAYS {
            let Ok(d) = today.checked_add(k.days()) else {
                break;
            };
            if !self.open_on(d) {
                continue;
            }
            let from = if k == 0 {
                local.time().max(self.start)
            } else {
                self.start
            };
            if from >= self.end {
                continue;
            }
            if k == 0 && from == local.time() {
                return at;
            }
            if let Ok(z) = d.to_datetime(from).to_zoned(zone.clone()) {
                return z.timestamp().as_second().max(at);
            }
        }
        at + MAX_HOLD_DAYS * 86_400
    }

    /// The longest this window can hold a message (seconds): the longest run of closed days
    /// (non-working days and holidays) plus a day for the hours, capped at [`MAX_HOLD_DAYS`].
    pub(crate) fn max_hold(&self) -> i64 {
        if !self.enabled {
            return 0;
        }
        let week = Date::constant(2001, 1, 1); // a Monday
        let starts = (0..7)
            .filter_map(|k| week.checked_add(k.days()).ok())
            .chain(self.holidays.iter().copied());
        let mut longest = 0;
        for s in starts {
            // From the first closed day of the run this day belongs to (a weekend before a
            // Monday holiday counts with it).
            let mut d = s;
            for _ in 0..=MAX_HOLD_DAYS {
                match d.checked_sub(1.day()) {
                    Ok(prev) if !self.open_on(prev) => d = prev,
                    _ => break,
                }
            }
            let mut n = 0;
            while !self.open_on(d) && n <= MAX_HOLD_DAYS {
                n += 1;
                match d.checked_add(1.day()) {
                    Ok(next) => d = next,
                    Err(_) => break,
                }
            }
            longest = longest.max(n);
        }
        // A day more for the hours, and two hours for a change of UTC offset.
        ((longest + 1) * 86_400 + 7_200).min(MAX_HOLD_DAYS * 86_400)
    }
}

fn days_text(w: &SendWindow) -> String {
    w.days.join(",")
}

/// The store's window ([`SendWindow::default`], off, when none is set).
///
/// # Errors
/// Database errors.
pub fn store_window(conn: &Connection) -> Result<SendWindow> {
    Ok(get_setting(conn, WINDOW)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Sets the store's window; returns it normalised.
///
/// # Errors
/// [`Error::Invalid`] for a bad window (nothing written).
pub fn set_store_window(conn: &Connection, w: &SendWindow) -> Result<SendWindow> {
    let w = w.checked()?;
    let json = serde_json::to_string(&w).map_err(|e| Error::invalid("window", e.to_string()))?;
    set_setting(conn, WINDOW, &json)?;
    Ok(w)
}

/// A program's own window, and whether it keeps its own holiday list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProgramWindow {
    pub window: SendWindow,
    pub own_holidays: bool,
}

/// The override of program `program_id`, if it has one.
///
/// # Errors
/// Database errors.
pub fn program_window(conn: &Connection, program_id: i64) -> Result<Option<ProgramWindow>> {
    Ok(conn
        .query_row(
            "SELECT enabled, start_time, end_time, days, own_holidays
             FROM program_send_window WHERE program_id = ?1",
            [program_id],
            read_override,
        )
        .optional()?)
}

fn read_override(r: &rusqlite::Row) -> rusqlite::Result<ProgramWindow> {
    let days: String = r.get(3)?;
    Ok(ProgramWindow {
        window: SendWindow {
            enabled: r.get(0)?,
            start: r.get(1)?,
            end: r.get(2)?,
            days: days
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        },
        own_holidays: r.get(4)?,
    })
}

/// Sets (or with `None` clears) program `program_id`'s override.
///
/// # Errors
/// [`Error::Invalid`] for a bad window (nothing written).
pub fn set_program_window(
    conn: &Connection,
    program_id: i64,
    w: Option<&ProgramWindow>,
) -> Result<Option<ProgramWindow>> {
    let Some(w) = w else {
        conn.execute(
            "DELETE FROM program_send_window WHERE program_id = ?1",
            [program_id],
        )?;
        return Ok(None);
    };
    let win = w.window.checked()?;
    conn.execute(
        "INSERT INTO program_send_window (program_id, enabled, start_time, end_time, days, own_holidays)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (program_id) DO UPDATE SET enabled = excluded.enabled,
            start_time = excluded.start_time, end_time = excluded.end_time,
            days = excluded.days, own_holidays = excluded.own_holidays",
        params![program_id, win.enabled, win.start, win.end, days_text(&win), w.own_holidays],
    )?;
    program_window(conn, program_id)
}

pub(crate) fn holiday_dates(conn: &Connection, scope: i64) -> Result<BTreeSet<Date>> {
    let mut st = conn.prepare_cached("SELECT date FROM holiday WHERE scope = ?1")?;
    let rows = st.query_map([scope], |r| r.get::<_, String>(0))?;
    let mut out = BTreeSet::new();
    for d in rows {
        if let Ok(d) = d?.parse::<Date>() {
            out.insert(d);
        }
    }
    Ok(out)
}

/// Every window of a run: the store's, and each program's override.
pub(crate) struct Windows {
    store: Window,
    programs: HashMap<i64, Window>,
}

impl Windows {
    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        // A window stored before a check existed, or edited by hand, holds nothing.
        let compile = |w: &SendWindow, h| w.compile(h).unwrap_or_else(|_| off_window());
        let store = compile(&store_window(conn)?, holiday_dates(conn, 0)?);
        let mut programs = HashMap::new();
        let mut st = conn.prepare(
            "SELECT enabled, start_time, end_time, days, own_holidays, program_id
             FROM program_send_window",
        )?;
        let rows = st.query_map([], |r| Ok((read_override(r)?, r.get::<_, i64>(5)?)))?;
        for row in rows {
            let (o, id) = row?;
            let h = holiday_dates(conn, if o.own_holidays { id } else { 0 })?;
            programs.insert(id, compile(&o.window, h));
        }
        Ok(Windows { store, programs })
    }

    /// When `rule`'s message due at `send_at` for a recipient in `zone` may go: the one place
    /// a rule's window is applied (and where a rule sent at once would bypass it).
    pub(crate) fn release(&self, rule: &Rule, send_at: i64, zone: &TimeZone) -> i64 {
        if rule.input.send_at_once {
            return send_at;
        }
        self.programs
            .get(&rule.program_id)
            .unwrap_or(&self.store)
            .release(send_at, zone)
    }

    /// The longest any window holds a message (seconds).
    pub(crate) fn max_hold(&self) -> i64 {
        self.programs
            .values()
            .map(Window::max_hold)
            .chain([self.store.max_hold()])
            .max()
            .unwrap_or(0)
    }
}

fn off_window() -> Window {
    Window {
        enabled: false,
        start: Time::midnight(),
        end: Time::constant(23, 59, 0, 0),
        days: [true; 7],
        holidays: BTreeSet::new(),
    }
}
