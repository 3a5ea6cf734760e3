//! OS notifications while the window is hidden in the tray: what a background run found
//! that the administrator must look at (sending paused, deliveries failing, new exceptions).
//!
//! [`decide`] is pure: from what the run observed and what was seen before, it says which
//! notices are new, so each condition is notified once (once per pause, once per spell of
//! failing deliveries, once per batch of new exceptions). [`Notifier::notify`] shows one
//! (through `tauri-plugin-notification`), keeps it in a short record the window lists, and
//! remembers its screen: with libnotify a click cannot reach the app, so the window opens
//! that screen the next time it is shown ([`Notifier::take`]).
//!
//! Another kind (an HR file rejected, say) is a new [`NoticeKind`] and a call to
//! [`Notifier::notify`] from where it is detected.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use certdesk_core::enrolment::drop_folder::HrOutcome;
use certdesk_core::scheduler::Tick;
use certdesk_core::{Clock, Db};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::background::MAIN_WINDOW;

/// How many notices the record keeps (the newest first).
const RECORD_LEN: usize = 20;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Sending paused (the server refused the login or the sender).
    SendingPaused,
    /// Messages could not be delivered (refused, or the server could not be used).
    DeliveriesFailing,
    /// A background run raised exceptions.
    NewExceptions,
    /// A file in the HR drop folder was rejected (its report lists the bad rows).
    HrFileRejected,
}

/// One notice: its kind, what it says, and the screen (a UI screen id) that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub text: String,
    pub screen: String,
    /// When it was raised (RFC 3339); empty until [`Notifier::notify`] stamps it.
    pub at: String,
}

impl Notice {
    pub fn new(kind: NoticeKind, title: &str, text: String, screen: &str) -> Notice {
        Notice {
            kind,
            title: title.to_string(),
            text,
            screen: screen.to_string(),
            at: String::new(),
        }
    }
}

/// What a background run left behind, as far as notices go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The pause (its reason and its instant) if sending is paused.
    pub paused: Option<(String, String)>,
    /// Messages refused for good in this run's send pass.
    pub failed: u32,
    /// Why the server could not be used in this pass, if it could not.
    pub server_problem: Option<String>,
    /// Exceptions raised and not yet dealt with.
    pub raised_exceptions: u32,
    /// The HR files this run rejected (each file is taken once, so each is new), with
    /// their problem counts.
    pub hr_rejected: Vec<(String, u32)>,
}

/// What was already notified (or seen with the window open).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The instant of the pause already notified.
    pause_at: Option<String>,
    /// Deliveries were failing at the last run.
    failing: bool,
    /// The raised exceptions counted at the last run; `None` before the first run (the
    /// exceptions found at start-up are not new).
    raised: Option<u32>,
}

/// The notices `now` calls for after `seen`, and what is seen from now on.
pub fn decide(seen: &Seen, now: &Observed) -> (Vec<Notice>, Seen) {
    let mut notices = Vec::new();
    let pause_at = now.paused.as_ref().map(|(_, at)| at.clone());
    if let Some((reason, _)) = &now.paused {
        if seen.pause_at != pause_at {
            notices.push(Notice::new(
                NoticeKind::SendingPaused,
                "CertDesk paused sending",
                format!("{reason}. Check the mail settings, then resume sending."),
                "messages",
            ));
        }
    }
    let failing = now.failed > 0 || now.server_problem.is_some();
    if failing && !seen.failing && now.paused.is_none() {
        let text = match (&now.server_problem, now.failed) {
            (Some(p), _) => format!("The mail server could not be used: {p}."),
            (None, n) => format!("{n} messages could not be delivered."),
        };
        notices.push(Notice::new(
            NoticeKind::DeliveriesFailing,
            "Deliveries are failing",
            text,
            "messages",
        ));
    }
    if let Some(before) = seen.raised {
        if now.raised_exceptions > before {
            let n = now.raised_exceptions - before;
            notices.push(Notice::new(
                NoticeKind::NewExceptions,
                "New exceptions",
                format!(
                    "The last run raised {n} new exception{}.",
                    if n == 1 { "" } else { "s" }
                ),
                "exceptions",
            ));
        }
    }
    for (name, problems) in &now.hr_rejected {
        notices.push(Notice::new(
            NoticeKind::HrFileRejected,
            "HR file rejected",
            format!(
                "{name} was not imported: {problems} problems. Its report is on the Import screen."
            ),
            "import",
        ));
    }
    let next = Seen {
        pause_at,
        failing,
        raised: Some(now.raised_exceptions),
    };
    (notices, next)
}

