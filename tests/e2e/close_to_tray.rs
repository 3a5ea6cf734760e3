//! Closing the window as a window manager's close button does (a WM_DELETE_WINDOW message,
//! sent by `close_window.py`): with sending configured CertDesk stays running (in the tray)
//! so its timer goes on sending; without, closing quits.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{app_binary, cli_json, display, repo_root, test_python, Running};

/// Starts the app on `db`, closes its window once it is up; returns what became of the
/// window ("gone", "hidden" or "shown", from `close_window.py`) and whether the app was still
/// running 15 seconds later (a loaded CI machine may take a while to quit).
fn close_the_window(db: &Path) -> (String, bool) {
    let display = display();
    let mut app = Running(
        Command::new(app_binary())
            .arg("--db")
            .arg(db)
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start certdesk"),
    );
    // Let the window map and the page load before closing it (slow on a cold first start).
    std::thread::sleep(Duration::from_secs(8));
    let closed = Command::new(test_python())
        .arg(repo_root().join("tests/e2e/close_window.py"))
        .arg("CertDesk")
        .env("DISPLAY", &display.name)
        .output()
        .expect("run close_window.py (scripts/test-deps.sh installs python-xlib)");
    assert!(
        closed.status.success(),
        "the CertDesk window was found and asked to close"
    );
    let window = String::from_utf8_lossy(&closed.stdout).trim().to_string();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if app.0.try_wait().unwrap().is_some() {
            return (window, false);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (window, true)
}

#[test]
fn closing_the_window_keeps_certdesk_sending_only_when_mail_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    let (window, running) = close_the_window(&db);
    assert!(
        window == "gone" && !running,
        "no SMTP: closing the window quits (window {window}, running {running})"
    );

    cli_json(
        &db,
        &[
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            "2525",
            "--from",
            "l@example.org",
        ],
    );
    let (window, running) = close_the_window(&db);
    assert!(
        window == "hidden" && running,
        "SMTP configured: closing the window hides it and CertDesk keeps running \
         (window {window}, running {running})"
    );
}
