//! Manager digests (issue 12): one message per manager per day or week listing their
//! reports, grouped by program, at the send time in the manager's zone; nothing when there is
//! nothing to report; each item and each digest once.

use certdesk_core::api;
use certdesk_core::mail::Security;
use certdesk_core::notify::digest::{digest_moment, Digest, DigestFrequency};
use certdesk_core::notify::digest_template::DigestTemplate;
use certdesk_core::notify::{self, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::Error;
use jiff::civil::Time;
use rusqlite::params;

use super::{rule, s, t, Fx, SmtpServer};

fn daily() -> Digest {
    Digest {
        frequency: DigestFrequency::Daily,
        weekday: None,
    }
}

fn weekly(day: u8) -> Digest {
    Digest {
        frequency: DigestFrequency::Weekly,
        weekday: Some(day),
    }
}

/// An "assigned" rule to learner and managers whose manager copies go in `digest`.
fn assigned(digest: Digest) -> RuleInput {
    RuleInput {
        digest,
        ..rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Both,
            "Welcome to %programfullname%",
            "Hello %userfullname%",
        )
    }
}

/// A second program, 'FIRE' / 'Fire Wardens', with the same kind of rule; its id.
fn second_program(fx: &Fx, digest: Digest) -> i64 {
    let p = fx.exec_id(
        "INSERT INTO program (short_name, full_name, kind) VALUES ('FIRE', 'Fire Wardens', 'program')",
        [],
    );
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::create_rule(tx, p, &assigned(digest), t("2027-01-01T00:00:00Z")))
        .unwrap();
    p
}

fn assign_in(fx: &Fx, program: i64, learner: i64, at: &str) -> i64 {
    let a = fx.exec_id(
        "INSERT INTO assignment (learner_id, program_id, assigned_at) VALUES (?1, ?2, ?3)",
        params![learner, program, s(at)],
    );
    fx.event("assigned", a, 1, 0, at);
    a
}

/// (recipient, subject, text, html) of every digest in the log, oldest first.
fn digests(fx: &Fx) -> Vec<(String, String, String, String)> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT recipient_email, subject, body_text, body_html FROM message
             WHERE trigger = 'digest' ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Manager Mo (London) with reports Ann (Sydney) in Safety & Health and Ben in Fire Wardens,
/// both assigned at 22:00 UTC on 1 March 2027 (9:00 on the 2nd in Sydney).
fn two_reports(digest: Digest) -> Fx {
    let fx = Fx::new("program");
    fx.rule(assigned(digest), "2027-01-01T00:00:00Z");
    let fire = second_program(&fx, digest);
    let mo = fx.learner("M1", "Mo Manager", "Europe/London");
    let ann = fx.learner("E1", "Ann Lee", "Australia/Sydney");
    let ben = fx.learner("E2", "Ben Day", "Europe/London");
    fx.manage(ann, mo);
    fx.manage(ben, mo);
    assign_in(&fx, fx.program, ann, "2027-03-01T22:00:00Z");
    assign_in(&fx, fire, ben, "2027-03-01T22:00:00Z");
    fx
}

#[test]
fn one_daily_digest_per_manager_lists_both_reports_grouped_by_program_in_their_zone() {
    let fx = two_reports(daily());
    let first = fx.run("2027-03-01T22:05:00Z");
    // The learners' own messages go as before; the manager copies wait for the digest.
    assert_eq!(first.notifications.queued, 2);
    assert_eq!(first.notifications.digest_items, 2);
    assert!(digests(&fx).is_empty());
    // 08:00 in London on 2 March is 08:00 UTC: not a minute before.
    fx.run("2027-03-02T07:59:00Z");
    assert!(digests(&fx).is_empty());
    let due = fx.run("2027-03-02T08:00:00Z");
    assert_eq!(due.notifications.digests, 1);
    let d = digests(&fx);
    assert_eq!(d.len(), 1);
    let (to, subject, text, html) = &d[0];
    assert_eq!(to, "m1@example.org");
    assert_eq!(subject, "CertDesk: 2 update(s) about your team");
    assert!(text.starts_with("Hello Mo Manager,"), "{text}");
    // Grouped by program (in name order), each report with id number, what, and the date in
    // the manager's zone (1 March in London, although it was 2 March in Sydney).
    let fire = text.find("Fire Wardens\n- Ben Day (E2): assigned 1 March 2027; now not started");
    let safe = text.find("Safety & Health\n- Ann Lee (E1): assigned 1 March 2027; now not started");
    assert!(fire.is_some() && safe.is_some() && fire < safe, "{text}");
    assert!(html.contains("<table"), "{html}");
    assert!(html.contains("<th colspan=\"5\" align=\"left\">Safety &amp; Health</th>"));
    assert!(html.contains("<td>Ann Lee</td><td>E1</td><td>assigned</td><td>1 March 2027</td>"));
    // The message log lists it as a manager digest.
    let filter = certdesk_core::mail::log::LogFilter {
        trigger: Some("digest".into()),
        ..Default::default()
    };
    let page = api::messages::list(&fx.db.reader().unwrap(), &filter).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].recipient_kind, "manager");
}

