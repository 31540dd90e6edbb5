#!/usr/bin/env python3
"""fake-vault.py: a loopback stand-in for HashiCorp Vault / OpenBao, for hush's tests and benchmarks.

Python standard library only (http.server, ssl). It binds 127.0.0.1 on a free port, writes the port to
--port-file, and exits by itself after --timeout seconds or as soon as the process --parent is gone.

It reproduces these parts of Vault's HTTP API (docs/vault.md lists them for readers):
  GET  /v1/<mount>/data/<path>[?version=N]   KV version 2 read: 200 with .data.data and .data.metadata;
                                             404 {"errors": []} for a missing path or version; 404 with
                                             .data.data null and the metadata (deletion_time, destroyed) for a
                                             deleted or destroyed version
  POST /v1/auth/<approle mount>/login        AppRole: {"role_id", "secret_id"} -> .auth.client_token;
                                             400 {"errors": ["invalid role or secret ID"]}
  POST /v1/auth/token/revoke-self            204; the token stops working
  GET  /v1/sys/health                        200, or 503 with the health body when sealed
  X-Vault-Token                              missing or unknown: 403 {"errors": ["permission denied"]};
                                             a policy that does not cover the path: 403 with Vault's
                                             multi-error text "1 error occurred:\n\t* permission denied\n\n"
  X-Vault-Namespace                          paths are resolved in that namespace; a token works in its own
                                             namespace and the ones below it
  X-Vault-Request                            recorded; with "require_request_header" in the data file a request
                                             without it gets 412 (Vault's listener option of that name)
  sealed                                     every endpoint but sys/health: 503 {"errors": ["Vault is sealed"]}
  unknown mount                              404 {"errors": ["no handler for route ..."]}

Data file (JSON):
  {"tokens": {"TOKEN": {"namespace": "", "policies": ["secret/data/myapp/*"]}},   # "root" allows everything
   "approle": {"mount": "approle", "roles": {"ROLE_ID": {"secret_id": "...", "policies": [...], "namespace": ""}}},
   "namespaces": {"": {"secret": {"myapp/prod": [{"data": {...}}, {"data": {...}, "deletion_time": "...",
                                                  "destroyed": false}]}}},
   "sealed": false, "require_request_header": false}
A secret is a list of versions (version 1 first); a version is {"data": {...}} with optional "deletion_time"
and "destroyed".

Test hooks (--control FILE, JSON, re-read before each request; counters restart when its text changes):
  {"actions": [{"match": "/v1/secret/", "do": "status", "status": 500, "times": 1},
               {"do": "hang", "seconds": 30}, {"do": "oversize", "bytes": 34000000, "chunked": false},
               {"do": "invalid_json"}, {"do": "sealed"}]}
The first action whose "match" (a prefix of the request path, default: any) applies and whose "times" (default:
unlimited) is not used up decides the answer. --log FILE appends one JSON line per request (method, path,
namespace, whether X-Vault-Request was sent, the kind of token, the status); tokens themselves are never logged.
"""
import argparse
import fnmatch
import hashlib
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import uuid

