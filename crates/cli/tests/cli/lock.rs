//! `certdesk-cli send` while another connection holds the write lock for 15 s, longer than
//! the store's 10 s busy timeout (a long import, say): the sender waits to record what it
//! delivered instead of failing with "database is locked" and sending the batch again.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use certdesk_core::Db;

use crate::crash::{at, deliveries, queued_store, spawn_send, store_ids_and_integrity};
use crate::smtp_server::SmtpServer;

#[test]
fn a_15_s_writer_during_send_costs_no_duplicate_and_no_failure() {
    let n = 1500;
    let dir = tempfile::tempdir().unwrap();
    let srv = SmtpServer::start(&[]);
    let path = queued_store(dir.path(), n, &srv);
    let send = spawn_send(&path, &at(60));
    let end = Instant::now() + Duration::from_secs(20);
    while srv.received().len() < 20 {
        assert!(Instant::now() < end, "send delivered nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    let hold = Duration::from_secs(15);
    let mut w = Db::open(&path).unwrap().writer().unwrap();
    let (before, after) = w
        .write(|_| {
            let before = srv.received().len();
            std::thread::sleep(hold);
            Ok((before, srv.received().len()))
        })
        .unwrap();
    let out = send.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("lock: {before} delivered when the writer began, {after} when it ended; {stderr}");
    assert!(out.status.success(), "send failed: {stderr}");
    assert!(!stderr.contains("locked"), "{stderr}");
    assert!(
        after < n,
        "send was still delivering when the writer let go"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sent"], n as u64);
    let by_id = deliveries(&srv);
    let (queued, integrity) = store_ids_and_integrity(&path);
    assert_eq!(integrity, "ok");
    assert_eq!(by_id.values().sum::<usize>(), n, "no message twice");
    let got: HashSet<String> = by_id.keys().cloned().collect();
    assert_eq!(got, queued, "every queued message arrived");
}

/// A `send` started while another process already holds the write lock for longer than the
/// busy timeout: opening the store needs no write lock, and the claim waits for the writer,
/// so the send delivers everything once the writer lets go.
#[test]
fn a_send_started_behind_a_12_s_writer_waits_and_delivers() {
    let n = 200;
    let dir = tempfile::tempdir().unwrap();
    let srv = SmtpServer::start(&[]);
    let path = queued_store(dir.path(), n, &srv);
    let mut w = Db::open(&path).unwrap().writer().unwrap();
    let mut send = None;
    w.write(|_| {
        send = Some(spawn_send(&path, &at(60)));
        std::thread::sleep(Duration::from_secs(12));
        assert!(srv.received().is_empty(), "nothing claimed under the lock");
        Ok(())
    })
    .unwrap();
    let out = send.unwrap().wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "send failed: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sent"], n as u64);
    assert_eq!(
        deliveries(&srv).values().sum::<usize>(),
        n,
        "no message twice"
    );
}