#[test]
fn nothing_is_composed_when_a_manager_has_nothing_to_report() {
    let fx = Fx::new("program");
    fx.rule(assigned(daily()), "2027-01-01T00:00:00Z");
    let mo = fx.learner("M1", "Mo Manager", "Europe/London");
    let ann = fx.learner("E1", "Ann Lee", "Europe/London");
    fx.manage(ann, mo);
    // A learner without a manager: the copy is skipped and logged as before.
    let solo = fx.learner("E2", "Sol Oh", "Europe/London");
    assign_in(&fx, fx.program, solo, "2027-03-01T10:00:00Z");
    for now in [
        "2027-03-01T10:05:00Z",
        "2027-03-02T08:00:00Z",
        "2027-03-09T09:00:00Z",
    ] {
        let sum = fx.run(now).notifications;
        assert_eq!((sum.digests, sum.digest_items), (0, 0), "{now}");
    }
    assert!(digests(&fx).is_empty());
    let log = fx.log();
    assert!(log.iter().any(|(state, _, _, reason)| state == "skipped"
        && reason.as_deref() == Some(notify::select::SKIP_NO_MANAGER)));
}

#[test]
fn digest_moments_follow_the_send_time_in_the_managers_zone() {
    let eight = Time::constant(8, 0, 0, 0);
    // (digest, manager zone, when the single copy was due, the digest moment)
    let cases = [
        (
            daily(),
            "Europe/London",
            "2027-03-01T10:00:00Z",
            "2027-03-02T08:00:00Z",
        ),
        (
            daily(),
            "Europe/London",
            "2027-03-01T07:00:00Z",
            "2027-03-01T08:00:00Z",
        ),
        (
            daily(),
            "Europe/London",
            "2027-03-01T08:00:00Z",
            "2027-03-01T08:00:00Z",
        ),
        // Summer time: 08:00 BST is 07:00 UTC.
        (
            daily(),
            "Europe/London",
            "2027-07-01T06:00:00Z",
            "2027-07-01T07:00:00Z",
        ),
        // Across the change to summer time (Sunday 28 March 2027).
        (
            daily(),
            "Europe/London",
            "2027-03-27T09:00:00Z",
            "2027-03-28T07:00:00Z",
        ),
        // 21:00 on 1 March in Sydney: the next morning there.
        (
            daily(),
            "Australia/Sydney",
            "2027-03-01T10:00:00Z",
            "2027-03-01T21:00:00Z",
        ),
        // Wednesday 3 March: the next Monday, or that Wednesday before 08:00.
        (
            weekly(1),
            "Europe/London",
            "2027-03-03T10:00:00Z",
            "2027-03-08T08:00:00Z",
        ),
        (
            weekly(3),
            "Europe/London",
            "2027-03-03T07:00:00Z",
            "2027-03-03T08:00:00Z",
        ),
        (
            weekly(3),
            "Europe/London",
            "2027-03-03T09:00:00Z",
            "2027-03-10T08:00:00Z",
        ),
        (
            weekly(7),
            "America/New_York",
            "2027-03-06T12:00:00Z",
            "2027-03-07T13:00:00Z",
        ),
    ];
    for (digest, zone, due, want) in cases {
        let tz = jiff::tz::TimeZone::get(zone).unwrap();
        let got = digest_moment(s(due), &tz, digest, eight);
        assert_eq!(got, Some(s(want)), "{digest:?} {zone} {due}");
    }
}

