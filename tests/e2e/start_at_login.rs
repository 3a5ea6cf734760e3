//! "Start CertDesk when I log in" writes and removes the XDG autostart entry of the user's
//! session (in a temporary home here).

use std::time::Duration;

use crate::harness::{cli_json, App};

async fn wait_for(what: &str, ok: impl Fn() -> bool) {
    for _ in 0..100 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn start_at_login_adds_and_removes_the_autostart_entry() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    let app = App::open_with("start_at_login", dir, db, &[("HOME", home.clone())]).await;
    let autostart = home.join(".config/autostart");
    let entry = || {
        std::fs::read_dir(&autostart).ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "desktop"))
        })
    };
    assert!(entry().is_none());

    app.click("#nav-background").await;
    app.click("#start-at-login").await;
    wait_for("the autostart entry", || entry().is_some()).await;
    let text = std::fs::read_to_string(entry().unwrap()).unwrap();
    assert!(
        text.contains("Exec=") && text.contains("certdesk"),
        "{text}"
    );

    app.click("#start-at-login").await;
    wait_for("the autostart entry's removal", || entry().is_none()).await;
    app.finish().await;
}
