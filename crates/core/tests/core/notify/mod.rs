//! Notifications end to end: rules, selection, templates, the outbox and a real SMTP server
//! on loopback (tests/smtp/server.py).

mod bounded;
mod catch_up;
mod chunks;
mod digest;
pub mod digest_chunks;
mod digest_timing;
mod episodes;
mod explain;
mod fault_matrix;
mod faults;
mod forecast;
mod hostile;
mod lock;
mod oauth;
mod repeats;
mod rules;
mod send_time;
mod send_window;
mod triggers;

use std::time::Duration;

use certdesk_core::mail::{self, send_due, Security, SendOptions, SendSummary, SmtpSettings};
use certdesk_core::notify::{self, OffsetUnit, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::scheduler::{run, RunSummary};
use certdesk_core::{Db, ManualClock};
use jiff::Timestamp;
use rusqlite::params;

pub use crate::smtp_server::SmtpServer;

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn s(x: &str) -> i64 {
    t(x).as_second()
}

/// A store with one program (or certification) and helpers to fill it with SQL.
pub struct Fx {
    pub _dir: tempfile::TempDir,
    pub db: Db,
    pub program: i64,
}

impl Fx {
    pub fn new(kind: &str) -> Fx {
        let (dir, db) = crate::temp_db();
        let fx = Fx {
            _dir: dir,
            db,
            program: 0,
        };
        let program = fx.exec_id(
            "INSERT INTO program (short_name, full_name, kind) VALUES ('SAFE', 'Safety & Health', ?1)",
            params![kind],
        );
        fx.exec(
            "INSERT INTO course (short_name, full_name) VALUES ('C1', 'Fire drill')",
            [],
        );
        fx.exec(
            "INSERT INTO course_set (program_id, path, position, label, rule) VALUES (?1, 'certification', 1, 'Basics', 'all')",
            params![program],
        );
        fx.exec("INSERT INTO course_set_course VALUES (1, 1)", []);
        Fx { program, ..fx }
    }

    pub fn exec<P: rusqlite::Params>(&self, sql: &str, p: P) {
        self.db
            .writer()
            .unwrap()
            .write(|tx| Ok(tx.execute(sql, p)?))
            .unwrap();
    }

    pub fn exec_id<P: rusqlite::Params>(&self, sql: &str, p: P) -> i64 {
        self.db
            .writer()
            .unwrap()
            .write(|tx| {
                tx.execute(sql, p)?;
                Ok(tx.last_insert_rowid())
            })
            .unwrap()
    }

    pub fn learner(&self, idn: &str, name: &str, tz: &str) -> i64 {
        self.exec_id(
            "INSERT INTO learner (id_number, full_name, email, time_zone) VALUES (?1, ?2, ?3, ?4)",
            params![idn, name, format!("{}@example.org", idn.to_lowercase()), tz],
        )
    }

    pub fn manage(&self, learner: i64, manager: i64) {
        self.exec(
            "INSERT INTO manager_link (learner_id, manager_id) VALUES (?1, ?2)",
            params![learner, manager],
        );
    }

    /// An active membership with status `status`, assigned at `at`.
    pub fn assign(&self, learner: i64, at: &str, status: &str) -> i64 {
        self.exec_id(
            "INSERT INTO assignment (learner_id, program_id, assigned_at, status) VALUES (?1, ?2, ?3, ?4)",
            params![learner, self.program, s(at), status],
        )
    }

    pub fn set(&self, assignment: i64, column: &str, value: Option<i64>) {
        self.exec(
            &format!("UPDATE assignment SET {column} = ?2 WHERE id = ?1"),
            params![assignment, value],
        );
    }

    pub fn event(&self, kind: &str, assignment: i64, cycle: i64, set: i64, at: &str) {
        self.exec(
            "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kind, assignment, cycle, set, s(at)],
        );
    }

    /// Adds a rule at `now`.
    /// An exception alert rule (from 2027-01-01) and two site administrators, Ada and Ben.
    pub fn exception_alerts_to_two_admins(&self) {
        self.rule(
            rule(
                Trigger::Exception,
                Timing::On,
                0,
                Recipients::Admins,
                "%exceptioncount% new exceptions in %programfullname%",
                "%exceptionlist%",
            ),
            "2027-01-01T00:00:00Z",
        );
        self.exec(
            "INSERT INTO site_admin (full_name, email) \
             VALUES ('Ada', 'ada@example.org'), ('Ben', 'ben@example.org')",
            [],
        );
    }

    /// A program with one rule in effect from 2027-01-01: "Welcome" to the learner when
    /// assigned.
    pub fn welcome() -> Fx {
        let fx = Fx::new("program");
        fx.rule(
            rule(
                Trigger::Assigned,
                Timing::On,
                0,
                Recipients::Learner,
                "Welcome",
                "x",
            ),
            "2027-01-01T00:00:00Z",
        );
        fx
    }

    pub fn rule(&self, input: RuleInput, now: &str) -> i64 {
        self.db
            .writer()
            .unwrap()
            .write(|tx| notify::create_rule(tx, self.program, &input, t(now)))
            .unwrap()
    }

    pub fn smtp(&self, port: u16, security: Security, user: &str) {
        let st = SmtpSettings {
            host: if security == Security::None {
                "127.0.0.1".into()
            } else {
                "localhost".into()
            },
            port,
            security,
            username: user.into(),
            from_address: "learning@certdesk.test".into(),
            from_name: "Learning team".into(),
            timeout_secs: 5,
            ca_cert_file: String::new(),
            // The test server is a relay on this machine.
            allow_plain_auth: security == Security::None,
        };
        self.smtp_settings(&st);
    }

    pub fn smtp_settings(&self, st: &SmtpSettings) {
        self.db
            .writer()
            .unwrap()
            .write(|tx| mail::save_settings(tx, st))
            .unwrap();
    }

    pub fn run(&self, now: &str) -> RunSummary {
        run(&mut self.db.writer().unwrap(), t(now)).unwrap()
    }

    pub fn send(&self, now: &str) -> SendSummary {
        send_due(&self.db, &ManualClock::new(t(now)), &opts()).unwrap()
    }

    /// (state, recipient, subject, skip reason) of every message, oldest first.
    pub fn log(&self) -> Vec<(String, String, String, Option<String>)> {
        let r = self.db.reader().unwrap();
        let mut st = r
            .prepare("SELECT state, recipient_email, subject, skip_reason FROM message ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

/// Send options for tests: short timeouts, 1-second backoff.
pub fn opts() -> SendOptions {
    SendOptions {
        backoff_base_secs: 60,
        step_timeout: Some(Duration::from_millis(1500)),
        ..SendOptions::default()
    }
}

/// A rule to the learner (and managers when `recipients` says so).
pub fn rule(
    trigger: Trigger,
    timing: Timing,
    amount: u32,
    recipients: Recipients,
    subject: &str,
    body: &str,
) -> RuleInput {
    RuleInput {
        trigger,
        timing,
        offset_amount: amount,
        offset_unit: OffsetUnit::Day,
        recipients,
        learner_subject: subject.into(),
        learner_body: body.into(),
        manager_subject: format!("Manager copy: {subject}"),
        manager_body: format!("Your report %userfullname%:\n{body}"),
        enabled: true,
        digest: Default::default(),
        repeat_every_days: 0,
        repeat_max: 0,
        escalation: certdesk_core::notify::Escalation::None,
        escalate_after: 0,
        send_at_once: false,
    }
}