#[test]
fn a_weekly_digest_waits_for_its_weekday_and_gathers_the_week() {
    // Monday digests; Ann assigned on Wednesday 3 March, Ben on Friday 5 March.
    let fx = Fx::new("program");
    fx.rule(assigned(weekly(1)), "2027-01-01T00:00:00Z");
    let mo = fx.learner("M1", "Mo Manager", "Europe/London");
    for (idn, name, at) in [
        ("E1", "Ann Lee", "2027-03-03T10:00:00Z"),
        ("E2", "Ben Day", "2027-03-05T10:00:00Z"),
    ] {
        let l = fx.learner(idn, name, "Australia/Sydney");
        fx.manage(l, mo);
        assign_in(&fx, fx.program, l, at);
        fx.run(at);
    }
    fx.run("2027-03-07T23:00:00Z");
    assert!(digests(&fx).is_empty());
    fx.run("2027-03-08T08:00:00Z");
    let d = digests(&fx);
    assert_eq!(d.len(), 1);
    assert!(
        d[0].2.contains("Ann Lee") && d[0].2.contains("Ben Day"),
        "{}",
        d[0].2
    );
}

#[test]
fn each_item_and_each_digest_goes_once_across_repeated_runs() {
    let srv = SmtpServer::start(&[]);
    let fx = two_reports(daily());
    fx.smtp(srv.port, Security::None, "");
    for now in [
        "2027-03-01T22:05:00Z",
        "2027-03-01T22:05:00Z",
        "2027-03-02T08:00:00Z",
        "2027-03-02T08:00:00Z",
        "2027-03-02T09:00:00Z",
        "2027-03-03T08:00:00Z",
    ] {
        fx.run(now);
        fx.send(now);
    }
    assert_eq!(digests(&fx).len(), 1);
    // Two welcome messages and one digest: nothing twice.
    let got = srv.wait_for(3);
    assert_eq!(got.len(), 3);
    let to_mo: Vec<_> = got
        .iter()
        .filter(|m| m.rcpt_tos == ["m1@example.org"])
        .collect();
    assert_eq!(to_mo.len(), 1);
    assert!(to_mo[0]
        .header("Message-ID")
        .unwrap()
        .starts_with("<digest.d."));
    // A report assigned later goes in the next day's digest, alone.
    let cy = fx.learner("E3", "Cy Fox", "Europe/London");
    fx.exec(
        "INSERT INTO manager_link (learner_id, manager_id)
         SELECT ?1, id FROM learner WHERE id_number = 'M1'",
        params![cy],
    );
    assign_in(&fx, fx.program, cy, "2027-03-03T12:00:00Z");
    fx.run("2027-03-03T12:05:00Z");
    fx.run("2027-03-04T08:00:00Z");
    let d = digests(&fx);
    assert_eq!(d.len(), 2);
    assert!(
        d[1].2.contains("Cy Fox") && !d[1].2.contains("Ann Lee"),
        "{}",
        d[1].2
    );
}

#[test]
fn a_copy_already_sent_one_by_one_is_not_listed_when_the_rule_turns_to_digests() {
    let fx = two_reports(Digest::default());
    let sum = fx.run("2027-03-01T22:05:00Z").notifications;
    assert_eq!((sum.queued, sum.digest_items), (4, 0));
    let w = &mut fx.db.writer().unwrap();
    for r in api::rules::list(&fx.db.reader().unwrap(), fx.program).unwrap() {
        let input = RuleInput {
            digest: daily(),
            ..r.input
        };
        api::rules::save(w, fx.program, Some(r.id), &input, t("2027-03-01T23:00:00Z")).unwrap();
    }
    let sum = fx.run("2027-03-02T08:00:00Z").notifications;
    assert_eq!((sum.queued, sum.digest_items, sum.digests), (0, 0, 0));
}

#[test]
fn a_learner_named_script_arrives_as_text_in_the_digest() {
    let fx = Fx::new("program");
    fx.rule(assigned(daily()), "2027-01-01T00:00:00Z");
    let mo = fx.learner("M1", "Mo <b>Boss</b>", "UTC");
    let evil = fx.learner("E1", "<script>alert(1)</script>", "UTC");
    fx.manage(evil, mo);
    assign_in(&fx, fx.program, evil, "2027-03-01T10:00:00Z");
    fx.run("2027-03-01T10:05:00Z");
    fx.run("2027-03-02T08:00:00Z");
    let d = digests(&fx);
    let html = &d[0].3;
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(
        html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"),
        "{html}"
    );
    assert!(html.contains("Mo &lt;b&gt;Boss&lt;/b&gt;"), "{html}");
    assert!(d[0].2.contains("- <script>alert(1)</script> (E1)"));
}

