//! The read models the desktop screens add: sorted membership pages, the CSV export, the
//! program and learner pickers.

use certdesk_core::demo::create_demo;
use certdesk_core::program::catalog::{find_learners, program_summaries};
use certdesk_core::program::ProgramKind;
use certdesk_core::report::export::{export_memberships, ExportFormat};
use certdesk_core::report::membership::{
    membership_page, MembershipQuery, MembershipRow, MembershipSort, SortColumn,
};
use certdesk_core::{AssignmentStatus, ErrorKind};
use jiff::Timestamp;

use crate::temp_db;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn demo() -> (tempfile::TempDir, certdesk_core::Db) {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    (dir, db)
}

fn all_pages(r: &certdesk_core::Reader, mut q: MembershipQuery) -> Vec<MembershipRow> {
    let mut out = Vec::new();
    loop {
        let page = membership_page(r, &q).unwrap();
        out.extend(page.rows);
        match page.next {
            Some(next) => q.after = Some(next),
            None => return out,
        }
    }
}

#[test]
fn every_sort_pages_through_every_row_once_in_order() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let total: i64 = r
        .query_row(
            "SELECT count(*) FROM assignment WHERE unassigned_at IS NULL",
            [],
            |x| x.get(0),
        )
        .unwrap();
    let columns = [
        SortColumn::LearnerName,
        SortColumn::LearnerIdNumber,
        SortColumn::Program,
        SortColumn::Status,
        SortColumn::DueDate,
        SortColumn::ExpiryDate,
        SortColumn::WindowOpensDate,
        SortColumn::ExceptionStatus,
    ];
    for column in columns {
        for descending in [false, true] {
            let rows = all_pages(
                &r,
                MembershipQuery {
                    limit: 89,
                    sort: Some(MembershipSort { column, descending }),
                    ..Default::default()
                },
            );
            assert_eq!(rows.len() as i64, total, "{column:?} {descending}");
            let mut ids: Vec<i64> = rows.iter().map(|x| x.assignment_id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(
                ids.len() as i64,
                total,
                "no row twice: {column:?} {descending}"
            );
            // Dates are compared as text (YYYY-MM-DD); a missing date sorts last ascending.
            let key = |x: &MembershipRow| -> String {
                let date = |d: &Option<String>| d.clone().unwrap_or_else(|| "9999".into());
                match column {
                    SortColumn::LearnerName => x.learner_name.clone(),
                    SortColumn::LearnerIdNumber => x.learner_id_number.clone(),
                    SortColumn::Program => x.program_name.clone(),
                    SortColumn::Status => x.status.as_str().into(),
                    SortColumn::DueDate => date(&x.due_date),
                    SortColumn::ExpiryDate => date(&x.expiry_date),
                    SortColumn::WindowOpensDate => date(&x.window_opens_date),
                    SortColumn::ExceptionStatus => x.exception_status.as_str().into(),
                }
            };
            let sorted = rows.windows(2).all(|w| {
                if descending {
                    key(&w[0]) >= key(&w[1])
                } else {
                    key(&w[0]) <= key(&w[1])
                }
            });
            // Dates in different zones may tie or swap by a day; the demo keeps one zone per
            // learner, so the order holds wherever the instants do.
            assert!(sorted, "sorted by {column:?} descending={descending}");
        }
    }
}

#[test]
fn a_sorted_page_keeps_the_filters() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let rows = all_pages(
        &r,
        MembershipQuery {
            status: Some(AssignmentStatus::WindowOpen),
            limit: 7,
            sort: Some(MembershipSort {
                column: SortColumn::ExpiryDate,
                descending: false,
            }),
            ..Default::default()
        },
    );
    assert!(rows.len() > 7);
    assert!(rows
        .iter()
        .all(|x| x.status == AssignmentStatus::WindowOpen));
}