/// The notices shown, the screen to open when the window is next shown, and what was seen.
#[derive(Default)]
pub struct Notifier {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seen: Seen,
    record: VecDeque<Notice>,
    pending_screen: Option<String>,
}

/// What the window shows of the notices: the record (newest first) and the screen to open.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Notices {
    pub record: Vec<Notice>,
    /// The screen of the last notice raised while the window was hidden; cleared by reading.
    pub open_screen: Option<String>,
}

impl Notifier {
    /// Decides on what a run observed; returns the notices to raise. With the window open
    /// nothing is raised (the screens show it) but it counts as seen.
    pub fn observe(&self, now: &Observed, window_hidden: bool) -> Vec<Notice> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (notices, seen) = decide(&inner.seen, now);
        inner.seen = seen;
        if window_hidden {
            notices
        } else {
            Vec::new()
        }
    }

    /// Records `notice` at `at` and makes its screen the one to open; `show` puts it on
    /// screen (an OS notification), and its failure (no notification daemon) is only logged.
    pub fn notify(
        &self,
        mut notice: Notice,
        at: String,
        show: impl FnOnce(&Notice) -> Result<(), String>,
    ) {
        notice.at = at;
        if let Err(e) = show(&notice) {
            eprintln!("certdesk: notification not shown: {e}");
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.pending_screen = Some(notice.screen.clone());
        inner.record.push_front(notice);
        inner.record.truncate(RECORD_LEN);
    }

    /// The record, and the screen to open (taken: it is returned once).
    pub fn take(&self) -> Notices {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Notices {
            record: inner.record.iter().cloned().collect(),
            open_screen: inner.pending_screen.take(),
        }
    }
}

/// What a timer run left behind: its send pass, the pause and the raised exceptions.
/// `None` when the run failed or the store cannot be read (nothing is decided then).
fn observe_run(db: &Db, outcome: &certdesk_core::Result<Tick>) -> Option<Observed> {
    let tick = outcome.as_ref().ok()?;
    match read_observed(db, tick) {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!("certdesk: could not read the run's outcome for notifications: {e}");
            None
        }
    }
}

fn read_observed(db: &Db, tick: &Tick) -> certdesk_core::Result<Observed> {
    let reader = db.reader()?;
    let queue = certdesk_core::api::messages::queue_status(&reader)?;
    let send = tick.send.as_ref();
    Ok(Observed {
        paused: queue
            .paused_reason
            .map(|r| (r, queue.paused_at.unwrap_or_default())),
        failed: send.map_or(0, |s| s.failed),
        server_problem: send.and_then(|s| s.server_problem.clone()),
        raised_exceptions: certdesk_core::report::summary::raised_exceptions(&reader)?,
        hr_rejected: tick
            .run
            .hr_files
            .iter()
            .filter(|f| f.outcome == HrOutcome::Rejected)
            .map(|f| (f.name.clone(), f.problems))
            .collect(),
    })
}

/// The timer's after-run step: decide, and while the window is hidden show each notice as
/// an OS notification and record it. A click on one brings the window forward, which then
/// opens the notice's screen.
pub fn after_run<R: Runtime>(
    app: AppHandle<R>,
    notifier: Arc<Notifier>,
    clock: Arc<dyn Clock>,
) -> crate::timer::AfterRun {
    let clicked = app.clone();
    let _ = app.notification().on_action(move |a| {
        if a.action_id() == "tap" {
            crate::background::show_main(&clicked);
        }
    });
    Box::new(move |db, outcome| {
        let Some(observed) = observe_run(db, outcome) else {
            return;
        };
        for notice in notifier.observe(&observed, window_hidden(&app)) {
            raise(&app, &notifier, notice, clock.now().to_string());
        }
    })
}

/// Whether the main window is hidden (in the tray) or gone.
pub fn window_hidden<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(MAIN_WINDOW)
        .is_none_or(|w| !w.is_visible().unwrap_or(false))
}