#[test]
fn the_digest_template_is_checked_saved_and_used() {
    let fx = two_reports(daily());
    let w = &mut fx.db.writer().unwrap();
    let bad = DigestTemplate {
        subject: "Team news for %userfullname%".into(),
        body: "%learnerlist%".into(),
    };
    let err = api::digest::set_template(w, &bad).unwrap_err();
    assert!(matches!(err, Error::UnknownPlaceholder { ref name, .. } if name == "userfullname"));
    let good = DigestTemplate {
        subject: "%itemcount% for %managername%".into(),
        body: "Dear %managername%:\n%learnerlist%\nBye (100%% sure)".into(),
    };
    assert_eq!(api::digest::set_template(w, &good).unwrap(), good);
    assert_eq!(
        api::digest::template(&fx.db.reader().unwrap()).unwrap(),
        good
    );
    fx.run("2027-03-01T22:05:00Z");
    fx.run("2027-03-02T08:00:00Z");
    let d = digests(&fx);
    assert_eq!(d[0].1, "2 for Mo Manager");
    assert!(
        d[0].2.starts_with("Dear Mo Manager:\nFire Wardens\n"),
        "{}",
        d[0].2
    );
    assert!(d[0].2.ends_with("\nBye (100% sure)"), "{}", d[0].2);
}

#[test]
fn a_digest_needs_manager_copies_and_a_weekly_one_a_weekday() {
    let fx = Fx::new("program");
    let w = &mut fx.db.writer().unwrap();
    let now = t("2027-01-01T00:00:00Z");
    let to_learner = RuleInput {
        recipients: Recipients::Learner,
        ..assigned(daily())
    };
    for (input, ok) in [
        (to_learner, false),
        (assigned(weekly(0)), false),
        (assigned(weekly(8)), false),
        (
            assigned(Digest {
                frequency: DigestFrequency::Weekly,
                weekday: None,
            }),
            false,
        ),
        (
            assigned(Digest {
                frequency: DigestFrequency::Daily,
                weekday: Some(2),
            }),
            false,
        ),
        (assigned(weekly(5)), true),
    ] {
        let got = api::rules::save(w, fx.program, None, &input, now);
        assert_eq!(got.is_ok(), ok, "{:?}: {got:?}", input.digest);
        if let Err(e) = got {
            assert!(
                matches!(e, Error::Invalid { ref field, .. } if field == "digest"),
                "{e:?}"
            );
        }
    }
    let saved = api::rules::list(&fx.db.reader().unwrap(), fx.program).unwrap();
    assert_eq!(saved[0].input.digest, weekly(5));
}

#[test]
fn a_rules_file_carries_the_digest_and_an_older_file_imports_as_one_by_one() {
    use certdesk_core::notify::rules_file::{FileFormat, RulesFile};
    let fx = Fx::new("program");
    fx.rule(assigned(weekly(3)), "2027-01-01T00:00:00Z");
    let r = fx.db.reader().unwrap();
    let text = api::rules::export(&r, fx.program)
        .unwrap()
        .to_text(FileFormat::Toml)
        .unwrap();
    assert!(
        text.contains("digest = \"weekly\"") && text.contains("digest_weekday = 3"),
        "{text}"
    );
    let back = RulesFile::parse(&text, FileFormat::Toml).unwrap();
    assert_eq!(back.rules[0].digest, DigestFrequency::Weekly);
    let old = text
        .lines()
        .filter(|l| !l.starts_with("digest"))
        .collect::<Vec<_>>()
        .join("\n");
    let file = RulesFile::parse(&old, FileFormat::Toml).unwrap();
    assert_eq!(
        (file.rules[0].digest, file.rules[0].digest_weekday),
        (DigestFrequency::None, None)
    );
    // Importing it makes the rule send its manager copies one by one again.
    let w = &mut fx.db.writer().unwrap();
    api::rules::import(w, &[fx.program], &file, t("2027-02-01T00:00:00Z")).unwrap();
    let rules = api::rules::list(&fx.db.reader().unwrap(), fx.program).unwrap();
    assert_eq!(rules[0].input.digest, Digest::default());
}
