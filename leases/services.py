"""State changes of leases. Views, the API, the admin and tasks all call these.

Every function that changes a lease locks its row first, so concurrent
callers (two workers, a worker and a user) see each other's changes.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from kyc.services import awaits_review, ensure_can_activate
from marketplace.choices import ListingStatus, VerificationStatus
from rpki.services import schedule_reconciliation

from .allocation import first_free_prefix
from .choices import LIVE_STATES, OCCUPYING_STATES, LeaseState, Term
from .exceptions import InvalidTransition, LeaseConflict, LeaseError
from .models import MAX_ASN, Lease, LeaseEvent
from .periods import term_end

logger = logging.getLogger(__name__)

# How often an allocation is retried after a concurrent request took the
# chosen prefix first. Each retry reads the winner's row, so a small number
# is enough unless many requests race for many prefixes of one block.
ALLOCATION_ATTEMPTS = 5

# ASNs that must never appear as a route's origin, with the reason.
RESERVED_ORIGIN_ASNS = {
    23456: "AS_TRANS, the placeholder for 4-byte ASNs (RFC 6793)",
    65535: "reserved (RFC 7300)",
    MAX_ASN: "reserved (RFC 7300)",
}

# First key of the advisory lock that serialises allocations per block. The
# second key is the block's id. The value is arbitrary, and no other lock uses it.
BLOCK_ALLOCATION_LOCK = 7301


def _record(lease, kind, *, from_state="", actor=None, note="", now=None):
    LeaseEvent.objects.create(
        lease=lease,
        kind=kind,
        from_state=from_state,
        to_state=lease.state,
        actor=actor,
        note=note,
        created_at=now or timezone.now(),
    )


def validate_origin_asn(origin_asn):
    if origin_asn is None:
        return None
    try:
        value = int(origin_asn)
    except (TypeError, ValueError):
        raise LeaseError(f"Origin ASN {origin_asn!r} is not a number; write it like 64500.") from None
    if not 1 <= value <= MAX_ASN:
        raise LeaseError(
            f"Origin ASN {value} is out of range; use an ASN from 1 to {MAX_ASN}.",
        )
    if value in RESERVED_ORIGIN_ASNS:
        raise LeaseError(
            f"Origin ASN {value} is {RESERVED_ORIGIN_ASNS[value]} and cannot originate routes; "
            "use the ASN of the network that will announce the prefix.",
        )
    return value


def _check_rent_request(listing, lessee, prefix_length, term):
    if listing.status != ListingStatus.PUBLISHED:
        raise LeaseError(
            f"Listing {listing.block.prefix} is {listing.get_status_display().lower()}, "
            "not published; it cannot be rented now.",
            code="not_published",
        )
    if listing.block.verification_status != VerificationStatus.VERIFIED:
        # A listing published before publication needed a verified block.
        raise LeaseError(
            f"Block {listing.block.prefix} is not verified, so it cannot be rented until its holder proves "
            "control of it; choose another listing.",
            code="unverified",
        )
    if listing.block.holder_id == lessee.pk:
        raise LeaseError("An organisation cannot lease its own block.", code="own_block")
    if term not in Term.values:
        raise LeaseError(f"Term {term!r} is unknown; choose monthly or yearly.", code="term")
    if not listing.accepts_term(term):
        raise LeaseError(
            f"The holder of {listing.block.prefix} does not accept {term} terms; "
            f"this listing is {listing.get_terms_display().lower()}.",
            code="term",
        )
    allowed = listing.rentable_prefix_lengths()
    if prefix_length not in allowed:
        choices = ", ".join(f"/{length}" for length in allowed)
        raise LeaseError(
            f"A /{prefix_length} cannot be rented from {listing.block.prefix}; choose one of {choices}.",
            code="prefix_length",
        )


def release_lapsed_reservations_in(block_prefix, now):
    """Cancel reservations inside `block_prefix` whose hold has run out."""
    lapsed = Lease.objects.filter(
        prefix__net_contained_or_equal=block_prefix,
        state=LeaseState.RESERVED,
        reserved_until__lte=now,
    ).select_for_update(skip_locked=True)
    for lease in lapsed:
        _lapse(lease, now)


def _lapse(lease, now):
    _cancel(lease, LeaseEvent.Kind.LAPSED, now)
    logger.info("Reservation %s of %s lapsed", lease.pk, lease.prefix)


def _cancel(lease, kind, now, *, actor=None, note=""):
    """Cancel a locked reservation and record why in its history, as event `kind`."""
    lease.state = LeaseState.CANCELLED
    lease.cancelled_at = now
    lease.save(update_fields=["state", "cancelled_at", "updated_at"])
    _record(lease, kind, from_state=LeaseState.RESERVED, actor=actor, note=note, now=now)


def reservation_hold(lessee, now):
    """Return how long a new reservation of `lessee` keeps its prefix.

    RESERVATION_MINUTES, the time of a checkout; or, while the lessee's
    due diligence is under review and activation must wait for it,
    RESERVATION_REVIEW_HOLD_HOURS.
    """
    if awaits_review(lessee, now):
        return timedelta(hours=settings.RESERVATION_REVIEW_HOLD_HOURS)
    return timedelta(minutes=settings.RESERVATION_MINUTES)


def hold_reservations(lessee, until, *, note, now, extend_only=True):
    """Set the hold of the lessee's running reservations to `until`; return the reservations changed.

    With `extend_only`, a hold that already runs later is kept. Each change
    is recorded in the lease's history with `note`.
    """
    changed = []
    with transaction.atomic():
        reservations = Lease.objects.select_for_update().filter(
            lessee=lessee, state=LeaseState.RESERVED, reserved_until__gt=now
        ).order_by("pk")
        for lease in reservations:
            if lease.reserved_until == until or (extend_only and lease.reserved_until > until):
                continue
            lease.reserved_until = until
            lease.save(update_fields=["reserved_until", "updated_at"])
            _record(lease, LeaseEvent.Kind.HOLD_CHANGED, note=f"{note} Held until {until:%Y-%m-%d %H:%M} UTC.",
                    now=now)
            changed.append(lease)
    if changed:
        logger.info("Held %s reservations of organisation %s until %s", len(changed), lessee.pk, until)
    return changed


def cancel_reservations(lessee, *, note, now):
    """Cancel the lessee's running reservations, recording `note`; return them."""
    with transaction.atomic():
        reservations = list(
            Lease.objects.select_for_update().filter(lessee=lessee, state=LeaseState.RESERVED).order_by("pk")
        )
        for lease in reservations:
            _cancel(lease, LeaseEvent.Kind.CANCELLED, now, note=note)
    if reservations:
        logger.info("Cancelled %s reservations of organisation %s: %s", len(reservations), lessee.pk, note)
    return reservations


