//! One SMTP connection with and without PIPELINING (RFC 2920), on the same store and the
//! same in-process loopback sink, in one run: messages per second each way and the ratio.
//!
//! `cargo run --release -p certdesk-core --example bench_smtp [messages] [connections]
//! [round-trip-ms]` (default 20,000 messages, 1 connection, 0 ms: loopback as it is; give
//! e.g. 2 to hold every reply 2 ms, as a network would). Each round queues the messages
//! afresh (SQL, bytes formatted at claim as usual) and sends them with `send_due`.

#[path = "support/sink.rs"]
mod sink;

use std::time::{Duration, Instant};

use certdesk_core::mail::{self, Security, SendOptions, SmtpSettings};
use certdesk_core::{Db, ManualClock, Result};

fn queue(db: &Db, n: i64, round: i64) -> Result<()> {
    db.writer()?.write(|tx| {
        tx.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
             INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject, body_html,
                body_text, state, created_at)
             SELECT 'bench:' || ?2 || ':' || i, 'learner', 'e' || i || '@example.org',
                'Reminder ' || i, '<p>Hello</p>', 'Hello', 'queued', 0 FROM k",
            [n, round],
        )?;
        tx.execute(
            "INSERT INTO outbox (message_id, message_id_hdr, raw, state, next_attempt_at)
             SELECT id, '<' || dedup_key || '@bench>', X'', 'queued', 0 FROM message
             WHERE state = 'queued'",
            [],
        )?;
        Ok(())
    })
}

fn main() -> Result<()> {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(20_000);
    let connections = u32::try_from(args.get(1).copied().unwrap_or(1)).unwrap_or(1);
    let delay =
        Duration::from_millis(u64::try_from(args.get(2).copied().unwrap_or(0)).unwrap_or(0));
    let dir = std::env::temp_dir().join(format!("certdesk-bench-smtp-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Db::open(dir.join("s.sqlite"))?;
    let clock = ManualClock::new("2027-01-01T00:00:00Z".parse().expect("time"));
    let mut rates = Vec::new();
    for (round, pipelining) in [(1, false), (2, true), (3, false), (4, true)] {
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: sink::sink(pipelining, delay),
            security: Security::None,
            username: String::new(),
            from_address: "learning@example.org".into(),
            from_name: "Learning".into(),
            timeout_secs: 30,
            ca_cert_file: String::new(),
            allow_plain_auth: false,
        };
        db.writer()?
            .write(|tx| mail::save_settings(tx, &settings))?;
        queue(&db, n, round)?;
        let opts = SendOptions {
            connections,
            ..SendOptions::default()
        };
        let t0 = Instant::now();
        let s = mail::send_due(&db, &clock, &opts)?;
        let took = t0.elapsed();
        let rate = f64::from(s.sent) / took.as_secs_f64();
        let how = if pipelining {
            "PIPELINING"
        } else {
            "one command at a time"
        };
        println!(
            "{how}: {} sent in {took:.2?} ({rate:.0} messages/s, {connections} connection(s))",
            s.sent
        );
        rates.push((pipelining, rate));
    }
    let mean = |p: bool| {
        let v: Vec<f64> = rates.iter().filter(|r| r.0 == p).map(|r| r.1).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    println!(
        "PIPELINING / one at a time: {:.2} ({:.0} vs {:.0} messages/s, mean of 2 rounds each)",
        mean(true) / mean(false),
        mean(true),
        mean(false)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
