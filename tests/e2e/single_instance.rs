//! One instance at a time, per store: a second launch on the same store hands over to the
//! running one and exits; a launch on another store starts on its own. Runs the real app on
//! a private D-Bus session bus (the single-instance plugin's channel on Linux) under Xvfb.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{app_binary, cli_json, display, Running};

fn session_bus() -> (Running, String) {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon (apt-get install dbus)");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    (Running(bus), address.trim().to_string())
}

fn bus_names(address: &str) -> String {
    let out = Command::new("dbus-send")
        .args([
            &format!("--bus={address}"),
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames",
        ])
        .output()
        .expect("dbus-send");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn launch(db: &Path, display: &str, bus: &str) -> Running {
    Running(
        Command::new(app_binary())
            .arg("--db")
            .arg(db)
            .env("DISPLAY", display)
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start certdesk"),
    )
}

/// Waits up to `limit` for the process to exit; its exit code if it did.
fn exits_within(app: &mut Running, limit: Duration) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = app.0.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
fn a_second_launch_on_the_same_store_hands_over_and_exits() {
    let display = display();
    let (_bus, address) = session_bus();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    let other = dir.path().join("other.sqlite");
    cli_json(&other, &["init", "--demo"]);

    let mut first = launch(&db, &display.name, &address);
    // The first instance owns its name on the bus once it is up.
    let start = Instant::now();
    let mut names = bus_names(&address);
    while !names.contains("certdesk") && start.elapsed() < Duration::from_secs(60) {
        assert!(
            first.0.try_wait().unwrap().is_none(),
            "the first instance died"
        );
        std::thread::sleep(Duration::from_millis(200));
        names = bus_names(&address);
    }
    assert!(
        names.contains("certdesk"),
        "no CertDesk name on the bus:\n{names}"
    );

    let mut second = launch(&db, &display.name, &address);
    assert_eq!(
        exits_within(&mut second, Duration::from_secs(20)),
        Some(0),
        "the second launch on the same store exits cleanly"
    );
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first instance keeps running"
    );

    let mut elsewhere = launch(&other, &display.name, &address);
    assert_eq!(
        exits_within(&mut elsewhere, Duration::from_secs(5)),
        None,
        "a launch on another store runs on its own"
    );
}
