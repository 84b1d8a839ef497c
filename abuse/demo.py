"""Demo data: a few abuse reports against the demo leases, so the case pages have content."""

import json
from datetime import timedelta

from django.utils import timezone

from leases.selectors import live_leases

from .choices import Category, Channel
from .intake import receive, record_monitor_event
from .models import Report

DEMO_SOURCE = "demo"


def seed(*, stdout):
    """Open a spam case and a blocklist case on the first two live leases; idempotent."""
    if Report.objects.filter(source__startswith=DEMO_SOURCE).exists():
        stdout.write("Abuse demo reports exist already.")
        return
    leases = list(live_leases().order_by("pk")[:2])
    if not leases:
        stdout.write("No live lease to attach demo abuse reports to; skipped.")
        return
    now = timezone.now()
    first = leases[0]
    for minutes in (90, 60, 30):
        document = {
            "ip": str(first.prefix.network_address + 10),
            "time": (now - timedelta(minutes=minutes)).isoformat(),
            "category": Category.SPAM,
            "description": "Unsolicited bulk mail reported by a mailbox provider.",
            "reporter": "fbl@mailbox.example",
        }
        receive(channel=Channel.API, source=f"{DEMO_SOURCE}-fbl", raw=json.dumps(document).encode(),
                content_type="application/json")
    last = leases[-1]
    record_monitor_event(
        source=f"{DEMO_SOURCE}-dnsbl", category=Category.BLOCKLIST, ip=str(last.prefix.network_address + 5),
        occurred_at=now - timedelta(hours=2), description="Listed on a DNS blocklist (demo).",
        evidence={"zone": "zen.example", "code": "127.0.0.2"},
    )
    stdout.write(f"Abuse demo: reports on {first.prefix} and {last.prefix}.")
