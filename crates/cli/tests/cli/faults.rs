//! `smtp set` refusing a header value that would break a message, and `send` exiting
//! non-zero with a one-line reason when the server (or a pause) let nothing through.

use certdesk_core::Db;

use crate::cli;

const NOW: &str = "2027-01-02T00:00:00Z";

/// A store with `n` queued "welcome" messages.
fn store(dir: &std::path::Path, n: u32) -> std::path::PathBuf {
    let path = dir.join("s.sqlite");
    crate::assigned_store(&path, n as usize, "Welcome");
    assert!(cli(&path, &["run", "--now", NOW]).status.success());
    path
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[test]
fn smtp_set_refuses_a_line_break_in_the_from_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path(), 1);
    for bad in ["Team\r\nBcc: evil@example.net", "Team\nX: 1", "Team\u{7}"] {
        let o = crate::smtp_set(&path, 2525, &["--from-name", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}: {o:?}");
        let e = stderr(&o);
        assert!(
            e.contains("invalid from name") && e.contains("one line"),
            "{e}"
        );
    }
    let show = cli(&path, &["smtp", "show"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("SMTP is not configured"));
}

#[test]
fn send_exits_non_zero_with_one_line_when_the_server_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path(), 2);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(
        crate::smtp_set(&path, port, &["--from-name", "Learning team"])
            .status
            .success()
    );
    let o = cli(&path, &["--json", "send", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    let v: serde_json::Value = serde_json::from_str(&e).unwrap();
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("nothing sent") && msg.contains("cannot connect"),
        "{msg}"
    );
    let sum: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (sum["sent"].as_u64(), sum["retried"].as_u64()),
        (Some(0), Some(1))
    );
}

/// An old store with a line break in its From name: `send` pauses instead of panicking,
/// `smtp show` prints why, `smtp test` is refused, every one exits 1, never 101.
#[test]
fn a_bad_stored_from_name_pauses_and_smtp_show_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path(), 1);
    let db = Db::open(&path).unwrap();
    db.writer()
        .unwrap()
        .write(|tx| {
            tx.execute(
                "INSERT INTO setting (key, value) VALUES ('smtp.settings', ?1)",
                [r#"{"host":"127.0.0.1","port":2525,"security":"none","username":"","from_address":"learning@certdesk.test","from_name":"Team\r\nBcc: evil@example.net","timeout_secs":5,"ca_cert_file":""}"#],
            )?;
            Ok(())
        })
        .unwrap();
    let send = cli(&path, &["send", "--now", NOW]);
    assert_eq!(send.status.code(), Some(1), "{send:?}");
    assert!(stderr(&send).contains("paused"), "{}", stderr(&send));
    let show = cli(&path, &["smtp", "show"]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("PAUSED: the saved SMTP settings are not valid (invalid from name"),
        "{text}"
    );
    let test = cli(&path, &["smtp", "test", "--to", "me@example.org"]);
    assert_eq!(test.status.code(), Some(1), "{test:?}");
    assert!(stderr(&test).contains("invalid from name"));
}
