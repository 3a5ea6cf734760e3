//! Notifications on the command line: `send` (deliver the outbox, for cron or a systemd
//! timer), `rules`, `log` and `smtp`.

use std::io::Read;

use certdesk_core::mail::{self, smtp_settings};
use certdesk_core::mail::{LogFilter, Security, SendOptions, SmtpSettings};
use certdesk_core::notify;
use certdesk_core::{Clock, Db, ManualClock, SystemClock};

use super::Now;
use crate::output::Output;

/// Arguments of `send`.
#[derive(clap::Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    now: Now,
    /// Send at most this many messages.
    #[arg(long)]
    max: Option<u32>,
    /// Only print how the outbox stands.
    #[arg(long)]
    status: bool,
}

/// Delivers every message the outbox has due; safe to run while the app sends too.
pub fn send(a: SendArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    if a.status {
        let s = mail::queue_status(&*db.reader()?)?;
        return out.print(&s, || {
            format!(
                "queued {} sending {} sent {} failed {} skipped {}{}",
                s.queued,
                s.sending,
                s.sent,
                s.failed,
                s.skipped,
                s.paused_reason
                    .as_deref()
                    .map(|r| format!("\nPAUSED: {r}"))
                    .unwrap_or_default()
            )
        });
    }
    let opts = SendOptions {
        max_messages: a.max,
        ..SendOptions::default()
    };
    let s = match &a.now.now {
        Some(_) => mail::send_due(db, &ManualClock::new(a.now.get()?), &opts)?,
        None => mail::send_due(db, &SystemClock, &opts)?,
    };
    out.print(&s, || {
        let mut t = format!(
            "sent {}, retry later {}, failed {}",
            s.sent, s.retried, s.failed
        );
        if let Some(r) = &s.paused_reason {
            t.push_str(&format!(
                "\nthe queue is PAUSED: {r}\nfix the SMTP settings, then: certdesk-cli smtp resume"
            ));
        }
        t
    })
}

/// `rules ...`
#[derive(clap::Subcommand, Debug)]
pub enum RulesCommand {
    /// List the notification rules of a program.
    List {
        #[arg(long)]
        program: i64,
    },
    /// Give a program the default rules.
    Defaults {
        #[arg(long)]
        program: i64,
        #[command(flatten)]
        now: Now,
    },
    /// Show how many past messages a rule would send if backfilled; --yes sends them.
    Backfill {
        #[arg(long)]
        rule: i64,
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        now: Now,
    },
    /// Render a rule for a learner with their real data.
    Preview {
        #[arg(long)]
        rule: i64,
        #[arg(long)]
        learner: i64,
    },
}

