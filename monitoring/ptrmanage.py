"""Lessees setting PTR names for their leased addresses through the platform."""

import ipaddress
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import can_manage
from leases.choices import LIVE_STATES

from .models import PtrAssignment, PtrChange

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_hostname(value):
    """Return the hostname lowercased without the final dot; raise ValidationError if invalid.

    A PTR target must be a host name: letters, digits and hyphens in labels
    of 1 to 63 characters, at least two labels, at most 253 characters, and
    not all-numeric at the top level (which would read as an address).
    """
    hostname = str(value).strip().lower().rstrip(".")
    if not hostname:
        raise ValidationError("Enter a host name such as mail.example.net.")
    if len(hostname) > 253:
        raise ValidationError(f"{value!r} is longer than 253 characters; use a shorter host name.")
    labels = hostname.split(".")
    if len(labels) < 2:
        raise ValidationError(f"{value!r} has a single label; enter a full host name such as "
                              f"{hostname}.example.net.")
    for label in labels:
        if not LABEL.match(label):
            raise ValidationError(
                f"{value!r} has an invalid label {label!r}: labels are 1 to 63 letters, digits or "
                f"hyphens and do not start or end with a hyphen."
            )
    if labels[-1].isdigit():
        raise ValidationError(f"{value!r} ends in a numeric label; a PTR must name a host, not an address.")
    return hostname


def set_ptr(*, lease, address, hostname, user, now=None):
    """Set (or with an empty hostname, remove) the PTR of `address` in `lease`.

    Returns the PtrAssignment, or None when the PTR was removed. Raises
    PermissionDenied when `user` may not manage the lessee and
    ValidationError for bad input.
    """
    now = now or timezone.now()
    if not can_manage(user, lease.lessee):
        raise PermissionDenied("You may not change PTR records of this lease.")
    if lease.state not in LIVE_STATES:
        raise ValidationError(f"Lease {lease.prefix} is {lease.get_state_display().lower()}; "
                              f"PTR records can be set only on active or suspended leases.")
    try:
        ip_address = ipaddress.IPv4Address(str(address).strip())
    except ValueError:
        raise ValidationError(f"{address!r} is not an IPv4 address; enter one such as "
                              f"{lease.prefix.network_address + 1}.") from None
    if ip_address not in lease.prefix:
        raise ValidationError(f"{ip_address} is not in lease {lease.prefix}; choose an address inside it.")
    hostname = validate_hostname(hostname) if str(hostname or "").strip() else ""
    ip = int(ip_address)
    with transaction.atomic():
        current = PtrAssignment.objects.select_for_update().filter(ip=ip).first()
        old = current.hostname if current is not None else ""
        if old == hostname:
            return current
        if hostname:
            assignment, _ = PtrAssignment.objects.update_or_create(
                ip=ip, defaults={"lease": lease, "hostname": hostname, "updated_by": user,
                                 "updated_at": now},
            )
        else:
            current.delete()
            assignment = None
        PtrChange.objects.create(
            ip=ip, lease=lease, lessee_id=lease.lessee_id, old_hostname=old, new_hostname=hostname,
            changed_at=now, source=PtrChange.Source.PLATFORM, actor=user,
        )
    return assignment
