//! Starts Xvfb (when there is no display), tauri-driver and the app on a store of the
//! test's own, and hands the test a WebDriver client. Every test ends with a screenshot in
//! `target/e2e-screenshots/`. The helpers the tests share live beside it: waiting for text
//! and choosing options (`wait.rs`), and a real SMTP server on loopback (`smtp.rs`).

mod smtp;
mod wait;

pub use smtp::SmtpServer;
pub use wait::{choose, fill, wait_cells, wait_text};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long [`App::finish`] waits for the closing screenshot and the session's end.
const SCREENSHOT_WAIT: Duration = Duration::from_secs(10);

/// The repository root (cargo runs these tests from `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn app_binary() -> PathBuf {
    std::env::var_os("CERTDESK_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| built("certdesk"))
}

fn cli_binary() -> PathBuf {
    std::env::var_os("CERTDESK_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| built("certdesk-cli"))
}

/// A debug binary in `$CARGO_TARGET_DIR` when it is set (as `.ci/run` sets it), else in the
/// repository's `target/`.
fn built(name: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from)
        .join("debug")
        .join(name)
}

/// The Python of `scripts/test-deps.sh` (aiosmtpd, python-xlib), or `$CERTDESK_TEST_PYTHON`.
pub fn test_python() -> PathBuf {
    std::env::var_os("CERTDESK_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/venv/bin/python"))
}

/// A child process killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `certdesk-cli --db <db> --json <args>` and parses its JSON output.
pub fn cli_json(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(cli_binary())
        .arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .output()
        .expect("run certdesk-cli (build it first: cargo build -p certdesk-cli)");
    assert!(
        out.status.success(),
        "certdesk-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("certdesk-cli printed JSON")
}

pub struct Display {
    xvfb: Option<Child>,
    pub name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(x) = self.xvfb.as_mut() {
            let _ = x.kill();
            let _ = x.wait();
        }
    }
}

/// The X display to use: `$DISPLAY`, else an Xvfb of its own (stopped on drop).
pub fn display() -> Display {
    if let Some(d) = std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
        return Display {
            xvfb: None,
            name: d.to_string_lossy().into_owned(),
        };
    }
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb (apt-get install xvfb)");
    let mut stdout = xvfb.stdout.take().unwrap();
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while std::io::Read::read(&mut stdout, &mut byte).unwrap() == 1 && byte[0] != b'\n' {
        number.push(byte[0] as char);
    }
    Display {
        xvfb: Some(xvfb),
        name: format!(":{}", number.trim()),
    }
}

/// The app running on a store of its own, with a WebDriver session on its window.
pub struct App {
    pub client: Client,
    pub db: PathBuf,
    name: String,
    driver: Child,
    /// Kept until the app is dropped: an Xvfb of its own stops with it.
    _display: Display,
    _dir: tempfile::TempDir,
}

impl App {
    /// Creates a demo store with the CLI, then launches the app on it.
    pub async fn with_demo(name: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("certdesk.sqlite");
        cli_json(&db, &["init", "--demo"]);
        Self::open(name, dir, db).await
    }

    /// Launches the app on the store `db` (kept in `dir`).
    pub async fn open(name: &str, dir: tempfile::TempDir, db: PathBuf) -> App {
        Self::open_with(name, dir, db, &[]).await
    }

    /// Launches the app on the store `db` with extra environment variables (`HOME`, ...).
    pub async fn open_with(
        name: &str,
        dir: tempfile::TempDir,
        db: PathBuf,
        env: &[(&str, PathBuf)],
    ) -> App {
        let args = json!(["--db", db]);
        Self::launch(name, dir, db, args, env).await
    }

    /// Launches the app as on a new workstation: no `--db`, an empty data folder
    /// (`$XDG_DATA_HOME` in a temporary folder), so it starts with the first-run screen.
    /// `db` is the store the app creates in that folder.
    pub async fn first_start(name: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        let data_home = dir.path().join("data");
        let db = data_home.join("com.certdesk.app/certdesk.sqlite");
        Self::launch(name, dir, db, json!([]), &[("XDG_DATA_HOME", data_home)]).await
    }

    /// The X display the window is on (for `close_window.py`).
    pub fn display_name(&self) -> &str {
        &self._display.name
    }

    /// The folder the app keeps its data in when started by [`App::first_start`].
    pub fn data_folder(&self) -> PathBuf {
        self.db.parent().unwrap().to_path_buf()
    }

    async fn launch(
        name: &str,
        dir: tempfile::TempDir,
        db: PathBuf,
        args: serde_json::Value,
        env: &[(&str, PathBuf)],
    ) -> App {
        let display = display();
        let port = free_port();
        let native = free_port();
        let mut driver =
            Command::new(std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into()));
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // The app, started by tauri-driver through WebKitWebDriver, inherits them.
        driver.envs(env.iter().map(|(k, v)| (k, v)));
        let driver = driver
            .spawn()
            .expect("start tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)");
        let caps = json!({
            "tauri:options": {
                "application": app_binary(),
                "args": args,
            }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        let mut client = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let client = client.unwrap_or_else(|| panic!("no WebDriver session: {last:?}"));
        App {
            client,
            db,
            name: name.to_string(),
            driver,
            _display: display,
            _dir: dir,
        }
    }

    /// Waits for an element to appear.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    /// Scrolls an element into view (WebKitWebDriver does not scroll inside the app's
    /// scrolling main area) and clicks it.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            .unwrap();
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {css}: {err}"));
    }

    /// Queues the answers of the next file dialogs (open or save), in order: WebDriver cannot
    /// drive a native dialog, so the window's `ui/src/lib/files.ts` takes them from
    /// `window.__certdeskTestPaths` instead of showing one.
    pub async fn choose_files(&self, paths: &[&Path]) {
        let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        self.client
            .execute(
                "window.__certdeskTestPaths = arguments[0]",
                vec![serde_json::to_value(paths).unwrap()],
            )
            .await
            .unwrap();
    }

    /// The text of an element, once it appears.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Saves a screenshot of the window to `target/e2e-screenshots/<test>.png` and ends
    /// the session.
    pub async fn finish(self) {
        let dir = repo_root().join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        // Let the window paint what the test just saw before capturing it.
        let _ = self
            .client
            .execute_async(
                "requestAnimationFrame(() => requestAnimationFrame(() => arguments[0]()))",
                vec![],
            )
            .await;
        // With WebKit's compositing off (the app's default, src-tauri/src/rendering.rs),
        // WebKitWebDriver's screenshot sometimes never answers (the completion report, the
        // settings screen) although the window paints (an X screenshot shows it). The
        // picture is a record, not an assertion: a late one is skipped.
        match tokio::time::timeout(SCREENSHOT_WAIT, self.client.screenshot()).await {
            Ok(png) => {
                let png = png.expect("screenshot");
                std::fs::write(dir.join(format!("{}.png", self.name)), png).unwrap();
            }
            Err(_) => eprintln!("{}: no screenshot within {SCREENSHOT_WAIT:?}", self.name),
        }
        let _ = tokio::time::timeout(SCREENSHOT_WAIT, self.client.clone().close()).await;
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver and the app; SIGKILL would orphan them.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.driver.id().to_string())
            .status();
        let _ = self.driver.wait();
    }
}