def reserve(*, listing, lessee, prefix_length, term, origin_asn=None, auto_renew=True, user=None):
    """Reserve the first free prefix of `prefix_length` in the listing's block.

    The reservation keeps the prefix for the time `reservation_hold` gives;
    `activate` turns it into a running lease. Raises LeaseConflict when no prefix of that
    length is free, LeaseError for a request the listing does not allow.
    """
    prefix_length = int(prefix_length)
    _check_rent_request(listing, lessee, prefix_length, term)
    origin_asn = validate_origin_asn(origin_asn)
    block = listing.block

    for attempt in range(1, ALLOCATION_ATTEMPTS + 1):
        now = timezone.now()
        period = DateTimeTZRange(now, term_end(now, term), "[)")
        try:
            with transaction.atomic():
                # Allocations in one block take turns. Without this, two
                # requests that pick the same prefix both insert, each waits
                # on the other's row in the exclusion check, and Postgres
                # aborts one as a deadlock. The constraint stays the guard.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BLOCK_ALLOCATION_LOCK, block.pk])
                release_lapsed_reservations_in(block.prefix, now)
                occupied = Lease.objects.filter(
                    prefix__net_overlaps=block.prefix,
                    state__in=OCCUPYING_STATES,
                    period__overlap=period,
                ).values_list("prefix", flat=True)
                prefix = first_free_prefix(block.prefix, prefix_length, occupied)
                if prefix is None:
                    raise LeaseConflict(
                        f"No /{prefix_length} is free in {block.prefix} right now; "
                        "choose a smaller prefix or another listing.",
                    )
                lease = Lease.objects.create(
                    listing=listing,
                    block=block,
                    lessee=lessee,
                    prefix=prefix,
                    term=term,
                    price_per_ip_month=listing.price_for_term(term),
                    currency=listing.currency,
                    period=period,
                    auto_renew=auto_renew,
                    origin_asn=origin_asn,
                    state=LeaseState.RESERVED,
                    reserved_until=now + reservation_hold(lessee, now),
                    created_by=user,
                )
                _record(lease, LeaseEvent.Kind.RESERVED, actor=user, now=now)
        except IntegrityError as exc:
            if "lease_no_overlap" not in str(exc):
                raise
            logger.info(
                "Allocation in %s lost a race (attempt %s of %s)", block.prefix, attempt,
                ALLOCATION_ATTEMPTS,
            )
            continue
        logger.info("Reserved %s for organisation %s (lease %s)", prefix, lessee.pk, lease.pk)
        return lease
    raise LeaseConflict(
        f"Other requests took the free space in {block.prefix} at the same moment; "
        "try again or choose another listing.",
    )


