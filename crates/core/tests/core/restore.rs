//! Backups and restores that cannot hurt: a backup never overwrites the live store, a
//! restore never sends anything twice nor what a forged file asks; secrets stay bound to
//! their server, and the files holding learner data are private (0600).

use std::collections::HashSet;

use certdesk_core::api;
use certdesk_core::mail::{self, outbox, send_due, Security, SmtpSettings};
use certdesk_core::notify::{Recipients, Timing, Trigger};
use certdesk_core::{ErrorKind, ManualClock};
use rusqlite::params;

use crate::notify::{opts, rule, t, Fx, SmtpServer};

const NOW: &str = "2027-01-02T00:00:00Z";

/// A store with `n` welcome messages queued and the loopback server `srv` configured.
fn queued(n: usize, srv: &SmtpServer) -> Fx {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome %userfullname%",
            "Hello",
        ),
        "2027-01-01T00:00:00Z",
    );
    add_learners(&fx, 0, n);
    fx.smtp(srv.port, Security::None, "");
    fx
}

/// Assigns learners `from..from + n` and queues their welcome messages.
fn add_learners(fx: &Fx, from: usize, n: usize) {
    for i in from..from + n {
        let l = fx.learner(&format!("E{i}"), &format!("Learner {i}"), "UTC");
        let a = fx.assign(l, NOW, "not_started");
        fx.event("assigned", a, 1, 0, NOW);
    }
    assert_eq!(fx.run(NOW).notifications.queued as usize, n);
}

fn integrity(fx: &Fx) -> String {
    let r = fx.db.reader().unwrap();
    r.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn count(fx: &Fx, sql: &str) -> i64 {
    fx.db
        .reader()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// Every Message-ID the server received, asserting none twice.
fn unique_ids(srv: &SmtpServer) -> usize {
    let got = srv.received();
    let ids: HashSet<_> = got.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), got.len(), "a message was delivered twice");
    got.len()
}

#[test]
fn restoring_a_backup_taken_while_sending_sends_nothing_twice() {
    let srv = SmtpServer::start(&[]);
    let fx = queued(300, &srv);
    let sender = {
        let db = fx.db.clone();
        std::thread::spawn(move || {
            let o = mail::SendOptions {
                batch: 10,
                ..opts()
            };
            send_due(&db, &ManualClock::new(t(NOW)), &o).unwrap()
        })
    };
    while count(&fx, "SELECT count(*) FROM message WHERE state = 'sent'") < 30 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let copy = fx._dir.path().join("during.sqlite");
    let taken = api::store::backup(&fx.db, path(&copy)).unwrap();
    assert_eq!(sender.join().unwrap().sent, 300);
    assert!(taken.messages_sent < 300, "the backup was taken mid-send");
    // 20 more learners are welcomed after the backup: the backup never heard of them.
    add_learners(&fx, 300, 20);
    assert_eq!(fx.send(NOW).sent, 20);
    assert_eq!(srv.wait_for(320).len(), 320);

    let r = api::store::restore(&fx.db, path(&copy), t(NOW)).unwrap();
    assert_eq!(r.carried_sent, 300 - taken.messages_sent);
    assert_eq!(r.added_sent, 20);
    assert_eq!(r.requeued, 0);
    assert!(r.paused_reason.contains("127.0.0.1"), "{}", r.paused_reason);
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!((st.sent, st.queued, st.sending), (320, 0, 0));
    assert!(
        st.paused_reason.is_some(),
        "sending is paused after a restore"
    );

    fx.db.writer().unwrap().write(mail::resume).unwrap();
    assert_eq!(fx.run(NOW).notifications.queued, 0, "nothing queued again");
    assert_eq!(fx.send(NOW).sent, 0);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(unique_ids(&srv), 320);
    assert_eq!(integrity(&fx), "ok");
}

