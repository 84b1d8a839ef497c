"""A client for the ROA part of Krill's API (the RPKI certificate authority).

Krill applies a ROA delta atomically: `POST /api/v1/cas/{ca}/routes` with
`{"added": [...], "removed": [...]}`, each entry `{"asn", "prefix",
"max_length", "comment"}`, authenticated with a bearer token. The same
delta posted to `.../routes/analysis/dryrun` returns Krill's analysis
without changing anything. Krill rejects a delta that adds an entry it
already has or removes one it does not have, with HTTP 400 and a JSON body
whose `delta_error` lists the offending entries.

NOTE: the error body's shape (`label`, `msg` and, for a delta,
`delta_error`) is assumed here. The client was tested against the loopback
stub in rpki/testing.py only, not against a running Krill.
"""

import json
import logging
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote

logger = logging.getLogger(__name__)


class PublicationError(Exception):
    """The backend did not publish a ROA delta."""


class KrillUnavailable(PublicationError):
    """Krill could not be reached or failed on its side; the delta may be retried as it is."""


class KrillRequestRejected(PublicationError):
    """Krill rejected the request (authentication, unknown CA, malformed input)."""

    def __init__(self, message, *, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body or {}


class KrillDeltaRejected(KrillRequestRejected):
    """Krill rejected the delta because it does not fit the ROAs Krill has."""

    @property
    def duplicates(self):
        return self.body.get("delta_error", {}).get("duplicates", [])

    @property
    def unknowns(self):
        return self.body.get("delta_error", {}).get("unknowns", [])


@dataclass
class KrillClient:
    base_url: str
    ca: str
    token: str
    timeout: float = 10.0
    ca_bundle: str = ""
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        if self.ssl_context is None and self.base_url.startswith("https:"):
            self.ssl_context = ssl.create_default_context(cafile=self.ca_bundle or None)

    @property
    def routes_path(self):
        return f"/api/v1/cas/{quote(self.ca, safe='')}/routes"

    def routes(self):
        """Return the ROA entries the CA has now."""
        return self._request("GET", self.routes_path) or []

    def dry_run(self, *, added, removed):
        """Return Krill's analysis of the delta without applying it."""
        return self._request(
            "POST", f"{self.routes_path}/analysis/dryrun", {"added": added, "removed": removed}
        )

    def update_routes(self, *, added, removed):
        """Apply the delta; Krill changes all entries or none."""
        self._request("POST", self.routes_path, {"added": added, "removed": removed})

    def _request(self, method, path, payload=None):
        url = self.base_url + path
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise self._error_for(exc, method, url) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KrillUnavailable(f"Krill at {self.base_url} is unreachable: {reason}. "
                                   "Check RPKI_KRILL_URL and that Krill runs.") from None
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise KrillUnavailable(f"Krill returned a body that is not JSON for {method} {url}.") from None

    def _error_for(self, exc, method, url):
        raw = exc.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {"msg": raw.decode(errors="replace")[:500]}
        message = body.get("msg") or exc.reason
        if exc.code >= 500:
            return KrillUnavailable(f"Krill failed on {method} {url} with HTTP {exc.code}: {message}")
        if exc.code in (401, 403):
            return KrillRequestRejected(
                f"Krill rejected the token (HTTP {exc.code}); set RPKI_KRILL_TOKEN to Krill's admin token.",
                status=exc.code, body=body,
            )
        if "delta_error" in body:
            return KrillDeltaRejected(f"Krill rejected the ROA delta: {message}", status=exc.code, body=body)
        return KrillRequestRejected(
            f"Krill rejected {method} {url} with HTTP {exc.code}: {message}", status=exc.code, body=body
        )