def _locked(lease):
    return Lease.objects.select_for_update().get(pk=lease.pk)


def _refresh_from(lease, locked):
    for field in Lease._meta.concrete_fields:
        setattr(lease, field.attname, getattr(locked, field.attname))


def activate(lease, *, user=None):
    """Turn a reservation into a running lease; its term starts now.

    A reservation whose hold has run out is cancelled (and that is
    committed) before LeaseConflict is raised.
    """
    with transaction.atomic():
        locked = _locked(lease)
        now = timezone.now()
        if locked.state != LeaseState.RESERVED:
            raise InvalidTransition(
                f"Lease {locked.prefix} is {locked.get_state_display().lower()}; "
                "only a reservation can be activated.",
            )
        ensure_can_activate(locked.lessee)
        deadline = locked.reserved_until
        lapsed = deadline <= now
        if lapsed:
            _lapse(locked, now)
        else:
            locked.state = LeaseState.ACTIVE
            locked.activated_at = now
            locked.reserved_until = None
            locked.period = DateTimeTZRange(now, term_end(now, locked.term), "[)")
            locked.save()
            _record(locked, LeaseEvent.Kind.ACTIVATED, from_state=LeaseState.RESERVED, actor=user, now=now)
            transaction.on_commit(lambda: schedule_reconciliation(reason="activated", lease_id=locked.pk))
    _refresh_from(lease, locked)
    if lapsed:
        raise LeaseConflict(
            f"The reservation of {locked.prefix} ran out at {deadline:%Y-%m-%d %H:%M} UTC; "
            "rent the space again.",
            code="lapsed",
        )
    logger.info("Activated lease %s of %s", lease.pk, lease.prefix)
    return lease


def rent(*, listing, lessee, prefix_length, term, origin_asn=None, auto_renew=True, user=None):
    """Reserve and activate in one step, for clients that need no checkout.

    A lessee that may not activate yet gets KycRequired before anything is
    reserved, so a rejected request keeps no prefix.
    """
    ensure_can_activate(lessee)
    lease = reserve(
        listing=listing,
        lessee=lessee,
        prefix_length=prefix_length,
        term=term,
        origin_asn=origin_asn,
        auto_renew=auto_renew,
        user=user,
    )
    return activate(lease, user=user)


def cancel_reservation(lease, *, user=None):
    with transaction.atomic():
        locked = _locked(lease)
        if locked.state != LeaseState.RESERVED:
            raise InvalidTransition(
                f"Lease {locked.prefix} is {locked.get_state_display().lower()}; "
                "only a reservation can be cancelled.",
            )
        _cancel(locked, LeaseEvent.Kind.CANCELLED, timezone.now(), actor=user)
    _refresh_from(lease, locked)
    return lease


def set_origin_asn(lease, origin_asn, *, user=None):
    origin_asn = validate_origin_asn(origin_asn)
    with transaction.atomic():
        locked = _locked(lease)
        if locked.state not in (LeaseState.RESERVED, *LIVE_STATES):
            raise InvalidTransition(
                f"Lease {locked.prefix} has {locked.get_state_display().lower()}; "
                "its origin ASN can no longer change.",
            )
        previous = locked.origin_asn
        locked.origin_asn = origin_asn
        locked.save(update_fields=["origin_asn", "updated_at"])
        _record(
            locked,
            LeaseEvent.Kind.ORIGIN_CHANGED,
            from_state=locked.state,
            actor=user,
            note=f"AS{previous or '-'} to AS{origin_asn or '-'}",
        )
        if locked.state == LeaseState.ACTIVE:
            transaction.on_commit(lambda: schedule_reconciliation(reason="origin changed", lease_id=locked.pk))
    _refresh_from(lease, locked)
    return lease