/// Shows `notice` as an OS notification raised at `at` and records it (see
/// [`Notifier::notify`]). For a kind decided elsewhere (an HR file rejected), call it when
/// [`window_hidden`].
pub fn raise<R: Runtime>(app: &AppHandle<R>, notifier: &Notifier, notice: Notice, at: String) {
    notifier.notify(notice, at, |n| {
        app.notification()
            .builder()
            .title(&n.title)
            .body(&n.text)
            .show()
            .map_err(|e| e.to_string())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(n: &[Notice]) -> Vec<NoticeKind> {
        n.iter().map(|x| x.kind).collect()
    }

    fn paused(at: &str) -> Observed {
        Observed {
            paused: Some(("The server refused the login".into(), at.into())),
            ..Observed::default()
        }
    }

    #[test]
    fn a_pause_is_notified_once_and_a_new_pause_again() {
        let (n, seen) = decide(&Seen::default(), &paused("10:00"));
        assert_eq!(kinds(&n), [NoticeKind::SendingPaused]);
        assert!(n[0].text.contains("refused the login"), "{}", n[0].text);
        assert_eq!(n[0].screen, "messages");
        let (n, seen) = decide(&seen, &paused("10:00"));
        assert!(n.is_empty(), "the same pause twice: {n:?}");
        let (n, seen) = decide(&seen, &Observed::default());
        assert!(n.is_empty(), "resumed: {n:?}");
        let (n, _) = decide(&seen, &paused("11:00"));
        assert_eq!(kinds(&n), [NoticeKind::SendingPaused]);
    }

    #[test]
    fn each_rejected_hr_file_is_notified_and_opens_the_import_screen() {
        let run = Observed {
            hr_rejected: vec![("learners.csv".into(), 3)],
            ..Observed::default()
        };
        let (n, seen) = decide(&Seen::default(), &run);
        assert_eq!(kinds(&n), [NoticeKind::HrFileRejected]);
        assert!(n[0].text.contains("learners.csv") && n[0].text.contains("3 problems"));
        assert_eq!(n[0].screen, "import");
        let (n, _) = decide(&seen, &Observed::default());
        assert!(n.is_empty(), "the next run rejected nothing: {n:?}");
    }

    #[test]
    fn failing_deliveries_are_notified_when_they_start_not_on_every_run() {
        let failing = Observed {
            failed: 2,
            ..Observed::default()
        };
        let (n, seen) = decide(&Seen::default(), &failing);
        assert_eq!(kinds(&n), [NoticeKind::DeliveriesFailing]);
        assert!(n[0].text.contains("2 messages"), "{}", n[0].text);
        let (n, seen) = decide(&seen, &failing);
        assert!(n.is_empty());
        let (_, seen) = decide(&seen, &Observed::default());
        let down = Observed {
            server_problem: Some("connection refused".into()),
            ..Observed::default()
        };
        let (n, _) = decide(&seen, &down);
        assert_eq!(kinds(&n), [NoticeKind::DeliveriesFailing]);
        assert!(n[0].text.contains("connection refused"));
    }

    #[test]
    fn exceptions_found_at_start_up_are_not_new_a_later_batch_is() {
        let at_start = Observed {
            raised_exceptions: 40,
            ..Observed::default()
        };
        let (n, seen) = decide(&Seen::default(), &at_start);
        assert!(n.is_empty(), "{n:?}");
        let more = Observed {
            raised_exceptions: 43,
            ..Observed::default()
        };
        let (n, seen) = decide(&seen, &more);
        assert_eq!(kinds(&n), [NoticeKind::NewExceptions]);
        assert_eq!(n[0].text, "The last run raised 3 new exceptions.");
        assert_eq!(n[0].screen, "exceptions");
        let (n, seen) = decide(&seen, &more);
        assert!(n.is_empty(), "the same batch twice");
        let fewer = Observed {
            raised_exceptions: 10,
            ..Observed::default()
        };
        let (n, _) = decide(&seen, &fewer);
        assert!(n.is_empty(), "fixed ones are not news");
    }

    #[test]
    fn with_the_window_open_nothing_is_raised_but_it_counts_as_seen() {
        let notifier = Notifier::default();
        assert!(notifier.observe(&paused("10:00"), false).is_empty());
        assert!(notifier.observe(&paused("10:00"), true).is_empty());
        let raised = notifier.observe(&paused("11:00"), true);
        assert_eq!(kinds(&raised), [NoticeKind::SendingPaused]);
    }

    #[test]
    fn a_notice_is_recorded_and_its_screen_opened_once_even_if_not_shown() {
        let notifier = Notifier::default();
        let notice = decide(&Seen::default(), &paused("10:00")).0.remove(0);
        notifier.notify(notice, "2026-11-30T10:00:00Z".into(), |_| {
            Err("no daemon".into())
        });
        let first = notifier.take();
        assert_eq!(first.record.len(), 1);
        assert_eq!(first.record[0].at, "2026-11-30T10:00:00Z");
        assert_eq!(first.open_screen.as_deref(), Some("messages"));
        let again = notifier.take();
        assert_eq!(again.record.len(), 1);
        assert_eq!(again.open_screen, None);
    }
}
