"""Client of the EU's VIES REST API: is a VAT number registered, and to whom.

`query_vies` posts {"countryCode": "NL", "vatNumber": "123456789B01"} to
the check-vat-number endpoint in KYC_VIES_URL. VIES returns `valid`, `name`
and `address`. When it cannot check a number it returns an error code,
either as `userError` or in `errorWrappers`, such as MS_UNAVAILABLE when the
member state's register is down. Every failure to get a usable response
(error code, timeout, bad HTTP status, malformed JSON) becomes an
"unavailable" result, so the caller retries later instead of rejecting the
client.
"""

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .choices import ViesStatus

# A VIES response is a small JSON object, so anything larger is not one.
MAX_RESPONSE_BYTES = 64 * 1024
# Codes of the `userError` field that report the result rather than a failure.
RESULT_CODES = ("VALID", "INVALID")
# VIES rejected the number itself, so a retry would get the same result.
INVALID_INPUT = "INVALID_INPUT"
# Some member states return this in place of a name or address they do not publish.
NOT_PUBLISHED = "---"


@dataclass(frozen=True)
class ViesResult:
    status: str
    name: str = ""
    address: str = ""
    error: str = ""


class ViesUnavailable(Exception):
    """VIES returned no usable response; the message gives the reason."""


def is_enabled():
    return bool(settings.KYC_VIES_URL)


def _published(value):
    value = (value or "").strip() if isinstance(value, str) else ""
    return "" if value == NOT_PUBLISHED else value


def _error_code(answer):
    wrappers = answer.get("errorWrappers")
    if isinstance(wrappers, list):
        for wrapper in wrappers:
            if isinstance(wrapper, dict) and wrapper.get("error"):
                return str(wrapper["error"])
    code = answer.get("userError")
    if isinstance(code, str) and code and code not in RESULT_CODES:
        return code
    return ""


def _post(url, payload):
    """Return (HTTP status, body) of the POST, raising ViesUnavailable on network failures."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 "User-Agent": "ipv4-lease-platform VAT check"},
    )
    timeout = settings.KYC_VIES_TIMEOUT
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            # VIES sends its error codes with 4xx and 5xx statuses too.
            with exc:
                return exc.code, exc.read(MAX_RESPONSE_BYTES + 1)
    except TimeoutError:
        raise ViesUnavailable(f"VIES request timed out after {timeout:g} seconds") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ViesUnavailable(f"VIES request timed out after {timeout:g} seconds") from None
        raise ViesUnavailable(f"connection to VIES failed: {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise ViesUnavailable(f"connection to VIES failed: {exc!r}") from None


def _answer(status, body):
    if len(body) > MAX_RESPONSE_BYTES:
        raise ViesUnavailable(
            f"VIES response is larger than {MAX_RESPONSE_BYTES} bytes, so it is not a VAT check result"
        )
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ViesUnavailable(f"VIES returned HTTP {status} with malformed JSON") from None
    if not isinstance(answer, dict):
        raise ViesUnavailable(f"VIES returned HTTP {status} with JSON that is not an object")
    return answer


def query_vies(vat_number):
    """Look up `vat_number` (canonical form, country prefix first) in VIES and return a ViesResult.

    Greece keeps its VAT prefix EL, which is also the code VIES expects.
    When VIES cannot be reached or returns no usable response, the result is
    "unavailable" with the reason in `error`; no exception is raised.
    """
    url = settings.KYC_VIES_URL
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        return ViesResult(
            ViesStatus.UNAVAILABLE,
            error=f"KYC_VIES_URL uses {scheme or 'no scheme'}; only http and https are allowed",
        )
    payload = {"countryCode": vat_number[:2], "vatNumber": vat_number[2:]}
    try:
        status, body = _post(url, payload)
        answer = _answer(status, body)
    except ViesUnavailable as exc:
        return ViesResult(ViesStatus.UNAVAILABLE, error=str(exc))

    code = _error_code(answer)
    if code == INVALID_INPUT:
        return ViesResult(ViesStatus.INVALID, error=f"VIES rejected the number as malformed ({code})")
    if code:
        return ViesResult(ViesStatus.UNAVAILABLE, error=f"VIES could not check the number ({code})")
    if status != 200:
        return ViesResult(ViesStatus.UNAVAILABLE, error=f"VIES returned HTTP {status}")
    valid = answer.get("valid")
    if not isinstance(valid, bool):
        return ViesResult(
            ViesStatus.UNAVAILABLE, error="the VIES response has no true or false `valid` field"
        )
    if not valid:
        return ViesResult(ViesStatus.INVALID)
    return ViesResult(
        ViesStatus.VALID, name=_published(answer.get("name")), address=_published(answer.get("address"))
    )
