//! The actions whose queries are checked: every report page and figure, each exception
//! action, and `run(now)` with a rule of every kind, on one demo store.

use std::sync::OnceLock;

use certdesk_core::demo::create_demo;
use certdesk_core::exception::action::{apply, preview, ExceptionAction, Selection};
use certdesk_core::exception::ExceptionKind;
use certdesk_core::notify::{self, OffsetUnit, RuleInput, Timing, Trigger};
use certdesk_core::report::completion::{completion_page, CompletionQuery};
use certdesk_core::report::dashboard::dashboard;
use certdesk_core::report::membership::{
    membership_count, membership_page, ComplianceFilter, ExpiryRange, MembershipQuery,
    MembershipSort, SortColumn,
};
use certdesk_core::report::outlook::outlook;
use certdesk_core::{scheduler, AssignmentStatus, Db, ExceptionStatus, Reader, Writer};
use jiff::{SignedDuration, Timestamp};

use super::capture::{capture, capture_writes, Planned};
use crate::temp_db;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn demo() -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    (dir, db)
}

/// Every query the reports, the bulk actions and a `run(now)` with a rule of every kind
/// ran on one demo store, with their plans (gathered once for all the tests here).
pub fn everything() -> &'static [Planned] {
    static PLANS: OnceLock<Vec<Planned>> = OnceLock::new();
    PLANS.get_or_init(gather)
}

fn gather() -> Vec<Planned> {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let mut plans = capture(&r, reports);
    let mut w = db.writer().unwrap();
    plans.extend(capture_writes(&mut w, assign_everyone));
    plans.extend(capture_writes(&mut w, bulk_actions));
    plans.extend(capture_writes(&mut w, run_with_every_rule));
    plans
}

/// A new program with a past due date assigned to every learner (each raises an exception),
/// then unassigned from a few.
fn assign_everyone(w: &mut Writer) {
    let course: String = w
        .conn()
        .query_row(
            "SELECT short_name FROM course ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let json = format!(
        r#"{{ "programs": [ {{ "short_name": "RUSH", "full_name": "Rushed",
            "due": {{ "rule": "fixed", "date": "2026-01-01" }},
            "certification_path": [ {{ "label": "Long", "rule": "all", "min_time": "40 hours",
                                      "courses": ["{course}"] }} ] }} ] }}"#
    );
    certdesk_core::api::programs::import(w, &json, now()).unwrap();
    w.write(|tx| {
        let program = certdesk_core::names::program(tx, "RUSH")?;
        let mut stmt = tx.prepare("SELECT id FROM learner")?;
        let all: Vec<i64> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        certdesk_core::enrolment::assign(tx, now(), program, &all, None)?;
        certdesk_core::enrolment::unassign(tx, now(), program, &all[..3])?;
        Ok(())
    })
    .unwrap();
}

/// Each exception action, previewed then applied to every raised row it allows.
fn bulk_actions(w: &mut Writer) {
    let all = Selection {
        all: true,
        ..Default::default()
    };
    let one_kind = Selection {
        kind: Some(ExceptionKind::TimeAllowance),
        ids: vec![1, 2],
        ..Default::default()
    };
    for action in ExceptionAction::ALL {
        w.write(|tx| preview(tx, &one_kind, action)).unwrap();
    }
    for action in [
        ExceptionAction::Assign,
        ExceptionAction::SetRealisticDueDate,
        ExceptionAction::DoNotAssign,
    ] {
        w.write(|tx| apply(tx, now(), &all, action, &mut |_, _| {}))
            .unwrap();
    }
}

