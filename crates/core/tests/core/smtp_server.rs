//! A real SMTP server on loopback for the tests: `tests/smtp/server.py` (aiosmtpd) run by the
//! venv Python that `scripts/test-deps.sh` installs. `$CERTDESK_TEST_PYTHON` names another.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub data: String,
}

impl Received {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The decoded body of the part of this content type (text/plain or text/html).
    pub fn part(&self, content_type: &str) -> String {
        let data = self.data.replace("\r\n", "\n");
        for chunk in data.split("\n--") {
            let Some((head, body)) = chunk.split_once("\n\n") else {
                continue;
            };
            let head_l = head.to_ascii_lowercase();
            if !head_l.contains(&format!("content-type: {content_type}")) {
                continue;
            }
            let body = body.trim_end_matches('\n');
            if head_l.contains("quoted-printable") {
                return decode_qp(body);
            }
            if head_l.contains("base64") {
                return String::from_utf8(b64(&body.replace('\n', ""))).unwrap();
            }
            return body.to_string();
        }
        panic!("no {content_type} part in:\n{}", self.data)
    }
}

fn decode_qp(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 1 < b.len() && b[i + 1] == b'\n' {
            i += 2;
        } else if b[i] == b'=' && i + 2 < b.len() {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|x| *x == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (as lettre writes non-ASCII subjects).
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    for w in s.split(' ') {
        if let Some(inner) = w
            .strip_prefix("=?utf-8?b?")
            .or(w.strip_prefix("=?utf-8?B?"))
        {
            out.push_str(&String::from_utf8(b64(inner.trim_end_matches("?="))).unwrap());
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub out: PathBuf,
    _dir: tempfile::TempDir,
}

/// The repository root (this file is shared by the core and the CLI test binaries).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python that runs the server.
pub fn python() -> PathBuf {
    let p = std::env::var_os("CERTDESK_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/venv/bin/python"));
    assert!(
        p.exists(),
        "the SMTP tests need Python with aiosmtpd at {} — run scripts/test-deps.sh \
         (or set CERTDESK_TEST_PYTHON)",
        p.display()
    );
    p
}

impl SmtpServer {
    /// Starts the server with `args` (see `tests/smtp/server.py`).
    pub fn start(args: &[&str]) -> SmtpServer {
        Self::run("server.py", args)
    }

    /// Starts the scripted server of the fault matrix with `args` (see
    /// `tests/smtp/scripted.py`: `--fault NAME`, `--starttls CERT KEY`).
    pub fn scripted(args: &[&str]) -> SmtpServer {
        Self::run("scripted.py", args)
    }

    /// The commands the scripted server saw, one word each (EHLO, MAIL, RCPT, DATA, BODY ...).
    pub fn events(&self) -> Vec<String> {
        std::fs::read_to_string(self.out.join("events.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn run(script: &str, args: &[&str]) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail");
        let script = repo_root().join("crates/core/tests/smtp").join(script);
        let mut child = Command::new(python())
            .arg(script)
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("SMTP server did not start: {line:?}"))
            .parse()
            .unwrap();
        SmtpServer {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    fn read(&self, prefix: &str) -> Vec<Received> {
        let mut names: Vec<_> = std::fs::read_dir(&self.out)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
                    .filter(|n| {
                        n.starts_with(prefix) || (prefix.is_empty() && !n.starts_with("dropped"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|n| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(self.out.join(n)).unwrap())
                        .unwrap();
                Received {
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap().to_string())
                        .collect(),
                    data: v["data"].as_str().unwrap().to_string(),
                }
            })
            .collect()
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.read("")
    }

    /// Messages read and then dropped without an answer.
    pub fn dropped(&self) -> Vec<Received> {
        self.read("dropped")
    }

    /// Waits (bounded) until at least `n` messages have arrived, and returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.received();
            if r.len() >= n || Instant::now() > end {
                return r;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed server certificate for `localhost` that rustls accepts (a leaf: CA:FALSE,
/// serverAuth), written into `dir`: (cert.pem, key.pem).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args([
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (scripts/test-deps.sh installs it)");
    assert!(ok.success(), "openssl could not make a certificate");
    (cert, key)
}
