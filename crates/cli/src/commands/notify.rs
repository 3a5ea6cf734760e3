//! Notifications on the command line: `send` (deliver the outbox, for cron or a systemd
//! timer), `log` and `smtp`. The rules are in [`super::rules`].

use std::io::Read;

use certdesk_core::api::{messages, smtp};
use certdesk_core::mail::oauth::AuthView;
use certdesk_core::mail::smtp::SmtpView;
use certdesk_core::mail::{self, smtp_settings};
use certdesk_core::mail::{LogFilter, QueueStatus, Security, SendOptions, SmtpSettings};
use certdesk_core::Error::Smtp;
use certdesk_core::{names, Db, ManualClock, SystemClock};

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
        let s = messages::queue_status(&*db.reader()?)?;
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
    })?;
    // Nothing delivered because of the server (or a pause): a non-zero exit with a one-line
    // reason, for cron and systemd to report.
    if s.sent > 0 {
        return Ok(());
    }
    if let Some(r) = &s.server_problem {
        let n = s.retried;
        return Err(Smtp(format!(
            "nothing sent, {n} message(s) wait for a retry: {r}"
        ))
        .into());
    }
    let q = messages::queue_status(&*db.reader()?)?;
    if let Some(r) = s.paused_reason.or(q.paused_reason).filter(|_| q.queued > 0) {
        return Err(Smtp(format!("nothing sent, the queue is paused: {r}")).into());
    }
    Ok(())
}

/// Arguments of `log`.
#[derive(clap::Args, Debug)]
pub struct LogArgs {
    /// queued | sending | sent | failed | skipped
    #[arg(long)]
    state: Option<String>,
    /// A rule's id, as `rules list` shows it.
    #[arg(long)]
    rule: Option<i64>,
    /// A program's short name.
    #[arg(long)]
    program: Option<String>,
    /// A trigger, e.g. due_date.
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
        let new = messages::resend(&mut db.writer()?, id, now)?;
        return out.print(
            &serde_json::json!({ "message_id": new, "resend_of": id }),
            || format!("message {id} queued again as message {new}"),
        );
    }
    let r = db.reader()?;
    let program_id = match &a.program {
        Some(p) => Some(names::program(&r, p)?),
        None => None,
    };
    let page = messages::list(
        &r,
        &LogFilter {
            state: a.state,
            rule_id: a.rule,
            program_id,
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
        /// Allow the password over an unencrypted connection (--security none): only for a
        /// relay on this machine; refused otherwise.
        #[arg(long)]
        allow_plain_auth: bool,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Send a test message with the saved settings.
    Test {
        #[arg(long)]
        to: String,
        #[command(flatten)]
        now: Now,
    },
    /// Pause all sending, with a reason shown by `smtp show` and `send --status`.
    Pause {
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        now: Now,
    },
    /// Lift a pause (after an authentication failure was fixed).
    Resume,
    /// Sign in with Microsoft 365 or Google (OAuth2): the SMTP user becomes the account and
    /// sending logs in with XOAUTH2. Microsoft: a device code; Google: a URL to open here.
    SignIn(super::smtp_oauth::SignInArgs),
    /// Sign the OAuth account out (its tokens are forgotten).
    SignOut,
}

/// Runs an `smtp` subcommand.
pub fn smtp(c: SmtpCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    match c {
        SmtpCommand::Show => {
            let r = db.reader()?;
            let (v, q) = (smtp::show(&r)?, messages::queue_status(&r)?);
            out.print(
                &serde_json::json!({ "settings": v.settings, "has_password": v.has_password, "auth": v.auth, "queue": q }),
                || show_text(&v, &q),
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
            allow_plain_auth,
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
                allow_plain_auth,
            };
            let password = if password_stdin {
                let mut pw = String::new();
                std::io::stdin().read_to_string(&mut pw)?;
                Some(pw.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let stored = smtp::save(&mut db.writer()?, &s, password.as_deref())?;
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
        SmtpCommand::Test { to, now } => {
            let s = smtp::test_saved(&*db.reader()?, &to, now.get()?)?;
            out.print(&serde_json::json!({ "sent_to": to }), || {
                format!("test message accepted by {} for {to}", s.host)
            })
        }
        SmtpCommand::Pause { reason, now } => {
            messages::pause(&mut db.writer()?, &reason, now.get()?)?;
            out.print(&serde_json::json!({ "paused": reason }), || {
                "sending is paused; resume with: certdesk-cli smtp resume".into()
            })
        }
        SmtpCommand::SignIn(a) => super::smtp_oauth::sign_in(a, db, out),
        SmtpCommand::SignOut => super::smtp_oauth::sign_out(db, out),
        SmtpCommand::Resume => {
            messages::resume(&mut db.writer()?)?;
            out.print(&serde_json::json!({ "resumed": true }), || {
                "the queue runs again".into()
            })
        }
    }
}

fn show_text(v: &SmtpView, q: &QueueStatus) -> String {
    let Some(s) = &v.settings else {
        return "SMTP is not configured: certdesk-cli smtp set --host ... --from ...".into();
    };
    let or_unset = |t: &str| {
        if t.trim().is_empty() {
            "not set".to_string()
        } else {
            t.to_string()
        }
    };
    let security = match s.security {
        Security::None => "none (plain)",
        Security::Starttls => "starttls",
        Security::Tls => "tls",
    };
    let mut t = format!(
        "server    {}:{}\nsecurity  {security}\nuser      {}\npassword  {}\nfrom      {}\nfrom name {}\ntimeout   {} s\nCA file   {}",
        s.host,
        s.port,
        or_unset(&s.username),
        match (&v.auth, v.has_password) {
            (AuthView::OAuth { .. }, _) => "not used (signed in)",
            (_, true) => "stored",
            (_, false) => "not set",
        },
        s.from_address,
        or_unset(&s.from_name),
        s.timeout_secs,
        or_unset(&s.ca_cert_file),
    );
    if let AuthView::OAuth {
        provider,
        account,
        signed_in,
    } = &v.auth
    {
        t.push_str(&format!(
            "\nlogin     {} account {account} (XOAUTH2){}",
            provider.label(),
            if *signed_in {
                String::new()
            } else {
                format!(
                    ": not signed in, sign in again: certdesk-cli smtp sign-in --provider {}",
                    provider.key()
                )
            }
        ));
    } else if !s.username.is_empty() {
        t.push_str("\nlogin     password");
    }
    if let Some(r) = &q.paused_reason {
        t.push_str(&format!("\nPAUSED: {r}"));
    }
    t
}
