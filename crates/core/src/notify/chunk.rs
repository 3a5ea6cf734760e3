//! Queueing in chunks: the work of [`super::enqueue_due`] cut into short steps, each of which
//! can run in its own `BEGIN IMMEDIATE` transaction so that no other writer (the app, `send`
//! recording what it delivered) waits long while a large run or the hourly sweep goes.
//!
//! A [`Queueing`] walks each group of rules (one query shape, each row read once for all its
//! recipient kinds) through its event instants, oldest first, in pages: a window of event
//! instants whose width adapts to take about `target` per step (each stream's width starts
//! narrow and at most doubles from one page to the next), at most `rows` rows to queue,
//! reading for at most half of `target` (a page of a dense burst stops there and the next
//! goes on), and at most [`CHECKED_PER_ROW`] times as many rows checked, already queued or not (the query flags those whose dedup key is in
//! the log rather than filtering them out, so a burst of rows all already queued, as in the
//! hourly sweep, is cut into pages too). Rows come in the order of (instant, event or
//! membership id), so a page cut by a cap goes on from the last (instant, id) it saw: a
//! burst of tens of thousands of events at one instant is read once, not re-read by every
//! page; the rows of that last id are checked again and those already queued skipped.
//!
//! Cut short between steps (a crash, an error), nothing is lost or doubled: each step commits
//! whole messages with their outbox rows, and the catch-up marks only move in [`finish`]
//! (`Queueing::finish`), so the next run looks at the same range again and skips what is
//! already in the log.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use rusqlite::{Connection, Transaction};

use super::candidate_query::Kind;
use super::candidates::{all_kinds_window, page_of, recipient_kinds, Page};
use super::catch_up::{mark_done, scan_floor, Floor};
use super::digest_compose::{self, Due};
use super::rule::{list_all_enabled, Rule, Trigger};
use super::select::{Context, EnqueueSummary, Shape, Sink};
use crate::time::secs;
use crate::Result;

/// One group of rules (same query shape), with each rule's lowest send instant.
struct Group {
    shape: Shape,
    rules: Vec<(i64, i64)>,
}

/// One group, walked through its event instants for all its recipient kinds at once.
struct Stream {
    group: usize,
    kinds: Vec<Kind>,
    cursor: i64,
    /// The lowest tie-break key (event or membership id) still to read at `cursor`.
    after: i64,
    ehi: i64,
    /// The width of this stream's next window of event instants (seconds): each stream
    /// starts narrow, since groups differ in density by orders of magnitude.
    width: i64,
}

/// A run's queueing, step by step. Build it with [`Queueing::new`], call [`Queueing::step`]
/// until it returns false, then [`Queueing::finish`].
pub(crate) struct Queueing {
    now: i64,
    floor: Floor,
    /// The enabled rules and their `effective_from` when the run began.
    effective: HashMap<i64, i64>,
    groups: Vec<Group>,
    streams: VecDeque<Stream>,
    ctx: Context,
    sum: EnqueueSummary,
    /// The rules as the last step read them, and the store's `data_version` then.
    seen: Option<Seen>,
    /// The managers whose digests are still to compose, once the pages are done
    /// (`digest_compose.rs`); `None` before.
    digests: Option<VecDeque<Due>>,
}

/// The enabled rules and their `effective_from`, as read at `PRAGMA data_version` `version`
/// of the run's connection: read again only once another connection has committed.
struct Seen {
    version: i64,
    effective: HashMap<i64, i64>,
    rules: HashMap<i64, Rule>,
}

const MIN_WIDTH: i64 = 60;
const START_WIDTH: i64 = 3_600;
const MAX_WIDTH: i64 = 30 * 86_400;
/// The most a window widens from one page to the next: a page that took a quarter of the
/// target must not be followed by one four times as wide over denser instants.
const MAX_GROWTH: f64 = 2.0;
/// The most rows a page checks, per row it may queue: checking a row already queued (a join
/// and a look-up in the log) costs a small part of rendering and queueing one.
const CHECKED_PER_ROW: i64 = 10;

pub(super) fn shape(r: &Rule) -> Shape {
    let i = &r.input;
    (
        i.trigger,
        i.timing,
        i.offset_amount,
        i.offset_unit,
        i.recipients,
        (
            i.repeat_every_days,
            i.repeat_max,
            i.escalation,
            i.escalate_after,
        ),
    )
}