/// A rule of every trigger, timing and recipient kind on a certification, then `run(now)`
/// a year later: the engine's scans and batches, and every candidate query.
fn run_with_every_rule(w: &mut Writer) {
    let program: i64 = w
        .conn()
        .query_row(
            "SELECT min(id) FROM program WHERE kind = 'certification'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    w.write(|tx| {
        for &trigger in Trigger::ALL {
            for &timing in trigger.timings() {
                for &recipients in trigger.recipients() {
                    let input = RuleInput {
                        trigger,
                        timing,
                        offset_amount: u32::from(timing != Timing::On),
                        offset_unit: OffsetUnit::Day,
                        recipients,
                        learner_subject: "s".into(),
                        learner_body: "b %userfullname%".into(),
                        manager_subject: "s".into(),
                        manager_body: "b".into(),
                        enabled: true,
                        digest: Default::default(),
                        repeat_every_days: 0,
                        repeat_max: 0,
                        escalation: certdesk_core::notify::Escalation::None,
                        escalate_after: 0,
                        send_at_once: false,
                    };
                    notify::create_rule(tx, program, &input, now())?;
                }
            }
        }
        Ok(())
    })
    .unwrap();
    scheduler::run(w, now() + SignedDuration::from_hours(24 * 400)).unwrap();
}

/// Every report page and figure the desktop shows, in each sort and filter.
fn reports(r: &Reader) {
    let program = r
        .query_row(
            "SELECT min(id) FROM program WHERE kind = 'certification'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    dashboard(r, now()).unwrap();
    outlook(r, now()).unwrap();
    let columns = [
        None,
        Some(SortColumn::LearnerName),
        Some(SortColumn::LearnerIdNumber),
        Some(SortColumn::Program),
        Some(SortColumn::Status),
        Some(SortColumn::DueDate),
        Some(SortColumn::ExpiryDate),
        Some(SortColumn::WindowOpensDate),
        Some(SortColumn::ExceptionStatus),
    ];
    for column in columns {
        for descending in [false, true] {
            for program_id in [None, Some(program)] {
                let q = MembershipQuery {
                    program_id,
                    sort: column.map(|column| MembershipSort { column, descending }),
                    limit: 5,
                    ..Default::default()
                };
                let first = membership_page(r, &q).unwrap();
                let next = MembershipQuery {
                    after: first.next,
                    ..q
                };
                membership_page(r, &next).unwrap();
            }
        }
    }
    for status in [Some(AssignmentStatus::Certified), None] {
        for exception_status in [None, Some(ExceptionStatus::Raised)] {
            for program_id in [None, Some(program)] {
                let q = MembershipQuery {
                    program_id,
                    status,
                    exception_status,
                    limit: 5,
                    ..Default::default()
                };
                membership_page(r, &q).unwrap();
                membership_count(r, &q).unwrap();
            }
        }
    }
    // The dashboard's compliance figures open the report on their rows.
    let group: i64 = r
        .query_row("SELECT min(id) FROM learner_group", [], |x| x.get(0))
        .unwrap();
    for compliant in [true, false] {
        for (program_id, group_id) in [(Some(program), None), (None, Some(group))] {
            let q = MembershipQuery {
                program_id,
                group_id,
                compliance: Some(ComplianceFilter {
                    compliant,
                    as_of: 1_790_000_000,
                }),
                limit: 5,
                ..Default::default()
            };
            let first = membership_page(r, &q).unwrap();
            membership_page(
                r,
                &MembershipQuery {
                    after: first.next,
                    ..q
                },
            )
            .unwrap();
        }
    }
    let q = MembershipQuery {
        expiring: Some(ExpiryRange {
            after: 1_790_000_000,
            until: 1_797_776_000,
        }),
        limit: 5,
        ..Default::default()
    };
    membership_page(r, &q).unwrap();
    for program_id in [None, Some(program)] {
        let q = CompletionQuery {
            program_id,
            limit: 5,
            ..Default::default()
        };
        let first = completion_page(r, &q).unwrap();
        completion_page(
            r,
            &CompletionQuery {
                after: first.next,
                ..q
            },
        )
        .unwrap();
    }
    for kind in [None, Some(ExceptionKind::TimeAllowance)] {
        certdesk_core::exception::action::raised_exceptions(r, kind, None, 5).unwrap();
    }
}