#[test]
fn a_forged_backup_cannot_send_its_own_bytes() {
    let srv = SmtpServer::start(&[]);
    let fx = queued(3, &srv);
    let copy = fx._dir.path().join("forged.sqlite");
    api::store::backup(&fx.db, path(&copy)).unwrap();
    {
        // Someone hands over a backup with its own raw bytes and another server.
        let c = rusqlite::Connection::open(&copy).unwrap();
        let forged = "From: ceo@attacker.test\r\nBcc: spy@attacker.test\r\nTo: x@example.org\r\n\
                      Subject: forged\r\n\r\nforged\r\n";
        c.execute("UPDATE outbox SET raw = ?1", [forged.as_bytes()])
            .unwrap();
        // ... its own text and recipient in a logged message of a real rule ...
        c.execute(
            "UPDATE message SET subject = 'Reset your password', recipient_email = \
             'victim@attacker.test', body_text = 'forged', body_html = 'forged' \
             WHERE id = (SELECT min(id) FROM message)",
            [],
        )
        .unwrap();
        // ... and a queued message no rule produces.
        c.execute(
            "INSERT INTO message (dedup_key, rule_id, assignment_id, recipient_kind, \
             recipient_email, subject, body_html, body_text, state, created_at, trigger) \
             SELECT 'forged:1', rule_id, assignment_id, 'learner', 'spy@attacker.test', \
             'forged', 'forged', 'forged', 'queued', created_at, trigger FROM message LIMIT 1",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO outbox (message_id, message_id_hdr, raw, state, next_attempt_at) \
             SELECT id, '<forged@attacker.test>', ?1, 'queued', 0 FROM message \
             WHERE dedup_key = 'forged:1'",
            [forged.as_bytes()],
        )
        .unwrap();
        let settings: String = c
            .query_row(
                "SELECT value FROM setting WHERE key = 'smtp.settings'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        c.execute(
            "UPDATE setting SET value = ?1 WHERE key = 'smtp.settings'",
            [settings.replace("127.0.0.1", "localhost")],
        )
        .unwrap();
    }
    let r = api::store::restore(&fx.db, path(&copy), t(NOW)).unwrap();
    assert_eq!(
        (r.rendered_again, r.dropped, r.requeued),
        (3, 1, 0),
        "{r:?}"
    );
    let skipped: String = fx
        .db
        .reader()
        .unwrap()
        .query_row(
            "SELECT skip_reason FROM message WHERE dedup_key = 'forged:1' AND state = 'skipped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(skipped.contains("restore"), "{skipped}");
    let shown = format!("localhost:{}", srv.port);
    assert!(r.paused_reason.contains(&shown), "{}", r.paused_reason);
    assert_eq!(
        fx.send(NOW).sent,
        0,
        "paused until the administrator resumes"
    );

    fx.db.writer().unwrap().write(mail::resume).unwrap();
    assert_eq!(fx.send(NOW).sent, 3);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(unique_ids(&srv), 3, "the forged extra row was not sent");
    for m in srv.wait_for(3) {
        assert!(!m.data.contains("attacker"), "{}", m.data);
        assert!(!m.data.contains("forged"), "{}", m.data);
        assert!(
            m.rcpt_tos.iter().all(|r| r.ends_with("@example.org")),
            "{:?}",
            m.rcpt_tos
        );
        assert!(m.header("Bcc").is_none());
        assert!(m.header("From").unwrap().contains("learning@certdesk.test"));
        assert!(m.subject().starts_with("Welcome Learner"));
        assert_eq!(m.rcpt_tos.len(), 1);
    }
}

#[test]
fn restore_is_refused_while_a_send_holds_messages() {
    let srv = SmtpServer::start(&[]);
    let fx = queued(2, &srv);
    let copy = fx._dir.path().join("b.sqlite");
    api::store::backup(&fx.db, path(&copy)).unwrap();
    fx.db
        .writer()
        .unwrap()
        .write(|tx| outbox::claim(tx, t(NOW), 1, 600))
        .unwrap();
    let e = api::store::restore(&fx.db, path(&copy), t(NOW)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.to_string().contains("being sent right now"), "{e}");
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!(
        (st.sending, st.paused_reason),
        (1, None),
        "the store is untouched"
    );
    // A file that is not a store leaves sending as it was too.
    std::fs::write(&copy, b"not a store").unwrap();
    let later = t("2027-01-02T01:00:00Z"); // the lease has run out
    let e = api::store::restore(&fx.db, path(&copy), later).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAStore);
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!(st.paused_reason, None);
}

#[test]
fn backup_refuses_the_live_store_its_wal_links_and_devices() {
    let srv = SmtpServer::start(&[]);
    let fx = queued(5, &srv);
    let live = fx.db.path().to_path_buf();
    let dir = fx._dir.path();
    let other = dir.join("other.txt");
    std::fs::write(&other, "keep me").unwrap();
    let to_other = dir.join("to-other.sqlite");
    let to_live = dir.join("to-live.sqlite");
    let hard = dir.join("hard.sqlite");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&other, &to_other).unwrap();
        std::os::unix::fs::symlink(&live, &to_live).unwrap();
    }
    std::fs::hard_link(&live, &hard).unwrap();
    let wal = format!("{}-wal", live.display());
    let shm = format!("{}-shm", live.display());
    let dotted = format!(
        "{}/./{}",
        dir.display(),
        live.file_name().unwrap().to_str().unwrap()
    );
    let targets = [
        path(&live).to_string(),
        dotted,
        wal,
        shm,
        path(&to_other).to_string(),
        path(&to_live).to_string(),
        path(&hard).to_string(),
        path(dir).to_string(),
        "/dev/null".to_string(),
    ];
    // Something keeps writing meanwhile, as the app's timer would.
    let w = fx.db.clone();
    let writer = std::thread::spawn(move || {
        for i in 0..200 {
            w.writer()
                .unwrap()
                .write(|tx| {
                    Ok(tx.execute(
                        "INSERT INTO setting VALUES (?1, 'x')",
                        params![format!("k{i}")],
                    )?)
                })
                .unwrap();
        }
    });
    for target in &targets {
        let e = api::store::backup(&fx.db, target).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{target}: {e}");
    }
    writer.join().unwrap();
    assert_eq!(integrity(&fx), "ok");
    assert_eq!(count(&fx, "SELECT count(*) FROM message"), 5);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&to_other)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[cfg(unix)]