STATE = {"lock": threading.Lock(), "control_text": None, "used": {}}


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def envelope(data=None, auth=None, warnings=None):
    return {"request_id": str(uuid.uuid4()), "lease_id": "", "renewable": False, "lease_duration": 0,
            "data": data, "wrap_info": None, "warnings": warnings, "auth": auth, "mount_type": "kv"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Vault
    server_version = "fake-vault/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---- plumbing ----
    def setup(self):
        super().setup()
        # as Go's net/http (Vault): no Nagle delay between the headers and the body
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                raise

    def send_json(self, status, obj, raw=None):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
        self.status = status
        self.record(getattr(self, "kind", "none"))  # before the answer: a client that reads the log next finds this request
        self.flush_headers()

    def errors(self, status, *msgs):
        self.send_json(status, {"errors": list(msgs)})

    def record(self, token_kind):
        log = self.server.opts.log
        if not log or getattr(self, "recorded", False):
            return
        self.recorded = True
        line = json.dumps({"method": self.command, "path": self.path,
                           "namespace": self.headers.get("X-Vault-Namespace", ""),
                           "request_header": self.headers.get("X-Vault-Request") == "true",
                           "token": token_kind, "status": getattr(self, "status", 0)})
        with STATE["lock"], open(log, "a") as f:
            f.write(line + "\n")

    # ---- test hooks ----
    def action(self):
        path = self.server.opts.control
        if not path:
            return None
        try:
            text = open(path).read()
        except OSError:
            return None
        with STATE["lock"]:
            if text != STATE["control_text"]:
                STATE["control_text"], STATE["used"] = text, {}
            try:
                actions = json.loads(text).get("actions", []) if text.strip() else []
            except ValueError:
                return None
            for i, a in enumerate(actions):
                if not self.path.startswith(a.get("match", "")):
                    continue
                if "times" in a and STATE["used"].get(i, 0) >= a["times"]:
                    continue
                STATE["used"][i] = STATE["used"].get(i, 0) + 1
                return a
        return None

    def run_action(self, a):
        kind = a.get("do")
        if kind == "status":
            self.errors(a.get("status", 500), *a.get("errors", ["injected failure"]))
        elif kind == "hang":
            time.sleep(a.get("seconds", 30))
            self.close_connection = True
            self.status = 0
        elif kind == "oversize":
            n = int(a.get("bytes", 33 << 20))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if a.get("chunked"):
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"a" * 65536
            try:
                while n > 0:
                    self.wfile.write(chunk[:min(n, len(chunk))])
                    n -= len(chunk)
            except OSError:
                pass
            self.close_connection = True
            self.status = 200
        elif kind == "invalid_json":
            self.send_json(200, None, raw=b'{"data": {"data": {"A": "unterminated')
        elif kind == "sealed":
            self.errors(503, "Vault is sealed")
        else:
            return False
        return True

    # ---- Vault ----
    def data(self):
        return self.server.data

    def namespace(self):
        return self.headers.get("X-Vault-Namespace", "").strip("/")

    def token(self):
        """(kind, token entry or None): kind is none, invalid, or the entry's kind."""
        tok = self.headers.get("X-Vault-Token")
        if not tok:
            return "none", None
        entry = self.data().get("tokens", {}).get(tok)
        if not entry:
            return "invalid", None
        return entry.get("kind", "static"), entry

    def allowed(self, entry, ns, api_path):
        tns = entry.get("namespace", "").strip("/")
        if tns and ns != tns and not ns.startswith(tns + "/"):
            return False
        rel = ns[len(tns):].strip("/") if tns else ns
        full = (rel + "/" if rel else "") + api_path
        for p in entry.get("policies", []):
            if p == "root" or fnmatch.fnmatchcase(full, p):
                return True
        return False

    def handle_any(self):
        self.recorded = False
        kind = "none"
        try:
            kind = self.dispatch()
        finally:
            self.record(kind)

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind, entry = self.token()
        self.kind = kind
        a = self.action()
        if a and self.run_action(a):
            return kind
        d = self.data()
        if d.get("require_request_header") and self.headers.get("X-Vault-Request") != "true":
            self.errors(412, "missing 'X-Vault-Request' header")
            return kind
        path, _, query = self.path.partition("?")
        if not path.startswith("/v1/"):
            self.errors(404, "not found")
            return kind
        api = path[4:]
        if api == "sys/health":
            if d.get("sealed"):
                self.send_json(503, {"initialized": True, "sealed": True, "standby": True,
                                     "server_time_utc": int(time.time()), "version": "fake"})
            else:
                self.send_json(200, {"initialized": True, "sealed": False, "standby": False,
                                     "server_time_utc": int(time.time()), "version": "fake"})
            return kind
        if d.get("sealed"):
            self.errors(503, "Vault is sealed")
            return kind
        ns = self.namespace()
        approle = d.get("approle", {})
        if self.command == "POST" and api == "auth/%s/login" % approle.get("mount", "approle"):
            return self.login(approle, body, ns)
        if self.command == "POST" and api == "auth/token/revoke-self":
            if not entry:
                self.errors(403, "permission denied")
                return kind
            with STATE["lock"]:
                d["tokens"].pop(self.headers.get("X-Vault-Token"), None)
            self.send_json(204, None)
            return kind
        if self.command != "GET":
            self.errors(405, "unsupported operation")
            return kind
        if not entry:
            self.errors(403, "permission denied")
            return kind
        if not self.allowed(entry, ns, api):
            self.errors(403, "1 error occurred:\n\t* permission denied\n\n")
            return kind
        mounts = d.get("namespaces", {}).get(ns)
        mount = None
        for m in sorted(mounts or {}, key=len, reverse=True):
            if api.startswith(m + "/"):
                mount = m
                break
        if mount is None:
            self.errors(404, 'no handler for route "%s". route entry not found.' % api)
            return kind
        rest = api[len(mount) + 1:]
        if not rest.startswith("data/"):
            self.send_json(404, envelope(warnings=["Invalid path for a versioned K/V secrets engine. See the "
                                                   "API docs for the appropriate API endpoints to use."]))
            return kind
        versions = mounts[mount].get(rest[5:])
        want = 0
        for part in query.split("&"):
            if part.startswith("version="):
                try:
                    want = int(part[8:])
                except ValueError:
                    self.errors(400, "invalid version")
                    return kind
        if not versions or want > len(versions) or want < 0:
            self.errors(404)
            return kind
        n = want or len(versions)
        v = versions[n - 1]
        meta = {"created_time": v.get("created_time", "2026-01-01T00:00:00.000000Z"), "custom_metadata": None,
                "deletion_time": v.get("deletion_time", ""), "destroyed": bool(v.get("destroyed")), "version": n}
        if meta["deletion_time"] or meta["destroyed"]:
            self.send_json(404, envelope({"data": None, "metadata": meta}))
            return kind
        self.send_json(200, envelope({"data": v.get("data", {}), "metadata": meta}))
        return kind

    def login(self, approle, body, ns):
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            self.errors(400, "failed to parse JSON input")
            return "none"
        rid, sid = req.get("role_id"), req.get("secret_id")
        if not rid:
            self.errors(400, "missing role_id")
            return "none"
        role = approle.get("roles", {}).get(rid)
        if not role or role.get("secret_id") != sid or role.get("namespace", "") != ns:
            self.errors(400, "invalid role or secret ID")
            return "none"
        self.kind = "approle-login"
        tok = "hvs.fake" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
        with STATE["lock"]:
            self.data().setdefault("tokens", {})[tok] = {"namespace": ns, "policies": role.get("policies", []),
                                                         "kind": "approle"}
        self.send_json(200, envelope(auth={"client_token": tok, "accessor": str(uuid.uuid4()),
                                           "policies": role.get("policies", []),
                                           "token_policies": role.get("policies", []),
                                           "metadata": {"role_name": role.get("name", "role")},
                                           "lease_duration": 3600, "renewable": True, "entity_id": "",
                                           "token_type": "service", "orphan": True}))
        return "approle-login"

    do_GET = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # a client that hung up or failed TLS: not our concern
        pass


def watchdog(opts):
    deadline = time.time() + opts.timeout
    while time.time() < deadline:
        if opts.parent:
            try:
                os.kill(opts.parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
        time.sleep(0.2)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="the JSON data file")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--control", help="the test hooks file")
    ap.add_argument("--log", help="append one JSON line per request")
    ap.add_argument("--timeout", type=float, default=300, help="exit after this many seconds")
    ap.add_argument("--parent", type=int, default=0, help="exit when this process is gone")
    opts = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.opts = opts
    with open(opts.data) as f:
        srv.data = json.load(f)
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        if opts.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(opts.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=watchdog, args=(opts,), daemon=True).start()
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
