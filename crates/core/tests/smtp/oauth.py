"""A local OAuth2 authorization server for CertDesk's sign-in tests (no real provider).

It listens on 127.0.0.1 on a port the OS picks and prints "READY <port>". Endpoints:

  GET  /authorize       checks client_id, PKCE S256 and the loopback redirect_uri, then
                        redirects (302) to redirect_uri?code=..&state=.. (the "browser" step a
                        test follows itself); ?deny=1 redirects with error=access_denied
  POST /token           authorization_code (code + code_verifier checked against the
                        challenge), refresh_token (invalid_grant once revoked), and the
                        device_code grant (authorization_pending until approved)
  POST /devicecode      a device code, a user code and the verification URI
  GET  /device?user_code=..   the person approves on "another device"
  POST /admin/revoke    revokes every refresh token (consent withdrawn)
  POST /admin/expire    ends every access token now (the SMTP server refuses them)
  GET  /admin/stats     {"code": n, "refresh": n, "device": n} grants issued

Every access token issued is appended to TOKENS (one a line), which the SMTP server
(server.py --xoauth2) reads to accept a bearer token. Options: --tokens FILE,
--client-id ID (default certdesk-test), --expires-in SECONDS (default 3600), --rotate
(a new refresh token with each refresh).
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

LOCK = threading.Lock()
STATE = {"codes": {}, "refresh": {}, "devices": {}, "stats": {"code": 0, "refresh": 0, "device": 0}}


def issue(args, kind, refresh=None):
    access = "at-" + secrets.token_urlsafe(16)
    with open(args.tokens, "a") as f:
        f.write(access + "\n")
    if refresh is None or args.rotate:
        if refresh is not None:
            STATE["refresh"].pop(refresh, None)
        refresh = "rt-" + secrets.token_urlsafe(16)
        STATE["refresh"][refresh] = True
    STATE["stats"][kind] += 1
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": args.expires_in,
        "refresh_token": refresh,
        "scope": "test",
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send_json(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def client_id(self, form):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        return form.get("client_id", [""])[0]

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        a = self.server.args
        if u.path == "/authorize":
            redirect = q.get("redirect_uri", "")
            if q.get("client_id") != a.client_id or not redirect.startswith("http://localhost:"):
                return self.send_json(400, {"error": "invalid_request"})
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return self.send_json(400, {"error": "invalid_request", "error_description": "PKCE"})
            if q.get("deny"):
                params = {"error": "access_denied", "state": q.get("state", "")}
            else:
                code = "code-" + secrets.token_urlsafe(8)
                with LOCK:
                    STATE["codes"][code] = (q["code_challenge"], redirect)
                params = {"code": code, "state": q.get("state", "")}
            self.send_response(302)
            self.send_header("Location", redirect + "?" + urlencode(params))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif u.path == "/device":
            with LOCK:
                for d in STATE["devices"].values():
                    if d["user_code"] == q.get("user_code"):
                        d["approved"] = True
            self.send_json(200, {"approved": True})
        elif u.path == "/admin/stats":
            with LOCK:
                self.send_json(200, STATE["stats"])
        else:
            self.send_json(404, {"error": "not_found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(n).decode())
        f = {k: v[0] for k, v in form.items()}
        a = self.server.args
        path = urlparse(self.path).path
        with LOCK:
            if path == "/admin/revoke":
                for k in STATE["refresh"]:
                    STATE["refresh"][k] = False
                return self.send_json(200, {})
            if path == "/admin/expire":
                open(a.tokens, "w").close()
                return self.send_json(200, {})
            if self.client_id(form) != a.client_id:
                return self.send_json(401, {"error": "invalid_client"})
            if path == "/devicecode":
                dc = "dc-" + secrets.token_urlsafe(8)
                uc = secrets.token_hex(4).upper()
                STATE["devices"][dc] = {"user_code": uc, "approved": False}
                host = self.headers.get("Host")
                return self.send_json(200, {
                    "device_code": dc, "user_code": uc,
                    "verification_uri": "http://%s/device" % host,
                    "expires_in": 600, "interval": 0,
                })
            if path != "/token":
                return self.send_json(404, {"error": "not_found"})
            grant = f.get("grant_type")
            if grant == "authorization_code":
                entry = STATE["codes"].pop(f.get("code"), None)
                verifier = f.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if entry is None or entry[0] != digest or entry[1] != f.get("redirect_uri"):
                    return self.send_json(400, {"error": "invalid_grant", "error_description": "code, verifier or redirect"})
                return self.send_json(200, issue(a, "code"))
            if grant == "refresh_token":
                rt = f.get("refresh_token")
                if not STATE["refresh"].get(rt):
                    return self.send_json(400, {"error": "invalid_grant", "error_description": "AADSTS70000: the grant was revoked"})
                return self.send_json(200, issue(a, "refresh", rt))
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                d = STATE["devices"].get(f.get("device_code"))
                if d is None:
                    return self.send_json(400, {"error": "expired_token"})
                if not d["approved"]:
                    return self.send_json(400, {"error": "authorization_pending"})
                del STATE["devices"][f.get("device_code")]
                return self.send_json(200, issue(a, "device"))
            return self.send_json(400, {"error": "unsupported_grant_type"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out")
    p.add_argument("--tokens", required=True)
    p.add_argument("--client-id", default="certdesk-test")
    p.add_argument("--expires-in", type=int, default=3600)
    p.add_argument("--rotate", action="store_true")
    args = p.parse_args()
    open(args.tokens, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.args = args
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
