//! One SMTP connection with and without PIPELINING (RFC 2920), on the same store and the
//! same in-process loopback sink, in one run: messages per second each way and the ratio.
//!
//! `cargo run --release -p certdesk-core --example bench_smtp [messages] [connections]
//! [round-trip-ms]` (default 20,000 messages, 1 connection, 0 ms: loopback as it is; give
//! e.g. 2 to hold every reply 2 ms, as a network would). Each round queues the messages
//! afresh (SQL, bytes formatted at claim as usual) and sends them with `send_due`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use certdesk_core::mail::{self, Security, SendOptions, SmtpSettings};
use certdesk_core::{Db, ManualClock, Result};

/// A minimal SMTP server that accepts every message; offers PIPELINING when `pipelining`.
/// Each reply reaches the client `delay` after the command that asked for it arrived (a
/// network's round trip, modelled by a writer thread that holds each reply until then).
fn sink(pipelining: bool, delay: Duration) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.set_nodelay(true);
                let mut w = s.try_clone().expect("clone");
                let (tx, rx) = std::sync::mpsc::channel::<(Instant, &'static [u8])>();
                std::thread::spawn(move || {
                    for (due, reply) in rx {
                        std::thread::sleep(due.saturating_duration_since(Instant::now()));
                        if w.write_all(reply).is_err() {
                            break;
                        }
                    }
                });
                let mut r = BufReader::new(s);
                let _ = tx.send((Instant::now(), b"220 sink\r\n"));
                let (mut line, mut data) = (String::new(), false);
                while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    let reply: &'static [u8] = if data {
                        if line == ".\r\n" {
                            data = false;
                            b"250 queued\r\n"
                        } else {
                            b""
                        }
                    } else {
                        match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                            Some("EHLO") if pipelining => {
                                b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                            }
                            Some("EHLO") => b"250-sink\r\n250 8BITMIME\r\n",
                            Some("DATA") => {
                                data = true;
                                b"354 go\r\n"
                            }
                            Some("QUIT") => {
                                let _ = tx.send((Instant::now() + delay, b"221 bye\r\n"));
                                break;
                            }
                            _ => b"250 ok\r\n",
                        }
                    };
                    if !reply.is_empty() && tx.send((Instant::now() + delay, reply)).is_err() {
                        break;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

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
            port: sink(pipelining, delay),
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
