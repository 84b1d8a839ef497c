"""A loopback HTTP server that speaks the ROA part of Krill's API, for tests and demos.

It implements the contract the client relies on: bearer-token
authentication, `GET /api/v1/cas/{ca}/routes`, the atomic delta
`POST /api/v1/cas/{ca}/routes` and `POST .../routes/analysis/dryrun`. A
delta that adds an entry the CA has, or removes one it lacks, is rejected
whole with HTTP 400 and a `delta_error` listing those entries. It binds to
127.0.0.1 only.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROUTES_PATH = re.compile(r"^/api/v1/cas/(?P<ca>[^/]+)/routes(?P<dryrun>/analysis/dryrun)?$")


def entry_key(item):
    return (int(item["asn"]), str(item["prefix"]), int(item.get("max_length") or item["prefix"].split("/")[1]))


class KrillStub:
    """A running loopback Krill stand-in; use as a context manager."""

    def __init__(self, *, token="secret", ca="platform"):
        self.token = token
        self.cas = {ca: {}}
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def routes(self, ca="platform"):
        with self.lock:
            return sorted(self.cas[ca])

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                stub._handle(self, "GET")

            def do_POST(self):
                stub._handle(self, "POST")

        return Handler

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return _reply(handler, 400, {"label": "general-json", "msg": "Request body is not JSON"})
        self.requests.append((method, handler.path, body))

        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return _reply(handler, 401, {"label": "auth-invalid", "msg": "Invalid credentials"})
        match = ROUTES_PATH.match(handler.path)
        if not match:
            return _reply(handler, 404, {"label": "general-not-found", "msg": "Not found"})
        ca = match["ca"]
        if ca not in self.cas:
            return _reply(handler, 404, {"label": "ca-unknown", "msg": f"Unknown CA '{ca}'"})
        if method == "GET" and not match["dryrun"]:
            with self.lock:
                return _reply(handler, 200, list(self.cas[ca].values()))
        if method != "POST":
            return _reply(handler, 405, {"label": "general-method", "msg": "Method not allowed"})

        if not isinstance(body, dict) or not isinstance(body.get("added"), list) or not isinstance(body.get("removed"), list):
            return _reply(handler, 400, {"label": "general-json", "msg": "Expected added and removed lists"})
        with self.lock:
            routes = self.cas[ca]
            added = {entry_key(item): item for item in body["added"]}
            removed = [entry_key(item) for item in body["removed"]]
            duplicates = [_as_json(key) for key in added if key in routes and key not in removed]
            unknowns = [_as_json(key) for key in removed if key not in routes]
            if duplicates or unknowns:
                return _reply(handler, 400, {
                    "label": "ca-roa-delta-error",
                    "msg": "Delta rejected, see included json",
                    "args": {},
                    "delta_error": {"duplicates": duplicates, "notheld": [], "unknowns": unknowns,
                                    "invalid_length": []},
                })

            if match["dryrun"]:
                return _reply(handler, 200, {
                    "entries": [{"entry": _as_json(key), "state": "roa_unseen"} for key in added],
                    "removed": [_as_json(key) for key in removed],
                })
            for key in removed:
                del routes[key]
            for key, item in added.items():
                routes[key] = {**_as_json(key), "comment": item.get("comment")}
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


def _as_json(key):
    asn, prefix, max_length = key
    return {"asn": asn, "prefix": prefix, "max_length": max_length}


def _reply(handler, status, payload):
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@pytest.fixture(autouse=True)
def empty_rpki_tables(request):
    """Start each test of a module that imports this with no RPKI rows, whatever earlier tests committed.

    Tests that seed the demo with committed rows delete the marketplace
    afterwards, which leaves this app's history rows behind with their block
    and lease set to NULL.
    """
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")

    from .models import BlockRpkiPolicy, DataImport, Finding, LeaseRoaRequest, PublishedRoa, RoaChange, RouteObservation

    for model in (Finding, RouteObservation, DataImport, PublishedRoa, RoaChange, LeaseRoaRequest, BlockRpkiPolicy):
        model.objects.all().delete()