/// Runs a `rules` subcommand.
pub fn rules(c: RulesCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    match c {
        RulesCommand::List { program } => {
            let rules = notify::list_rules(&*db.reader()?, program)?;
            out.print(&rules, || {
                rules
                    .iter()
                    .map(|r| {
                        let i = &r.input;
                        format!(
                            "{:>4}  {:<22} {:<6} {:>3} {:<5} {:<8} {}  {}",
                            r.id,
                            i.trigger.as_str(),
                            i.timing.as_str(),
                            i.offset_amount,
                            i.offset_unit.as_str(),
                            i.recipients.as_str(),
                            if i.enabled { "on " } else { "off" },
                            i.learner_subject
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        RulesCommand::Defaults { program, now } => {
            let now = now.get()?;
            let ids = db
                .writer()?
                .write(|tx| notify::create_default_rules(tx, program, now))?;
            out.print(&ids, || format!("{} rules added", ids.len()))
        }
        RulesCommand::Backfill { rule, yes, now } => {
            let now = now.get()?;
            let n = notify::backfill_count(&*db.reader()?, rule, now)?;
            if yes {
                db.writer()?.write(|tx| notify::backfill(tx, rule))?;
            }
            out.print(
                &serde_json::json!({ "messages": n, "applied": yes }),
                || {
                    if yes {
                        format!("backfill on: the next run sends {n} past messages")
                    } else {
                        format!("a backfill would send {n} messages; add --yes to send them")
                    }
                },
            )
        }
        RulesCommand::Preview { rule, learner } => {
            let p = notify::preview(&*db.reader()?, rule, learner)?;
            out.print(&p, || {
                [("learner", &p.learner), ("manager", &p.manager)]
                    .iter()
                    .filter_map(|(who, r)| {
                        r.as_ref()
                            .map(|r| format!("[{who}] {}\n\n{}\n", r.subject, r.text))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

/// Arguments of `log`.
#[derive(clap::Args, Debug)]
pub struct LogArgs {
    /// queued | sending | sent | failed | skipped
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    rule: Option<i64>,
    #[arg(long)]
    program: Option<i64>,
    #[arg(long)]
    trigger: Option<String>,
    /// Part of the recipient address.
    #[arg(long)]
    recipient: Option<String>,
    /// The next page: messages older than this id.
    #[arg(long)]
    before: Option<i64>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Queue this message again as a new, explicit send.
    #[arg(long, value_name = "MESSAGE_ID")]
    resend: Option<i64>,
    #[command(flatten)]
    now: Now,
}

/// Lists the message log, or resends one message.
pub fn log(a: LogArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    if let Some(id) = a.resend {
        let now = a.now.get()?;
        let new = db.writer()?.write(|tx| mail::resend(tx, id, now))?;
        return out.print(
            &serde_json::json!({ "message_id": new, "resend_of": id }),
            || format!("message {id} queued again as message {new}"),
        );
    }
    let page = mail::list_messages(
        &*db.reader()?,
        &LogFilter {
            state: a.state,
            rule_id: a.rule,
            program_id: a.program,
            trigger: a.trigger,
            recipient: a.recipient,
            before_id: a.before,
            limit: Some(a.limit),
        },
    )?;
    out.print(&page, || {
        let mut s: Vec<String> = page
            .entries
            .iter()
            .map(|e| {
                format!(
                    "{:>6}  {:<8} {:<20} {:<30} {}{}",
                    e.id,
                    e.state,
                    e.trigger.as_deref().unwrap_or("-"),
                    e.recipient_email,
                    e.subject,
                    e.skip_reason
                        .as_deref()
                        .or(e.last_error.as_deref())
                        .map(|r| format!("  ({r})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if let Some(n) = page.next_before_id {
            s.push(format!("more: --before {n}"));
        }
        s.join("\n")
    })
}

/// `smtp ...`
#[derive(clap::Subcommand, Debug)]
pub enum SmtpCommand {
    /// Print the SMTP settings (never the password) and the queue's state.
    Show,
    /// Save the SMTP settings; --password-stdin stores the password in the OS keyring (or,
    /// where none runs, in a 0600 file: see docs/NOTIFICATIONS.md).
    Set {
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 587)]
        port: u16,
        /// none | starttls | tls
        #[arg(long, default_value = "starttls")]
        security: String,
        #[arg(long, default_value = "")]
        user: String,
        #[arg(long)]
        from: String,
        #[arg(long, default_value = "")]
        from_name: String,
        #[arg(long, default_value_t = 30)]
        timeout: u32,
        /// A PEM file of an extra trusted certificate.
        #[arg(long, default_value = "")]
        ca_cert: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Send a test message with the saved settings.
    Test {
        #[arg(long)]
        to: String,
    },
    /// Lift a pause (after an authentication failure was fixed).
    Resume,
}

/// Runs an `smtp` subcommand.
pub fn smtp(c: SmtpCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    match c {
        SmtpCommand::Show => {
            let s = mail::load_settings(&*db.reader()?)?;
            let q = mail::queue_status(&*db.reader()?)?;
            out.print(
                &serde_json::json!({ "settings": s, "queue": q }),
                || match &s {
                    None => {
                        "SMTP is not configured: certdesk-cli smtp set --host ... --from ...".into()
                    }
                    Some(s) => format!(
                        "{}:{} ({:?}) user '{}' from {} <{}>{}",
                        s.host,
                        s.port,
                        s.security,
                        s.username,
                        s.from_name,
                        s.from_address,
                        q.paused_reason
                            .as_deref()
                            .map(|r| format!("\nPAUSED: {r}"))
                            .unwrap_or_default()
                    ),
                },
            )
        }
        SmtpCommand::Set {
            host,
            port,
            security,
            user,
            from,
            from_name,
            timeout,
            ca_cert,
            password_stdin,
        } => {
            let security = match security.as_str() {
                "none" => Security::None,
                "starttls" => Security::Starttls,
                "tls" => Security::Tls,
                other => anyhow::bail!("--security must be none, starttls or tls, not '{other}'"),
            };
            let s = SmtpSettings {
                host,
                port,
                security,
                username: user,
                from_address: from,
                from_name,
                timeout_secs: timeout,
                ca_cert_file: ca_cert,
            };
            db.writer()?.write(|tx| mail::save_settings(tx, &s))?;
            let stored = if password_stdin {
                let mut pw = String::new();
                std::io::stdin().read_to_string(&mut pw)?;
                Some(smtp_settings::save_password(
                    &s,
                    pw.trim_end_matches(['\r', '\n']),
                )?)
            } else {
                None
            };
            out.print(&serde_json::json!({ "settings": s, "password": stored }), || {
                match &stored {
                    None => "SMTP settings saved".into(),
                    Some(smtp_settings::PasswordStore::Keyring) => {
                        "SMTP settings saved; password in the OS keyring".into()
                    }
                    Some(smtp_settings::PasswordStore::File(p)) => format!(
                        "SMTP settings saved; no keyring service runs here, so the password is in {p} (mode 0600)"
                    ),
                }
            })
        }
        SmtpCommand::Test { to } => {
            let s = mail::load_settings(&*db.reader()?)?.ok_or_else(|| {
                certdesk_core::Error::SmtpNotConfigured("no SMTP server is set".into())
            })?;
            let pw = smtp_settings::load_password(&s);
            mail::test_send(&s, pw, &to, SystemClock.now())?;
            out.print(&serde_json::json!({ "sent_to": to }), || {
                format!("test message accepted by {} for {to}", s.host)
            })
        }
        SmtpCommand::Resume => {
            db.writer()?.write(mail::resume)?;
            out.print(&serde_json::json!({ "resumed": true }), || {
                "the queue runs again".into()
            })
        }
    }
}
