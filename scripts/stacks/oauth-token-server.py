#!/usr/bin/env python3
"""A small OAuth2 authorization server for the test mail stack (Python standard library only).

Dovecot's oauth2 passdb asks /introspect whether a bearer token is valid (RFC 7662, POST);
the checks fetch tokens from /token with the refresh_token or client_credentials grant
(RFC 6749). Tests make clients of their own through /clients, so that counters and settings
of tests running in parallel never meet:

  POST /clients        {"user": "alice@example.test", "expires_in": 3600, "rotate": false}
                       -> {"client_id", "client_secret", "refresh_token"}
  GET  /stats?client_id=ID -> {"token_requests": N, "introspections": M}
  POST /revoke         {"refresh_token": R}   (the next refresh is invalid_grant)
  POST /expire         {"client_id": ID}       (every access token of the client expires now)

Everything lives in memory; a restart forgets all clients (tests make theirs anew).
"""
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
CLIENTS = {}        # client_id -> {"secret", "user", "expires_in", "rotate", "token_requests", "introspections"}
REFRESH = {}        # refresh token -> client_id
ACCESS = {}         # access token -> {"client_id", "user", "expires_at"}


class Handler(BaseHTTPRequestHandler):
    server_version = "mailcheck-oauth/1"

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
        sys.stdout.flush()

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                return json.loads(raw or "{}")
            except ValueError:
                return {}
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

    def client_auth(self, form):
        """client_secret_basic or client_secret_post."""
        header = self.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            import base64
            try:
                pair = base64.b64decode(header[6:]).decode()
                cid, _, secret = pair.partition(":")
                return urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret)
            except Exception:
                return None, None
        return form.get("client_id"), form.get("client_secret")

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/stats":
            cid = urllib.parse.parse_qs(url.query).get("client_id", [""])[0]
            with LOCK:
                client = CLIENTS.get(cid)
                if not client:
                    return self.reply(404, {"error": "no such client"})
                return self.reply(200, {"token_requests": client["token_requests"],
                                        "introspections": client["introspections"]})
        if url.path == "/health":
            return self.reply(200, {"ok": True})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        form = self.body()
        if path == "/clients":
            cid, secret, refresh = "c-" + secrets.token_hex(6), secrets.token_hex(16), "r-" + secrets.token_hex(16)
            with LOCK:
                CLIENTS[cid] = {"secret": secret, "user": form.get("user", ""),
                                "expires_in": int(form.get("expires_in", 3600)), "rotate": bool(form.get("rotate")),
                                "token_requests": 0, "introspections": 0}
                REFRESH[refresh] = cid
            return self.reply(200, {"client_id": cid, "client_secret": secret, "refresh_token": refresh})
        if path == "/revoke":
            with LOCK:
                REFRESH.pop(form.get("refresh_token", ""), None)
            return self.reply(200, {})
        if path == "/expire":
            with LOCK:
                for token in ACCESS.values():
                    if token["client_id"] == form.get("client_id"):
                        token["expires_at"] = 0
            return self.reply(200, {})
        if path == "/token":
            return self.token(form)
        if path == "/introspect":
            return self.introspect(form)
        self.reply(404, {"error": "not found"})

    def token(self, form):
        cid, secret = self.client_auth(form)
        with LOCK:
            client = CLIENTS.get(cid or "")
            if client:
                client["token_requests"] += 1
            if not client or not secrets.compare_digest(client["secret"], secret or ""):
                return self.reply(401, {"error": "invalid_client", "error_description": "unknown client or wrong secret"})
            grant = form.get("grant_type")
            result = {}
            if grant == "refresh_token":
                refresh = form.get("refresh_token", "")
                if REFRESH.get(refresh) != cid:
                    return self.reply(400, {"error": "invalid_grant",
                                            "error_description": "refresh token revoked or unknown"})
                if client["rotate"]:
                    REFRESH.pop(refresh)
                    rotated = "r-" + secrets.token_hex(16)
                    REFRESH[rotated] = cid
                    result["refresh_token"] = rotated
            elif grant != "client_credentials":
                return self.reply(400, {"error": "unsupported_grant_type"})
            access = "a-" + secrets.token_hex(20)
            ACCESS[access] = {"client_id": cid, "user": client["user"], "expires_at": time.time() + client["expires_in"]}
            result.update({"access_token": access, "token_type": "Bearer", "expires_in": client["expires_in"]})
            if form.get("scope"):
                result["scope"] = form["scope"]
        self.reply(200, result)

    def introspect(self, form):
        with LOCK:
            token = ACCESS.get(form.get("token", ""))
            if token and token["client_id"] in CLIENTS:
                CLIENTS[token["client_id"]]["introspections"] += 1
            if not token or token["expires_at"] <= time.time():
                return self.reply(200, {"active": False})
            return self.reply(200, {"active": True, "username": token["user"], "scope": "mail",
                                    "exp": int(token["expires_at"])})


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 10080
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("listening on 127.0.0.1:%d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
