//! A real SMTP server on loopback for the end-to-end tests.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::{repo_root, test_python};

/// One message as the server received it.
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub data: String,
}

impl Received {
    /// The Subject header as sent (ASCII subjects are not encoded).
    pub fn subject(&self) -> String {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ");
        unfolded
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }
}

/// `crates/core/tests/smtp/server.py` (aiosmtpd) on a loopback port; killed on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        Self::start_with(&[])
    }

    /// Starts the server with `args` (see server.py, e.g. `--xoauth2 USER TOKENS`).
    pub fn start_with(args: &[&str]) -> SmtpServer {
        let python = test_python();
        assert!(
            python.exists(),
            "run scripts/test-deps.sh first: no {}",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail");
        let mut child = Command::new(python)
            .arg(repo_root().join("crates/core/tests/smtp/server.py"))
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
        let port = line.trim().strip_prefix("READY ").unwrap().parse().unwrap();
        SmtpServer {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// The recipients of every message received so far.
    pub fn recipients(&self) -> Vec<String> {
        self.received()
            .into_iter()
            .flat_map(|m| m.rcpt_tos)
            .collect()
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        let Ok(dir) = std::fs::read_dir(&self.out) else {
            return Vec::new();
        };
        let mut got = Vec::new();
        // Messages only (not auth.log, nor a file still being written, `.<name>`).
        let messages = dir.flatten().filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.ends_with(".json") && !name.starts_with('.')
        });
        for e in messages {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            got.push(Received {
                rcpt_tos: v["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
                data: v["data"].as_str().unwrap_or_default().to_string(),
            });
        }
        got
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
