//! Delivery (DOMAIN.md section 6): the durable outbox that `run(now)` fills, the SMTP sender
//! that empties it under a lease, the SMTP settings (password in the OS keyring), and the
//! message log.
//!
//! [`send_due`] is safe to run from several processes at once: a message is claimed under a
//! lease in a `BEGIN IMMEDIATE` transaction before it is sent.

mod client;
mod fault;
mod lane;
mod ledger;
pub mod log;
pub mod message;
pub mod oauth;
pub mod oauth_account;
pub mod oauth_flow;
pub mod oauth_secret;
mod oauth_smtp;
pub mod oauth_token;
pub mod outbox;
pub mod restore;
pub mod sender;
pub mod smtp;
pub mod smtp_settings;

pub use log::{list_messages, resend, LogEntry, LogFilter, LogPage};
pub use message::{escape_html, text_to_html, Rendered};
pub use outbox::{pause, queue_status, resume, QueueStatus};
pub use sender::{send_due, send_now, send_now_with, test_send, SendOptions, SendSummary};
pub use smtp_settings::{
    load_password, load_settings, save_password, save_settings, PasswordStore, Security,
    SmtpSettings,
};
