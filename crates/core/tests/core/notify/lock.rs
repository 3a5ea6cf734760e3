//! The sender against another process holding the write lock: it waits, in short slices,
//! instead of failing with "database is locked" (the CLI test `lock.rs` holds it for 15 s,
//! past the store's busy timeout, while outcomes are being recorded).

use std::sync::mpsc;
use std::time::Duration;

use certdesk_core::mail::Security;
use certdesk_core::notify::{Recipients, Timing, Trigger};

use super::{rule, Fx, SmtpServer};

#[test]
fn a_claim_waits_for_a_writer_instead_of_failing() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome",
            "Hello",
        ),
        "2027-01-01T00:00:00Z",
    );
    for i in 0..30 {
        let l = fx.learner(&format!("E{i}"), &format!("Learner {i}"), "UTC");
        let a = fx.assign(l, "2027-01-02T00:00:00Z", "not_started");
        fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    }
    assert_eq!(fx.run("2027-01-02T00:00:00Z").notifications.queued, 30);
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    let (held, go) = mpsc::channel();
    let db = fx.db.clone();
    let writer = std::thread::spawn(move || {
        db.writer()
            .unwrap()
            .write(|_| {
                held.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(1500));
                Ok(())
            })
            .unwrap();
    });
    go.recv().unwrap();
    let sum = fx.send("2027-01-02T00:00:00Z");
    writer.join().unwrap();
    assert_eq!(sum.sent, 30);
    assert_eq!(srv.wait_for(30).len(), 30);
}