#[test]
fn the_export_writes_the_filtered_rows_to_the_named_file() {
    let (dir, db) = demo();
    let r = db.reader().unwrap();
    let q = MembershipQuery {
        status: Some(AssignmentStatus::Expired),
        ..Default::default()
    };
    let expected = all_pages(&r, q.clone()).len();
    let path = dir.path().join("expired.csv");
    let mut steps = Vec::new();
    let summary = export_memberships(
        &r,
        &q,
        path.to_str(),
        ExportFormat::Csv,
        now(),
        &mut |d, t| steps.push((d, t)),
    )
    .unwrap();
    assert_eq!(
        steps.last(),
        Some(&(expected as u32, expected as u32)),
        "progress ends at the total"
    );
    assert_eq!(summary.rows as usize, expected);
    assert_eq!(summary.path, path.display().to_string());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected + 1, "a header and one line a row");
    assert!(lines[0].starts_with("learner_id_number,learner_name"));
    assert!(lines[1..].iter().all(|l| l.contains(",expired,")));
    assert!(!dir.path().join("expired.csv.part").exists());

    let csv = ExportFormat::Csv;
    let err =
        export_memberships(&r, &q, Some("relative.csv"), csv, now(), &mut |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let missing = dir.path().join("no/such/folder/x.csv");
    let err = export_memberships(&r, &q, missing.to_str(), csv, now(), &mut |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn the_xlsx_export_holds_the_filtered_rows_with_dates_as_dates() {
    use std::io::Read;
    let (dir, db) = demo();
    let r = db.reader().unwrap();
    let q = MembershipQuery {
        status: Some(AssignmentStatus::Certified),
        ..Default::default()
    };
    let expected = all_pages(&r, q.clone());
    let path = dir.path().join("certified.xlsx");
    let summary = export_memberships(
        &r,
        &q,
        path.to_str(),
        ExportFormat::Xlsx,
        now(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(summary.rows as usize, expected.len());
    assert!(!dir.path().join("certified.xlsx.part").exists());

    let mut book = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    // Written in constant-memory mode: strings are inline in the sheet.
    let mut sheet = String::new();
    book.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    // A header row and one row a membership.
    assert_eq!(sheet.matches("<row ").count(), expected.len() + 1);
    assert!(sheet.contains(">learner_id_number<") && sheet.contains(">exception_status<"));
    for row in &expected {
        let id = format!(">{}<", row.learner_id_number);
        assert!(sheet.contains(&id), "{id}");
    }
    assert!(
        sheet.contains(">certified<") && !sheet.contains(">expired<"),
        "only the filtered rows"
    );
    // Expiry dates are numbers (Excel dates), not text.
    let expiry = expected[0].expiry_date.as_deref().unwrap();
    assert!(!sheet.contains(expiry), "{expiry} is written as a date");
}

#[test]
fn the_pickers_list_programs_and_find_learners() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let programs = program_summaries(&r).unwrap();
    assert_eq!(programs.len(), 8);
    assert_eq!(
        programs
            .iter()
            .filter(|p| p.kind == ProgramKind::Certification)
            .count(),
        4
    );
    assert!(programs.iter().all(|p| p.members > 0));
    let found = find_learners(&r, "E10007", 10).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id_number, "E10007");
    assert!(find_learners(&r, "100%_", 10).unwrap().is_empty());
}

fn due_rule(body: &str) -> certdesk_core::notify::rule::RuleInput {
    use certdesk_core::notify::rule::{OffsetUnit, Recipients, RuleInput, Timing, Trigger};
    RuleInput {
        trigger: Trigger::DueDate,
        timing: Timing::After,
        offset_amount: 1,
        offset_unit: OffsetUnit::Day,
        recipients: Recipients::Learner,
        learner_subject: "%programfullname% was due".into(),
        learner_body: body.into(),
        manager_subject: String::new(),
        manager_body: String::new(),
        enabled: true,
        digest: Default::default(),
        repeat_every_days: 0,
        repeat_max: 0,
        escalation: certdesk_core::notify::Escalation::None,
        escalate_after: 0,
        send_at_once: false,
    }
}

#[test]
fn saving_a_rule_refuses_unknown_placeholders_and_counts_the_backfill_when_retimed() {
    use certdesk_core::notify::rule_edit::save_rule;
    let (_dir, db) = demo();
    let program = program_summaries(&db.reader().unwrap()).unwrap()[0].id;
    let mut w = db.writer().unwrap();

    let err = w
        .write(|tx| save_rule(tx, program, None, &due_rule("Hi %userfulname%"), now()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownPlaceholder);
    assert!(err.to_string().contains("%userfulname%"), "{err}");

    let saved = w
        .write(|tx| save_rule(tx, program, None, &due_rule("Hi %userfullname%"), now()))
        .unwrap();
    let mut backfills = vec![saved.backfill];
    let rules = |w: &certdesk_core::Writer| -> i64 {
        w.conn()
            .query_row("SELECT count(*) FROM notification_rule", [], |r| r.get(0))
            .unwrap()
    };
    for p in program_summaries(w.conn()).unwrap().iter().skip(1) {
        // The count shown before saving is the one the save then offers, and the count
        // itself saves nothing.
        let before = rules(&w);
        let counted = certdesk_core::notify::rule_edit::backfill_if_saved(
            &mut w,
            p.id,
            None,
            &due_rule("Hi"),
            now(),
        )
        .unwrap();
        assert_eq!(rules(&w), before, "counting saves nothing");
        let other = w
            .write(|tx| save_rule(tx, p.id, None, &due_rule("Hi"), now()))
            .unwrap();
        assert_eq!(counted, other.backfill, "program {}", p.id);
        backfills.push(other.backfill);
    }
    assert!(
        backfills.iter().any(|b| *b > 0),
        "overdue members could be reminded: {backfills:?}"
    );

    // A text change alone is not a retiming: nothing to backfill.
    let later: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
    let edited = w
        .write(|tx| {
            save_rule(
                tx,
                program,
                Some(saved.rule.id),
                &due_rule("Hello %userfullname%"),
                later,
            )
        })
        .unwrap();
    assert_eq!(edited.backfill, 0);
    assert_eq!(edited.rule.effective_from, saved.rule.effective_from);
}

#[test]
fn site_administrators_are_listed_added_and_removed() {
    use certdesk_core::notify::admins::{add_site_admin, remove_site_admin, site_admins};
    let (_dir, db) = demo();
    let before = site_admins(&db.reader().unwrap()).unwrap();
    assert_eq!(before.len(), 2, "the demo has two");
    let mut w = db.writer().unwrap();
    let after = w
        .write(|tx| add_site_admin(tx, "Zoe Quality", "zoe@example.com"))
        .unwrap();
    assert_eq!(after.len(), 3);
    let err = w
        .write(|tx| add_site_admin(tx, "Zoe Again", "zoe@example.com"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let err = w
        .write(|tx| add_site_admin(tx, "No Address", "not an address"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let zoe = after
        .iter()
        .find(|a| a.email == "zoe@example.com")
        .unwrap()
        .id;
    let left = w.write(|tx| remove_site_admin(tx, zoe)).unwrap();
    assert_eq!(left, before);
    let err = w.write(|tx| remove_site_admin(tx, zoe)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn smtp_settings_are_saved_without_a_password_and_refused_when_invalid() {
    use certdesk_core::mail::smtp::{save_smtp, smtp_view};
    use certdesk_core::mail::smtp_settings::{Security, SmtpSettings};
    let (_dir, db) = demo();
    assert_eq!(smtp_view(&db.reader().unwrap()).unwrap().settings, None);
    let mut s = SmtpSettings {
        host: "127.0.0.1".into(),
        port: 2525,
        security: Security::None,
        username: String::new(),
        from_address: "learning@example.org".into(),
        from_name: "Learning team".into(),
        timeout_secs: 10,
        ca_cert_file: String::new(),
        allow_plain_auth: false,
    };
    let mut w = db.writer().unwrap();
    assert_eq!(save_smtp(&mut w, &s, None).unwrap(), None);
    let view = smtp_view(&db.reader().unwrap()).unwrap();
    assert_eq!(view.settings.as_ref(), Some(&s));
    assert!(!view.has_password, "no user, no password");

    s.from_address = "nobody".into();
    let err = save_smtp(&mut w, &s, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let view = smtp_view(&db.reader().unwrap()).unwrap();
    assert_eq!(
        view.settings.unwrap().from_address,
        "learning@example.org",
        "an invalid change writes nothing"
    );
}

#[test]
fn the_outlook_counts_due_dates_and_expiries_by_week() {
    use certdesk_core::report::outlook::outlook;
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let o = outlook(&r, now()).unwrap();
    assert_eq!(o.weeks.len(), 12);
    assert_eq!(o.weeks[0].week_start, "2026-11-23", "now is a Monday");
    assert_eq!(o.weeks[11].week_start, "2027-02-08");
    let expiring: u32 = o.weeks.iter().map(|w| w.expiring).sum();
    let due: u32 = o.weeks.iter().map(|w| w.due).sum();
    assert!(expiring > 0 && due > 0, "{o:?}");
    // The same count, straight from the store.
    let start: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
    let end: Timestamp = "2027-02-15T00:00:00Z".parse().unwrap();
    let direct: u32 = r
        .query_row(
            "SELECT count(*) FROM assignment WHERE expires_at >= ?1 AND expires_at < ?2
               AND status IN ('certified', 'window_open') AND unassigned_at IS NULL",
            [start.as_second(), end.as_second()],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(expiring, direct);
    assert_eq!(
        o.last_run.as_deref(),
        Some("2026-11-23T09:00:00Z"),
        "the demo store was run when it was made"
    );
    assert_eq!(o.outbox.paused_reason, None);
}

#[test]
fn a_programs_course_sets_are_listed_with_their_courses() {
    use certdesk_core::program::catalog::course_sets;
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    for p in program_summaries(&r).unwrap() {
        let sets = course_sets(&r, p.id).unwrap();
        assert!(!sets.is_empty(), "{} has course sets", p.full_name);
        assert!(sets
            .iter()
            .all(|s| !s.courses.is_empty() || s.rule == "optional"));
        assert!(sets
            .iter()
            .all(|s| s.path == "certification" || s.path == "recertification"));
    }
}
