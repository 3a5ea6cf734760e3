//! A local OAuth2 authorization server for the sign-in tests (`tests/smtp/oauth.py`), a
//! loopback SMTP server that takes only `AUTH XOAUTH2` with the tokens it issued, and the
//! "browser": a plain HTTP GET that follows the authorization redirect to the loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::smtp_server::{python, SmtpServer};

pub struct OAuthServer {
    child: Child,
    pub port: u16,
    /// The access tokens issued (the SMTP server accepts these).
    pub tokens: PathBuf,
    _dir: tempfile::TempDir,
}

/// The client id the server expects.
pub const CLIENT_ID: &str = "certdesk-test";

impl OAuthServer {
    /// Starts `oauth.py` with `args` (e.g. `--rotate`).
    pub fn start(args: &[&str]) -> OAuthServer {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens.txt");
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/smtp/oauth.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--tokens")
            .arg(&tokens)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the OAuth server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("OAuth server did not start: {line:?}"))
            .parse()
            .unwrap();
        OAuthServer {
            child,
            port,
            tokens,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// An SMTP server that takes `AUTH XOAUTH2` as `user` with a token this server issued.
    pub fn smtp(&self, user: &str) -> SmtpServer {
        SmtpServer::start(&["--xoauth2", user, self.tokens.to_str().unwrap()])
    }

    /// Grants issued so far: `code`, `refresh` or `device`.
    pub fn grants(&self, kind: &str) -> u64 {
        let (_, _, body) = http("GET", &self.url("/admin/stats"));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v[kind].as_u64().unwrap()
    }

    /// Revokes every refresh token (consent withdrawn).
    pub fn revoke(&self) {
        http("POST", &self.url("/admin/revoke"));
    }

    /// Ends every access token now: the SMTP server refuses them.
    pub fn expire_access_tokens(&self) {
        http("POST", &self.url("/admin/expire"));
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.0 request to an `http://host:port/path` URL: (status, Location, body).
pub fn http(method: &str, url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    // The loopback redirect names `localhost`: the listener is on 127.0.0.1.
    let addr = authority.replace("localhost", "127.0.0.1");
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let location = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("location")
            .then(|| v.trim().to_string())
    });
    (status, location, body.to_string())
}

/// The browser's part of the loopback sign-in: opens the authorization URL, follows its
/// redirect to the loopback and returns the page CertDesk showed there.
pub fn browse(authorize_url: &str) -> String {
    let (status, location, body) = http("GET", authorize_url);
    assert_eq!(status, 302, "the authorization server said: {body}");
    let (_, _, page) = http("GET", &location.expect("a redirect"));
    page
}

/// The person on "another device": approves the device code `user_code`.
pub fn approve(verification_uri: &str, user_code: &str) {
    let (status, _, body) = http("GET", &format!("{verification_uri}?user_code={user_code}"));
    assert_eq!(status, 200, "{body}");
}