def suspend(lease, *, reason, user=None):
    """Suspend a running lease. The lessee keeps the space but may not announce it.

    Only this lease changes: a lessee's other leases are suspended only when
    a caller suspends each of them.
    """
    with transaction.atomic():
        locked = _locked(lease)
        if locked.state != LeaseState.ACTIVE:
            raise InvalidTransition(
                f"Lease {locked.prefix} is {locked.get_state_display().lower()}; "
                "only an active lease can be suspended.",
            )
        now = timezone.now()
        locked.state = LeaseState.SUSPENDED
        locked.suspended_at = now
        locked.suspension_reason = reason
        locked.save(update_fields=["state", "suspended_at", "suspension_reason", "updated_at"])
        _record(locked, LeaseEvent.Kind.SUSPENDED, from_state=LeaseState.ACTIVE, actor=user, note=reason, now=now)
        transaction.on_commit(lambda: schedule_reconciliation(reason="suspended", lease_id=locked.pk))
    _refresh_from(lease, locked)
    logger.warning("Suspended lease %s of %s: %s", lease.pk, lease.prefix, reason)
    return lease


def unsuspend(lease, *, note="", user=None):
    with transaction.atomic():
        locked = _locked(lease)
        if locked.state != LeaseState.SUSPENDED:
            raise InvalidTransition(
                f"Lease {locked.prefix} is {locked.get_state_display().lower()}, not suspended.",
            )
        locked.state = LeaseState.ACTIVE
        locked.suspended_at = None
        locked.suspension_reason = ""
        locked.save(update_fields=["state", "suspended_at", "suspension_reason", "updated_at"])
        _record(locked, LeaseEvent.Kind.UNSUSPENDED, from_state=LeaseState.SUSPENDED, actor=user, note=note)
        transaction.on_commit(lambda: schedule_reconciliation(reason="unsuspended", lease_id=locked.pk))
    _refresh_from(lease, locked)
    logger.info("Unsuspended lease %s of %s", lease.pk, lease.prefix)
    return lease


def terminate(lease, *, reason, user=None):
    """End a running lease now, before its term is over."""
    with transaction.atomic():
        locked = _locked(lease)
        if locked.state not in LIVE_STATES:
            raise InvalidTransition(
                f"Lease {locked.prefix} is {locked.get_state_display().lower()}; "
                "only an active or suspended lease can be terminated.",
            )
        now = timezone.now()
        previous = locked.state
        locked.state = LeaseState.ENDED
        locked.ended_at = now
        locked.period = DateTimeTZRange(locked.period.lower, now, "[)")
        locked.save(update_fields=["state", "ended_at", "period", "updated_at"])
        _record(locked, LeaseEvent.Kind.TERMINATED, from_state=previous, actor=user, note=reason, now=now)
        transaction.on_commit(lambda: schedule_reconciliation(reason="terminated", lease_id=locked.pk))
    _refresh_from(lease, locked)
    logger.warning("Terminated lease %s of %s: %s", lease.pk, lease.prefix, reason)
    return lease


def renew_or_end(lease, now):
    """Renew a lease whose term is over, or end it. The caller holds the row lock.

    Active leases with auto-renewal run for another term at the price they
    were signed at. Suspended leases and leases without auto-renewal end at
    the end of their period.
    """
    if lease.state == LeaseState.ACTIVE and lease.auto_renew:
        new_end = term_end(lease.period.upper, lease.term)
        try:
            with transaction.atomic():
                lease.period = DateTimeTZRange(lease.period.lower, new_end, "[)")
                lease.renewal_count += 1
                lease.save(update_fields=["period", "renewal_count", "updated_at"])
                _record(lease, LeaseEvent.Kind.RENEWED, from_state=LeaseState.ACTIVE, now=now)
            logger.info("Renewed lease %s of %s until %s", lease.pk, lease.prefix, new_end)
            return lease
        except IntegrityError:
            # Someone reserved the prefix between the end of the term and
            # this run; the newer request wins and this lease ends.
            logger.warning("Lease %s of %s could not renew: the space is taken", lease.pk, lease.prefix)
            lease.refresh_from_db()
    previous = lease.state
    lease.state = LeaseState.ENDED
    lease.ended_at = lease.period.upper
    lease.save(update_fields=["state", "ended_at", "updated_at"])
    _record(lease, LeaseEvent.Kind.ENDED, from_state=previous, now=now)
    transaction.on_commit(lambda: schedule_reconciliation(reason="ended", lease_id=lease.pk))
    logger.info("Lease %s of %s ended", lease.pk, lease.prefix)
    return lease
