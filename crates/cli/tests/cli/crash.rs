//! `certdesk-cli send` killed with SIGKILL at random moments and started again, against a
//! real SMTP server on loopback: nothing is lost, and a kill costs at most the one message
//! that was in flight (counted by Message-ID at the server). `docs/RELIABILITY.md` says how
//! to run the long version (`CERTDESK_CRASH_KILLS`, `CERTDESK_CRASH_MESSAGES`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use certdesk_core::Db;

use crate::cli;
use crate::smtp_server::SmtpServer;

/// When the test's messages are queued; each `send` runs at a later `--now`.
pub const QUEUED_AT: &str = "2027-01-02T00:00:00Z";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A store at `dir/s.sqlite` with `n` "assigned" messages queued at [`QUEUED_AT`] and the
/// SMTP settings of `srv`.
pub fn queued_store(dir: &Path, n: usize, srv: &SmtpServer) -> PathBuf {
    let path = dir.join("s.sqlite");
    crate::assigned_store(&path, 0, "Welcome to %programfullname%");
    let set = crate::smtp_set(&path, srv.port, &[]);
    assert!(set.status.success(), "{set:?}");
    queue_more(&path, 0, n, QUEUED_AT);
    path
}

/// Assigns learners `first + 1 ..= first + n` at `now` and runs `certdesk-cli run` at `now`,
/// which queues their `n` welcome messages.
pub fn queue_more(path: &Path, first: usize, n: usize, now: &str) {
    let at = now.parse::<jiff::Timestamp>().unwrap().as_second();
    Db::open(path)
        .unwrap()
        .writer()
        .unwrap()
        .write(|tx| {
            tx.execute(
                "WITH RECURSIVE n(i) AS (SELECT ?1 + 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 + ?2)
                 INSERT INTO learner (id_number, full_name, email)
                 SELECT 'E' || i, 'Learner ' || i, 'e' || i || '@example.org' FROM n",
                [first as i64, n as i64],
            )?;
            tx.execute(
                "INSERT INTO assignment (learner_id, program_id, assigned_at)
                 SELECT id, 1, ?1 FROM learner WHERE id NOT IN (SELECT learner_id FROM assignment)",
                [at],
            )?;
            tx.execute(
                "INSERT INTO event (kind, assignment_id, occurred_at)
                 SELECT 'assigned', id, ?1 FROM assignment WHERE assigned_at = ?1",
                [at],
            )?;
            Ok(())
        })
        .unwrap();
    let run = cli(path, &["--json", "run", "--now", now]);
    assert!(run.status.success(), "{run:?}");
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["notifications"]["queued"], n as u64);
}

/// `certdesk-cli send` at `now`, running.
pub fn spawn_send(path: &Path, now: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(path)
        .args(["--json", "send", "--now", now])
        .env_remove("CERTDESK_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `QUEUED_AT` plus `secs`.
pub fn at(secs: i64) -> String {
    let t: jiff::Timestamp = QUEUED_AT.parse().unwrap();
    (t + jiff::SignedDuration::from_secs(secs)).to_string()
}

/// Deliveries at the server per Message-ID.
pub fn deliveries(srv: &SmtpServer) -> HashMap<String, usize> {
    let mut by_id = HashMap::new();
    for r in srv.received() {
        *by_id.entry(r.header("Message-ID").unwrap()).or_default() += 1;
    }
    by_id
}

/// The Message-IDs the store queued, and whether `PRAGMA integrity_check` says ok.
pub fn store_ids_and_integrity(path: &Path) -> (HashSet<String>, String) {
    let r = Db::open(path).unwrap().reader().unwrap();
    let ids = r
        .prepare("SELECT message_id_hdr FROM outbox")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<HashSet<_>, _>>()
        .unwrap();
    let ok: String = r
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    (ids, ok)
}

/// A small seeded generator (xorshift64*), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[test]
fn send_killed_at_random_moments_loses_nothing_and_resends_at_most_the_message_in_flight() {
    let kills_wanted = env_or("CERTDESK_CRASH_KILLS", 20);
    let n = env_or("CERTDESK_CRASH_MESSAGES", 2000) as usize;
    let seed = env_or("CERTDESK_CRASH_SEED", 0x5eed_c0de);
    let mut rng = Rng(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    let srv = SmtpServer::start(&[]);
    let path = queued_store(dir.path(), n, &srv);
    let mut n = n;
    let started = Instant::now();
    let mut kills = 0u64;
    let mut k = 0i64;
    while kills < kills_wanted {
        // Each run is 700 s after the last: the 600 s leases of a killed run have run out,
        // so what it claimed and did not record is claimed again.
        k += 1;
        let mut child = spawn_send(&path, &at(700 * k));
        std::thread::sleep(Duration::from_millis(50 + rng.below(351)));
        let running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if running {
            kills += 1;
        } else {
            // A fast machine emptied the queue before the kill: queue more and go on.
            assert!(status.success(), "send failed before the kill: {status:?}");
            queue_more(&path, n, 1000, &at(700 * k + 350));
            n += 1000;
        }
    }
    let final_start = Instant::now();
    let last = spawn_send(&path, &at(700 * (k + 1)))
        .wait_with_output()
        .unwrap();
    let final_secs = final_start.elapsed().as_secs_f64();
    assert!(last.status.success(), "{last:?}");
    let by_id = deliveries(&srv);
    let (queued, integrity) = store_ids_and_integrity(&path);
    let total: usize = by_id.values().sum();
    let extra = total - by_id.len();
    eprintln!(
        "crash: {n} messages, {kills} kills (seed {seed:#x}): {total} deliveries, {extra} extra, \
         {} messages twice or more, {:.1} s ({final_secs:.1} s for the last send)",
        by_id.values().filter(|c| **c > 1).count(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(integrity, "ok");
    assert_eq!(queued.len(), n);
    let got: HashSet<String> = by_id.keys().cloned().collect();
    assert_eq!(
        got, queued,
        "every queued message arrived, under its own Message-ID"
    );
    assert!(
        extra as u64 <= kills,
        "{extra} extra deliveries for {kills} kills"
    );
    let status = cli(&path, &["--json", "send", "--status"]);
    let s: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        (s["sent"].as_u64(), s["sending"].as_u64()),
        (Some(n as u64), Some(0))
    );
}
