"""Synthetic abuse reports for the benchmark, in every format the intake reads."""

import json
import random
from datetime import UTC, datetime, timedelta

FORMATS = ("arf", "arf_no_source", "xarf02", "xarf4", "csv", "text", "monitor")
WEIGHTS = (25, 5, 15, 20, 5, 15, 15)
CSV_ROWS = 8


def _stamp(moment):
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def arf(ip, moment, number, with_source=True):
    source = f"Source-IP: {ip}\n" if with_source else ""
    return (
        f"From: fbl@mailbox{number % 7}.example\nTo: abuse@platform.example\n"
        f"Subject: FBL report {number}\nDate: {_stamp(moment)}\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=feedback-report; boundary="b{number}"\n\n'
        f"--b{number}\nContent-Type: text/plain\n\nA user complained about a message.\n\n"
        f"--b{number}\nContent-Type: message/feedback-report\n\n"
        f"Feedback-Type: abuse\nUser-Agent: BenchFBL/1.0\nVersion: 1\n{source}"
        f"Arrival-Date: {_stamp(moment)}\n\n"
        f"--b{number}\nContent-Type: text/rfc822-headers\n\n"
        f"Received: from sender.example (unknown [{ip}])\n    by mx.mailbox.example; {_stamp(moment)}\n"
        f"From: offers@sender.example\nSubject: Offer {number}\nDate: {_stamp(moment)}\n\n"
        f"--b{number}--\n"
    ).encode()


def xarf02(ip, moment, number):
    return (
        f"From: ids{number % 5}@ids.example\nSubject: X-ARF report {number}\nDate: {_stamp(moment)}\n"
        f'MIME-Version: 1.0\nX-XARF: PLAIN\nContent-Type: multipart/mixed; boundary="x{number}"\n\n'
        f"--x{number}\nContent-Type: text/plain\n\nLogin attempts seen.\n\n"
        f'--x{number}\nContent-Type: text/plain; name="report.txt"\nContent-Disposition: attachment; '
        f'filename="report.txt"\n\n---\nReported-From: ids@ids.example\nCategory: abuse\n'
        f"Report-Type: login-attack\nReport-ID: {number}@ids.example\nDate: {moment.isoformat()}\n"
        f"Source: {ip}\nSource-Type: ipv4\nPort: 22\nVersion: 0.2\n\n--x{number}--\n"
    ).encode()


def xarf4(ip, moment, number):
    return json.dumps({
        "xarf_version": "4.0.0", "report_id": f"bench-{number}", "timestamp": moment.isoformat(),
        "reporter": {"org": "Bench Honeynet", "contact": "abuse@honeynet.example", "domain": "honeynet.example"},
        "source_identifier": str(ip), "source_port": 40000 + number % 20000, "category": "connection",
        "type": "port_scan", "evidence": [], "confidence": 0.9,
    }).encode()


def csv_feed(ips, moment):
    lines = ["timestamp,ip,port,asn,geo,infection"]
    for offset, ip in enumerate(ips):
        lines.append(f"{(moment + timedelta(seconds=offset)).strftime('%Y-%m-%d %H:%M:%S')},{ip},23,64500,NL,mirai")
    return ("\n".join(lines) + "\n").encode()


def text(ip, moment, number):
    return (
        f"From: admin{number % 11}@victim.example\nSubject: Spam from your network\nDate: {_stamp(moment)}\n\n"
        f"Hello, we received spam from {ip} at {moment.strftime('%Y-%m-%d %H:%M:%S')} UTC.\n"
        "Please stop it.\n"
    ).encode()


def monitor(ip, moment):
    return json.dumps({
        "source": "dnsbl", "category": "blocklist", "ip": str(ip), "time": moment.isoformat(),
        "description": "Listed", "evidence": {"code": "127.0.0.2"}, "port": None,
    }, sort_keys=True).encode()


def generate(count, pick_address, seed=7):
    """Return `count` (format, content type, raw bytes) tuples; about 5 % repeat an earlier one.

    `pick_address(rng)` returns an (address, time) pair inside the leased space.
    """
    rng = random.Random(seed)
    messages = []
    for number in range(count):
        if messages and rng.random() < 0.05:
            messages.append(messages[rng.randrange(len(messages))])
            continue
        kind = rng.choices(FORMATS, WEIGHTS)[0]
        ip, moment = pick_address(rng)
        if kind == "arf":
            messages.append((kind, "message/rfc822", arf(ip, moment, number)))
        elif kind == "arf_no_source":
            messages.append((kind, "message/rfc822", arf(ip, moment, number, with_source=False)))
        elif kind == "xarf02":
            messages.append((kind, "message/rfc822", xarf02(ip, moment, number)))
        elif kind == "xarf4":
            messages.append((kind, "application/json", xarf4(ip, moment, number)))
        elif kind == "csv":
            ips = [pick_address(rng)[0] for _ in range(CSV_ROWS)]
            messages.append((kind, "text/csv", csv_feed(ips, moment)))
        elif kind == "text":
            messages.append((kind, "message/rfc822", text(ip, moment, number)))
        else:
            messages.append((kind, "application/vnd.ipl-monitor+json", monitor(ip, moment)))
    return messages


def epoch(year, month, day):
    return datetime(year, month, day, tzinfo=UTC)