/// The enabled rules but exception alerts that `keep` accepts, grouped by query shape (one
/// query serves a group), each with its lowest send instant: its `effective_from` (`now`
/// when unknown), at least `floor`; the groups in the order of their first rule.
pub(super) fn by_shape<'r>(
    rules: &'r [Rule],
    eff: &HashMap<i64, i64>,
    now: i64,
    floor: i64,
    keep: impl Fn(&Rule) -> bool,
) -> Vec<Vec<(&'r Rule, i64)>> {
    let mut groups: HashMap<Shape, Vec<(&Rule, i64)>> = HashMap::new();
    for rule in rules
        .iter()
        .filter(|r| r.input.trigger != Trigger::Exception && keep(r))
    {
        let lo = eff.get(&rule.id).copied().unwrap_or(now).max(floor);
        groups.entry(shape(rule)).or_default().push((rule, lo));
    }
    let mut list: Vec<_> = groups.into_values().collect();
    list.sort_by_key(|g| g.first().map(|(r, _)| r.id));
    list
}

pub(super) fn effective(conn: &Connection) -> Result<HashMap<i64, i64>> {
    let mut st =
        conn.prepare_cached("SELECT id, effective_from FROM notification_rule WHERE enabled = 1")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Queueing {
    /// Plans the run at `now`: which rules, from which send instant. Reads only.
    pub(crate) fn new(conn: &Connection, now: Timestamp) -> Result<Self> {
        let now = secs(now);
        let floor = scan_floor(conn, now)?;
        let eff = effective(conn)?;
        let rules = list_all_enabled(conn)?;
        let mut ctx = Context::new(conn)?;
        ctx.horizon = floor.horizon;
        let mut groups = Vec::new();
        let mut streams = VecDeque::new();
        for g in by_shape(&rules, &eff, now, floor.at, |_| true) {
            let Some((first, _)) = g.first() else {
                continue;
            };
            if let Some((elo, ehi)) = all_kinds_window(&g, now, ctx.max_hold) {
                streams.push_back(Stream {
                    group: groups.len(),
                    kinds: recipient_kinds(&g),
                    cursor: elo,
                    after: i64::MIN,
                    ehi,
                    width: START_WIDTH,
                });
            }
            groups.push(Group {
                shape: shape(first),
                rules: g.iter().map(|(r, lo)| (r.id, *lo)).collect(),
            });
        }
        Ok(Queueing {
            now,
            floor,
            effective: eff,
            groups,
            streams,
            ctx,
            sum: EnqueueSummary::default(),
            seen: None,
            digests: None,
        })
    }

    /// Queues one page (at most `rows` rows queued and `CHECKED_PER_ROW` times as many checked,
    /// -1 for no limit, from a window of event instants sized to take about `target`) in `tx`;
    /// once the pages are done, composes the digests due, a few managers per step (at most
    /// `rows` digests for about `target`; all of them with no limit). Returns whether steps
    /// remain.
    pub(crate) fn step(&mut self, tx: &Transaction, rows: i64, target: Duration) -> Result<bool> {
        let started = Instant::now();
        let Some(s) = self.streams.front_mut() else {
            let due = match &mut self.digests {
                Some(due) => due,
                None => self.digests.insert(digest_compose::plan(tx, self.now)?),
            };
            // A digest is one message queued: at most `rows` of them, for about `target`.
            let budget = usize::try_from(rows).ok().map(|n| (target, n.max(1)));
            return digest_compose::compose_some(tx, self.now, due, started, budget, &mut self.sum);
        };
        // Rules read afresh: a rule deleted, disabled or retimed since the run began is left
        // out (its new timing is the next run's), an edited text is used at once. Only this
        // run writes on its connection, and it writes no rule: the rules can have changed
        // only if another connection committed since the last step read them.
        let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if self.seen.as_ref().is_none_or(|x| x.version != version) {
            self.seen = Some(Seen {
                version,
                effective: effective(tx)?,
                rules: list_all_enabled(tx)?
                    .into_iter()
                    .map(|r| (r.id, r))
                    .collect(),
            });
        }
        let Some(Seen {
            effective: eff,
            rules,
            ..
        }) = &self.seen
        else {
            return Ok(false);
        };
        let g = &self.groups[s.group];
        let group: Vec<(&Rule, i64)> = g
            .rules
            .iter()
            .filter_map(|(id, lo)| {
                let r = rules.get(id)?;
                let same = shape(r) == g.shape && eff.get(id) == self.effective.get(id);
                same.then_some((r, *lo))
            })
            .collect();
        let whole = rows < 0;
        let wend = if whole {
            s.ehi
        } else {
            s.cursor.saturating_add(s.width - 1).min(s.ehi)
        };
        let mut page = Page {
            kinds: s.kinds.clone(),
            elo: s.cursor,
            ehi: wend,
            after: s.after,
            limit: rows,
            check: if whole {
                -1
            } else {
                rows.saturating_mul(CHECKED_PER_ROW)
            },
            // As many messages as rows: a page's rendered messages wait in memory, and
            // writing them is the other half of its time.
            messages: rows,
            // Reading and rendering take about half a page's time, writing the rest.
            until: (!whole).then(|| started + target / 2),
        };
        let mut out = Vec::new();
        let fetched = page_of(
            tx,
            &group,
            &page,
            self.now,
            self.now,
            &mut self.ctx,
            &mut out,
        )?;
        let full = !whole && fetched.full;
        if full {
            match fetched.last_at {
                Some(last) if last > (s.cursor, s.after) => (s.cursor, s.after) = last,
                _ if fetched.taken == 0 => {
                    // A full page at one instant, none of it due: read that instant whole.
                    page.ehi = s.cursor;
                    page.limit = -1;
                    page.check = -1;
                    page.messages = -1;
                    page.until = None;
                    page_of(
                        tx,
                        &group,
                        &page,
                        self.now,
                        self.now,
                        &mut self.ctx,
                        &mut out,
                    )?;
                    s.cursor += 1;
                    s.after = i64::MIN;
                }
                _ => {}
            }
        } else {
            s.cursor = wend.saturating_add(1);
            s.after = i64::MIN;
        }
        let mut sink = Sink::new(tx, self.now)?;
        for (k, c) in out {
            if let Some((rule, _)) = group.get(k) {
                sink.put(rule, c, &mut self.sum)?;
            }
        }
        sink.flush()?;
        if !whole {
            // Aim this stream's next window at `target`: narrower when slow, wider while
            // quick (at most `MAX_GROWTH` times, and not after a page cut by `rows`).
            let took = started.elapsed().as_secs_f64().max(1e-6);
            let grow = if full { 1.0 } else { MAX_GROWTH };
            let scale = (target.as_secs_f64() / took).clamp(0.25, grow);
            s.width = ((s.width as f64 * scale) as i64).clamp(MIN_WIDTH, MAX_WIDTH);
        }
        if s.cursor > s.ehi {
            self.streams.pop_front();
        }
        // The digests due are composed in the steps after the last page.
        Ok(!self.streams.is_empty() || self.digests.as_ref().is_none_or(|d| !d.is_empty()))
    }

    /// Queues the exception alerts, composes any digests the steps left (none after steps
    /// run until they returned false) and moves the catch-up marks: the run's last step.
    pub(crate) fn finish(mut self, tx: &Transaction) -> Result<EnqueueSummary> {
        let now = Timestamp::from_second(self.now)
            .map_err(|e| crate::Error::invalid("now", e.to_string()))?;
        let mut sink = Sink::new(tx, self.now)?;
        super::exception_alert::enqueue_alerts(tx, now, &mut sink, &mut self.sum)?;
        sink.flush()?;
        let mut due = match self.digests.take() {
            Some(due) => due,
            None => digest_compose::plan(tx, self.now)?,
        };
        digest_compose::compose_some(tx, self.now, &mut due, Instant::now(), None, &mut self.sum)?;
        // A rule backfilled (or enabled) while the run went has sends older than this run
        // looked for: the sweep then does not count as done.
        let valid = effective(tx)?
            .iter()
            .all(|(id, e)| self.effective.get(id) == Some(e) || *e >= self.now);
        mark_done(tx, self.now, self.floor, valid)?;
        Ok(self.sum)
    }
}
