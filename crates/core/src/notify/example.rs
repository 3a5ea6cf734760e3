//! A template rendered with example values: what the template editor shows beside the body
//! while the administrator types, before the rule is saved or a learner is chosen. The same
//! [`render`] as a real message, so the HTML is escaped exactly as it will be sent.

use jiff::tz::TimeZone;

use super::digest_template::{compose, DigestTemplate, Line};
use super::template::{render, Values};
use crate::mail::Rendered;

/// 7 March 2027, 12:00 UTC: the example due date.
const DUE: i64 = 1_804_420_800;
const DAY: i64 = 86_400;

/// The values of the example learner: every placeholder has something to show.
fn example_values() -> Values {
    Values {
        user_full_name: "Alex Example".to_string(),
        user_id_number: "E1001".to_string(),
        program_full_name: "Fire Safety".to_string(),
        due_at: Some(DUE),
        expires_at: Some(DUE + 365 * DAY),
        window_opens_at: Some(DUE + 305 * DAY),
        set_label: "Core courses".to_string(),
        completion_criteria: "Core courses: all of Fire Safety Basics, Evacuation".to_string(),
        manager_name: "Morgan Manager".to_string(),
        manager_email: "morgan.manager@example.org".to_string(),
        exception_count: 1,
        exception_list: "- Alex Example (E1001): example exception".to_string(),
        reminder_no: 1,
        deadline_at: Some(DUE),
        sent_at: Some(DUE - 7 * DAY),
    }
}

/// `subject` and `body` rendered for the example learner (in UTC), unknown placeholders left
/// as written: a preview never fails, saving is where a template is refused.
pub fn render_example(subject: &str, body: &str) -> Rendered {
    render(subject, body, &example_values(), &TimeZone::UTC)
}

/// A digest template as typed, rendered for an example manager with three items in two
/// programs (the same [`compose`] as a real digest, so `%learnerlist%` is the real table).
pub fn render_digest_example(t: &DigestTemplate) -> Rendered {
    let line = |trigger: &str, program: &str, learner: &str, id: &str, at: i64, state: &str| Line {
        trigger: trigger.to_string(),
        program: program.to_string(),
        learner: learner.to_string(),
        id_number: id.to_string(),
        event_at: at,
        state: state.to_string(),
        reminder_no: 1,
    };
    let lines = [
        line(
            "due_date",
            "Fire Safety",
            "Alex Example",
            "E1001",
            DUE,
            "in_progress",
        ),
        line(
            "assigned",
            "Fire Safety",
            "Sam Sample",
            "E1002",
            DUE - 30 * DAY,
            "not_started",
        ),
        line(
            "expiry",
            "First Aid",
            "Alex Example",
            "E1001",
            DUE + 60 * DAY,
            "certified",
        ),
    ];
    compose(t, "Morgan Manager", &lines, &TimeZone::UTC)
}