#[test]
fn the_store_its_wal_and_backups_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let srv = SmtpServer::start(&[]);
    let fx = queued(1, &srv);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let _open = fx.db.reader().unwrap(); // keeps the -wal in place
    let live = fx.db.path().to_path_buf();
    assert_eq!(mode(&live), 0o600);
    assert_eq!(
        mode(std::path::Path::new(&format!("{}-wal", live.display()))),
        0o600
    );
    let copy = fx._dir.path().join("b.sqlite");
    api::store::backup(&fx.db, path(&copy)).unwrap();
    assert_eq!(mode(&copy), 0o600);
    // Backing up over an old 0644 backup leaves a private file too.
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    api::store::backup(&fx.db, path(&copy)).unwrap();
    assert_eq!(mode(&copy), 0o600);
}

#[test]
fn an_existing_store_readable_by_others_is_made_private_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("old.sqlite");
    let wal = dir.path().join("old.sqlite-wal");
    let db = certdesk_core::Db::open(&live).unwrap();
    let _open = db.reader().unwrap(); // keeps the -wal in place
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A store from before stores were private, or copied in with a wider mode.
    for p in [&live, &wal] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    certdesk_core::Db::open(&live).unwrap();
    assert_eq!((mode(&live), mode(&wal)), (0o600, 0o600));
}

fn plain_auth(port: u16, allow: bool) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: "clerk".into(),
        from_address: "learning@certdesk.test".into(),
        from_name: String::new(),
        timeout_secs: 5,
        ca_cert_file: String::new(),
        allow_plain_auth: allow,
    }
}

#[test]
fn auth_over_a_plain_connection_needs_the_opt_in() {
    let srv = SmtpServer::start(&["--auth", "clerk:right"]);
    let fx = queued(1, &srv);
    let e = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| mail::save_settings(tx, &plain_auth(srv.port, false)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.to_string().contains("--allow-plain-auth"), "{e}");
    // A restored store may carry such settings anyway: the sender refuses before AUTH.
    fx.exec(
        "UPDATE setting SET value = ?1 WHERE key = 'smtp.settings'",
        [serde_json::to_string(&plain_auth(srv.port, false)).unwrap()],
    );
    let right = mail::SendOptions {
        password: Some("right".into()),
        ..opts()
    };
    let s = send_due(&fx.db, &ManualClock::new(t(NOW)), &right).unwrap();
    assert_eq!(s.sent, 0);
    assert!(s.paused_reason.unwrap().contains("unencrypted"));
    assert!(srv.received().is_empty());
    // With the opt-in (a relay on this machine) it logs in and sends.
    fx.smtp_settings(&plain_auth(srv.port, true));
    assert_eq!(
        send_due(&fx.db, &ManualClock::new(t(NOW)), &right)
            .unwrap()
            .sent,
        1
    );
    assert_eq!(srv.wait_for(1).len(), 1);
}

#[test]
fn a_message_left_sending_keeps_its_lease_and_message_id_across_a_restore() {
    let srv = SmtpServer::start(&[]);
    let fx = queued(2, &srv);
    let copy = fx._dir.path().join("before.sqlite");
    api::store::backup(&fx.db, path(&copy)).unwrap();
    add_learners(&fx, 2, 1); // the backup never heard of this one
                             // A sender claims all three and is killed: whether the server got them is unknown.
    let claimed = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| outbox::claim(tx, t(NOW), 10, 600))
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let ids = |fx: &Fx| -> HashSet<String> {
        let r = fx.db.reader().unwrap();
        let mut st = r.prepare("SELECT message_id_hdr FROM outbox").unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|h| h.unwrap().trim_matches(['<', '>']).to_string())
            .collect()
    };
    let live = ids(&fx);
    // The lease has run out (a live lease refuses the restore).
    let later = "2027-01-02T00:11:40Z";
    let r = api::store::restore(&fx.db, path(&copy), t(later)).unwrap();
    assert_eq!(r.requeued, 0, "{r:?}");
    assert!(r.paused_reason.contains("outcome unknown"), "{r:?}");
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!(
        (st.queued, st.sending),
        (0, 3),
        "carried over as they stood"
    );
    assert_eq!(ids(&fx), live, "same Message-IDs");

    fx.db.writer().unwrap().write(mail::resume).unwrap();
    assert_eq!(
        fx.run(later).notifications.queued,
        0,
        "nothing queued again"
    );
    assert_eq!(fx.send(later).sent, 3);
    assert_eq!(unique_ids(&srv), 3);
    let got: HashSet<String> = srv
        .received()
        .iter()
        .map(|m| {
            m.header("Message-ID")
                .unwrap()
                .trim_matches(['<', '>'])
                .to_string()
        })
        .collect();
    assert_eq!(
        got, live,
        "sent again under the Message-IDs of the first attempt"
    );
    assert_eq!(integrity(&fx), "ok");
}
