"""Routing findings: which observed routes break the platform's rules, and the cases they raise.

Rules, judged at the route's last sighting, for routes equal to or more
specific than a block (a less specific route is someone's aggregate and is
only validated):

- inside a running lease and announced by an ASN other than the lease's
  origin ASN: hijack (a lease without an origin ASN authorises no ASN, so
  any announcement counts);
- after the lease of that space ended, announced by the former lease's
  origin ASN: announced after lease end (the holder is e-mailed too);
- inside a suspended lease or unleased space, announced by any ASN other
  than the parking ASN: parked space announced.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone

from leases.choices import OCCUPYING_STATES, LeaseState
from leases.models import Lease
from marketplace.models import IPBlock

from .choices import FindingKind
from .models import Finding

logger = logging.getLogger(__name__)

CASE_SOURCE = "routing"
CASE_CATEGORY = "hijack"


def classify(observation):
    """Return (kind, block, lease, description) for a route that breaks a rule, or None."""
    prefix = observation.prefix
    origin = observation.origin_asn
    when = observation.last_seen
    origin_text = f"AS{origin}" if origin is not None else "an AS_SET"

    block = IPBlock.objects.filter(prefix__net_contains_or_equal=prefix).first()
    if block is None:
        return None

    lease = (
        Lease.objects.filter(
            prefix__net_contains_or_equal=prefix, state__in=OCCUPYING_STATES, period__contains=when,
        )
        .exclude(state=LeaseState.RESERVED)
        .first()
    )
    if lease is not None:
        suspended = lease.state == LeaseState.SUSPENDED and lease.suspended_at and lease.suspended_at <= when
        if suspended:
            if origin != settings.RPKI_PARKING_ASN:
                return (FindingKind.PARKED_ANNOUNCED, block, lease,
                        f"{prefix} was announced by {origin_text} while its lease {lease.pk} was suspended; "
                        f"parked space may be announced only by the parking ASN AS{settings.RPKI_PARKING_ASN}.")
            return None
        if origin != lease.origin_asn:
            expected = f"origin AS{lease.origin_asn}" if lease.origin_asn else "no origin ASN set"
            return (FindingKind.HIJACK, block, lease,
                    f"Hijack: {prefix} is leased (lease {lease.pk}, {expected}) "
                    f"but was announced by {origin_text}.")
        return None

    previous = (
        Lease.objects.filter(
            prefix__net_contains_or_equal=prefix, state=LeaseState.ENDED, period__endswith__lte=when,
        )
        .order_by("-ended_at")
        .first()
    )
    if previous is not None and origin is not None and origin == previous.origin_asn:
        return (FindingKind.AFTER_LEASE_END, block, previous,
                f"{prefix} was still announced by AS{origin} at {when:%Y-%m-%d %H:%M} UTC, "
                f"after its lease {previous.pk} ended at {previous.period.upper:%Y-%m-%d %H:%M} UTC.")

    if origin != settings.RPKI_PARKING_ASN:
        return (FindingKind.PARKED_ANNOUNCED, block, None,
                f"{prefix} is unleased and parked but was announced by {origin_text}; "
                f"only the parking ASN AS{settings.RPKI_PARKING_ASN} may announce it.")
    return None


def record_finding(observation):
    """Create or refresh the finding for a route; a new finding raises an abuse case.

    Returns the finding, or None when the route breaks no rule.
    """
    verdict = classify(observation)
    if verdict is None:
        return None
    kind, block, lease, description = verdict
    with transaction.atomic():
        finding, created = Finding.objects.select_for_update().get_or_create(
            observation=observation,
            kind=kind,
            defaults={
                "prefix": observation.prefix,
                "origin_asn": observation.origin_asn,
                "block": block,
                "lease": lease,
                "validation_state": observation.validation_state,
                "invalid_reason": observation.invalid_reason,
                "description": description,
                "detected_at": timezone.now(),
                "last_seen": observation.last_seen,
            },
        )
        if not created:
            finding.last_seen = observation.last_seen
            finding.validation_state = observation.validation_state
            finding.invalid_reason = observation.invalid_reason
            finding.save(update_fields=["last_seen", "validation_state", "invalid_reason"])
    if created:
        logger.warning("Routing finding %s: %s", finding.pk, description)
    if finding.case_id is None:
        open_case(finding)
    if kind == FindingKind.AFTER_LEASE_END and finding.holder_notified_at is None:
        notify_holder(finding)
    return finding


def case_evidence(finding):
    return {
        "finding_id": finding.pk,
        "finding_kind": finding.kind,
        "prefix": str(finding.prefix),
        "origin_asn": finding.origin_asn,
        "lease_id": finding.lease_id,
        "block": str(finding.block.prefix),
        "validation_state": finding.validation_state,
        "invalid_reason": finding.invalid_reason,
        "last_seen": finding.last_seen.isoformat(),
    }


def open_case(finding):
    """Raise an abuse case for the finding through the abuse desk's intake.

    The intake stores the signal as a report and files it into the open
    hijack case of the lease (or of the holder's space), so a finding seen
    again joins the same case. A failure is recorded on the finding and
    logged; the next check of the route tries again.
    """
    from abuse.intake import record_monitor_event

    try:
        report = record_monitor_event(
            source=CASE_SOURCE,
            category=CASE_CATEGORY,
            ip=str(finding.prefix.network_address),
            occurred_at=finding.last_seen,
            description=f"{finding.get_kind_display()}: {finding.description}",
            evidence=case_evidence(finding),
        )
    except (ValueError, DatabaseError) as exc:
        finding.case_error = f"The abuse intake rejected the finding: {exc}"
        finding.save(update_fields=["case_error"])
        logger.error("Finding %s opened no case: %s", finding.pk, exc)
        return None
    event = report.events.exclude(case=None).order_by("pk").first()
    finding.case_id = event.case_id if event else None
    finding.case_error = "" if event else f"Report {report.pk} was filed without a case: {report.parse_error}"
    finding.save(update_fields=["case_id", "case_error"])
    logger.info("Finding %s raised report %s and case %s", finding.pk, report.pk, finding.case_id)
    return finding.case_id


def notify_holder(finding):
    """E-mail the block holder's abuse contact about space announced after its lease ended."""
    holder = finding.block.holder
    if not holder.abuse_email:
        logger.warning("Finding %s: holder %s has no abuse e-mail to notify", finding.pk, holder.pk)
        return
    send_mail(
        subject=f"{finding.prefix} is still announced after its lease ended",
        message=(
            f"{finding.description}\n\n"
            f"The platform has opened an abuse case about it and parked the space in RPKI. "
            f"Origin ASN: AS{finding.origin_asn}. Last seen: {finding.last_seen:%Y-%m-%d %H:%M} UTC.\n"
        ),
        from_email=None,
        recipient_list=[holder.abuse_email],
    )
    finding.holder_notified_at = timezone.now()
    finding.save(update_fields=["holder_notified_at"])
    logger.info("Finding %s: e-mailed holder %s at %s", finding.pk, holder.pk, holder.abuse_email)
