"""Spamhaus DROP: importing the list and keeping DROP space off the marketplace.

Two formats are accepted. The legacy text format has `;` comment lines and
`<cidr> ; SBL<id>` entries. The JSON format has one object per line, such as
`{"cidr": "192.0.2.0/24", "sblid": "SBL123", "rir": "ripencc"}`, and a final
metadata object (`{"type": "metadata", ...}`) that carries no prefix.
"""

import ipaddress
import json
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from marketplace.models import IPBlock

from .models import DropEntry, DropImport, DropOverlap, OperationalAlert

logger = logging.getLogger(__name__)


def parse_drop(text):
    """Return (format, [(network, sbl id, rir)]); raise ValidationError naming the bad line."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ValidationError("The DROP file is empty; upload drop.txt or drop_v4.json as published.")
    is_json = lines[0][1].startswith("{")
    entries = []
    for number, line in lines:
        if is_json:
            entry = _parse_json_line(number, line)
        else:
            entry = _parse_text_line(number, line)
        if entry is not None:
            entries.append(entry)
    return (DropImport.Format.JSON if is_json else DropImport.Format.TEXT), entries


def _network(number, value):
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValidationError(
            f"Line {number}: {value!r} is not an IPv4 prefix ({exc}); expected a CIDR such as 192.0.2.0/24."
        ) from exc


def _parse_text_line(number, line):
    if line.startswith(";"):
        return None
    cidr, _, comment = line.partition(";")
    sbl_id = comment.strip().split()[0] if comment.strip() else ""
    return _network(number, cidr.strip()), sbl_id, ""


def _parse_json_line(number, line):
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Line {number} is not valid JSON ({exc}): {line[:80]!r}.") from exc
    if not isinstance(record, dict):
        raise ValidationError(f"Line {number} is not a JSON object: {line[:80]!r}.")
    if record.get("type") == "metadata":
        return None
    if "cidr" not in record:
        raise ValidationError(f"Line {number} has no \"cidr\" field: {line[:80]!r}.")
    return _network(number, str(record["cidr"])), str(record.get("sblid", "")), str(record.get("rir", ""))


def import_drop(*, filename, raw, now=None):
    """Store an uploaded DROP file, then replace the DROP entries with its contents.

    The raw file is committed before parsing, so a file that fails to parse
    is kept with its error. Returns the DropImport; raises ValidationError
    when the file does not parse, leaving the previous entries in place.
    """
    now = now or timezone.now()
    drop_import = DropImport.objects.create(filename=filename, raw=raw, imported_at=now)
    try:
        file_format, entries = parse_drop(raw)
    except ValidationError as exc:
        drop_import.error = "; ".join(exc.messages)
        drop_import.save(update_fields=["error"])
        logger.warning("DROP import %s (%s) failed: %s", drop_import.pk, filename, drop_import.error)
        raise
    with transaction.atomic():
        DropEntry.objects.exclude(source=drop_import).delete()
        DropEntry.objects.bulk_create([
            DropEntry(cidr=network, sbl_id=sbl_id, rir=rir, source=drop_import)
            for network, sbl_id, rir in entries
        ])
        drop_import.format = file_format
        drop_import.entry_count = len(entries)
        drop_import.save(update_fields=["format", "entry_count"])
        flagged = flag_overlapping_blocks(now)
    logger.info("DROP import %s (%s): %s entries, %s blocks flagged",
                drop_import.pk, filename, len(entries), len(flagged))
    return drop_import


def flag_overlapping_blocks(now=None):
    """Flag every registered block that overlaps a DROP entry to staff; return the new flags."""
    now = now or timezone.now()
    created = []
    for entry in DropEntry.objects.all():
        for block in IPBlock.objects.filter(prefix__net_overlaps=entry.cidr):
            flag, was_created = DropOverlap.objects.get_or_create(
                block=block, cidr=entry.cidr, resolved_at=None,
                defaults={"sbl_id": entry.sbl_id, "flagged_at": now},
            )
            if was_created:
                created.append(flag)
                OperationalAlert.objects.create(
                    source="Spamhaus DROP", raised_at=now,
                    message=f"Block {block.prefix} (holder {block.holder}) overlaps DROP entry "
                            f"{entry.cidr} ({entry.sbl_id or 'no SBL id'}).",
                )
                logger.warning("Block %s (id %s) overlaps DROP entry %s %s",
                               block.prefix, block.pk, entry.cidr, entry.sbl_id)
    return created


def drop_entries_overlapping(prefix):
    return DropEntry.objects.filter(cidr__net_overlaps=prefix).order_by("cidr")


def ensure_not_on_drop(prefix):
    """Raise ValidationError naming the DROP entry when `prefix` overlaps DROP space."""
    network = ipaddress.IPv4Network(str(prefix), strict=False)
    entry = drop_entries_overlapping(network).first()
    if entry is not None:
        sbl = entry.sbl_id or "no SBL id"
        raise ValidationError(
            f"{network} overlaps {entry.cidr} ({sbl}) on the Spamhaus DROP list; "
            f"space on DROP cannot be listed. Have it removed from DROP first.",
            code="on_drop",
        )
