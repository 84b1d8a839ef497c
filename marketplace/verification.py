"""Proof of control of a block by ROA, and the rule that only verified blocks are published.

A holder requests the proof and the block becomes pending with method ROA.
Each request draws its own origin ASN at random from the private 32-bit
range (RFC 6996) and stores it in `IPBlock.proof_asn`. The holder then
creates a ROA for the block's prefix with that origin and maxLength equal
to the prefix length. Only the holder of the resources can issue that ROA,
so its presence in the current set of validated ROA payloads (VRPs) proves
control. A VRP that covers the prefix and allows its length proves it too.
Because the ASN is new for each request, a proof ROA that an earlier holder
of the block left in place does not prove a later request. The check runs
after each VRP import and from a Celery task, and fails a proof that is
still pending MARKETPLACE_PROOF_DAYS after the request.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from ipaddress import IPv4Network

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rpki.choices import ImportStatus
from rpki.models import DataImport, PublishedRoa, Vrp

from .choices import VerificationMethod, VerificationStatus
from .models import PROOF_ASN_FIRST, PROOF_ASN_LAST, IPBlock

logger = logging.getLogger(__name__)

# Pending proofs locked and checked per transaction.
CHECK_BATCH = 200
# Fields a proof request or check changes.
PROOF_FIELDS = [
    "verification_status", "verification_method", "verified_at", "verification_requested_at",
    "proof_asn", "verification_note", "updated_at",
]


@dataclass(frozen=True)
class RoaProof:
    """The ROA a holder creates to prove control of a block, and the deadline of a pending proof."""

    prefix: IPv4Network
    asn: int
    max_length: int
    deadline: datetime | None = None

    @property
    def roa_text(self):
        return f"ROA for {self.prefix} with origin AS{self.asn} and maxLength {self.max_length}"

    @property
    def instructions(self):
        text = (
            f"Create a {self.roa_text} in the RPKI of your RIR. AS{self.asn} is a private ASN "
            "drawn for this request only. The platform marks the block verified as soon as the "
            "ROA appears in the validated ROA payloads it imports"
        )
        if self.deadline is not None:
            text += f", if that happens before {_utc_text(self.deadline)}"
        return text + (
            f". Delete the ROA once the block is verified, because it authorises AS{self.asn} "
            "to announce the block."
        )


@dataclass
class ProofCheckResult:
    """Ids of the blocks one check verified and failed."""

    verified: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def _utc_text(moment):
    return f"{moment.astimezone(dt_timezone.utc):%Y-%m-%d %H:%M} UTC"


def is_pending_roa_proof(block):
    return (
        block.verification_status == VerificationStatus.PENDING
        and block.verification_method == VerificationMethod.ROA
    )


def proof_deadline(block):
    """Return when the block's pending ROA proof fails, or None without a pending ROA proof."""
    if not is_pending_roa_proof(block) or block.verification_requested_at is None:
        return None
    return block.verification_requested_at + timedelta(days=settings.MARKETPLACE_PROOF_DAYS)


def roa_proof_for(block):
    """Return the ROA that the block's latest proof request needs, or None before any request.

    The deadline is set only while the proof is pending.
    """
    if block.proof_asn is None:
        return None
    return RoaProof(
        prefix=block.prefix,
        asn=block.proof_asn,
        max_length=block.prefix.prefixlen,
        deadline=proof_deadline(block),
    )


def current_vrp_import():
    """Return the latest parsed VRP import, whose VRPs are the current set, or None."""
    return (
        DataImport.objects.filter(kind=DataImport.Kind.VRPS, status=ImportStatus.PARSED)
        .order_by("-parsed_at", "-pk")
        .first()
    )


def _covering_vrps(prefix, data_import):
    """Return the VRPs of `data_import` that equal or cover `prefix` and allow its length."""
    return Vrp.objects.filter(
        data_import=data_import,
        prefix__net_contains_or_equal=prefix,
        max_length__gte=prefix.prefixlen,
    )


def draw_proof_asn(prefix, data_import, *, previous_asn=None):
    """Draw the origin ASN for a new ROA proof request of the block `prefix`.

    The ASN is random in the private 32-bit range. It differs from the
    block's previous proof ASN, from RPKI_PARKING_ASN, and from the ASN of
    every VRP in `data_import` that covers the prefix, so no ROA that exists
    at the request can meet it.
    """
    excluded = {previous_asn, settings.RPKI_PARKING_ASN}
    if data_import is not None:
        excluded.update(_covering_vrps(prefix, data_import).values_list("asn", flat=True))
    while True:
        asn = PROOF_ASN_FIRST + secrets.randbelow(PROOF_ASN_LAST - PROOF_ASN_FIRST + 1)
        if asn not in excluded:
            return asn


def find_proving_vrp(block, data_import, now):
    """Return a VRP of `data_import` that proves control of `block`, or None.

    The VRP must name the block's proof ASN, equal or cover the block's
    prefix, have a maxLength of at least the block's prefix length, and not
    have expired at `now`. A VRP equal to a ROA that the platform itself
    published, now or earlier, is no proof, because the holder did not
    create it. A lessee may have chosen the proof ASN as the origin of its
    lease, for example.

    NOTE: A ROA names no organisation. A proof ROA that an earlier holder
    left in place names the ASN of that holder's request, which
    draw_proof_asn skips while the ROA is in the current VRPs. A leftover
    ROA that is missing from the VRPs at the request (during a validator
    outage, say) matches the new ASN only by chance, 1 in 94,967,295.
    """
    if data_import is None or block.proof_asn is None:
        return None
    platform_roas = PublishedRoa.objects.filter(
        prefix=OuterRef("prefix"), asn=OuterRef("asn"), max_length=OuterRef("max_length")
    )
    return (
        _covering_vrps(block.prefix, data_import)
        .filter(asn=block.proof_asn)
        .exclude(expires_at__lte=now)
        .exclude(Exists(platform_roas))
        .order_by("pk")
        .first()
    )


def _copy_verification(source, target):
    for name in PROOF_FIELDS:
        setattr(target, name, getattr(source, name))


def request_roa_proof(block):
    """Start the ROA proof of `block` and check it against the current VRPs at once.

    The block becomes pending with method ROA and gets a new proof ASN. A
    request while a ROA proof is pending keeps its ASN and deadline and only
    checks the VRPs again. Raises
    ValidationError when the block is already verified. Returns the block
    with its new verification fields.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = IPBlock.objects.select_for_update().get(pk=block.pk)
        data_import = current_vrp_import()
        if locked.verification_status == VerificationStatus.VERIFIED:
            raise ValidationError(
                f"Block {locked.prefix} is already verified, so it needs no ROA proof.",
                code="verified",
            )
        if not is_pending_roa_proof(locked):
            locked.verification_status = VerificationStatus.PENDING
            locked.verification_method = VerificationMethod.ROA
            locked.verification_requested_at = now
            locked.proof_asn = draw_proof_asn(locked.prefix, data_import, previous_asn=locked.proof_asn)
            locked.verified_at = None
            locked.verification_note = ""
            locked.save(update_fields=PROOF_FIELDS)
            logger.info(
                "Block %s (%s) requested a ROA proof with origin AS%s",
                locked.pk, locked.prefix, locked.proof_asn,
            )
        _verify_if_proven(locked, data_import, now)
    _copy_verification(locked, block)
    return block


def check_roa_proofs(*, now=None):
    """Verify the pending ROA proofs that the current VRPs prove, and fail the overdue ones.

    Idempotent. Each batch locks its blocks and skips the blocks that another
    check or a request holds, which the next check handles. A proof proven
    by the VRPs is verified even when its deadline has passed.
    """
    now = now or timezone.now()
    data_import = current_vrp_import()
    result = ProofCheckResult()
    pending = IPBlock.objects.filter(
        verification_status=VerificationStatus.PENDING, verification_method=VerificationMethod.ROA
    )
    pending_ids = list(pending.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pending_ids), CHECK_BATCH):
        with transaction.atomic():
            batch = pending.filter(pk__in=pending_ids[start:start + CHECK_BATCH]).select_for_update(
                skip_locked=True
            )
            for block in batch:
                if _verify_if_proven(block, data_import, now):
                    result.verified.append(block.pk)
                elif _fail_if_overdue(block, data_import, now):
                    result.failed.append(block.pk)
    logger.info(
        "Checked %s pending ROA proofs against VRP import %s: verified blocks %s, failed blocks %s",
        len(pending_ids), data_import.pk if data_import else None, result.verified, result.failed,
    )
    return result


def _verify_if_proven(block, data_import, now):
    vrp = find_proving_vrp(block, data_import, now)
    if vrp is None:
        return False
    block.verification_status = VerificationStatus.VERIFIED
    block.verification_method = VerificationMethod.ROA
    block.verified_at = now
    trust_anchor = f" (trust anchor {vrp.trust_anchor})" if vrp.trust_anchor else ""
    block.verification_note = (
        f"Verified by the VRP {vrp.prefix}-{vrp.max_length} AS{vrp.asn}{trust_anchor} "
        f"in VRP import {data_import.pk} of {_utc_text(data_import.received_at)}."
    )
    block.save(update_fields=PROOF_FIELDS)
    logger.info(
        "Block %s (%s) verified by ROA: VRP %s in VRP import %s",
        block.pk, block.prefix, vrp.pk, data_import.pk,
    )
    return True


def _fail_if_overdue(block, data_import, now):
    deadline = proof_deadline(block)
    if deadline is None or deadline > now:
        return False
    proof = roa_proof_for(block)
    if data_import is None:
        checked = "No VRP set was imported."
    else:
        checked = f"The latest VRP import was received at {_utc_text(data_import.received_at)}."
    block.verification_status = VerificationStatus.FAILED
    requested = _utc_text(block.verification_requested_at)
    block.verification_note = (
        f"No {proof.roa_text} (or a covering one) appeared in the validated ROA payloads "
        f"within {settings.MARKETPLACE_PROOF_DAYS} days of the request of {requested}, "
        f"so the proof failed at {_utc_text(now)}. {checked} "
        "Create the ROA and request the proof again."
    )
    block.save(update_fields=PROOF_FIELDS)
    logger.info(
        "ROA proof of block %s (%s) failed: no proving VRP by %s",
        block.pk, block.prefix, _utc_text(deadline),
    )
    return True


def ensure_block_verified(block):
    """Raise ValidationError unless `block` is verified, naming its prefix and how to verify it.

    While a ROA proof is pending, the message names its ROA and deadline.
    Otherwise it directs the holder to request a proof, which draws the ASN.
    """
    if block.verification_status == VerificationStatus.VERIFIED:
        return
    if is_pending_roa_proof(block):
        proof = roa_proof_for(block)
        next_step = (
            f"create a {proof.roa_text} before {_utc_text(proof.deadline)}. The platform looks "
            "for it after each VRP import."
        )
    else:
        next_step = (
            f"request the ROA proof on the block's page or with POST /api/blocks/{block.pk}/verify/ "
            "and create the ROA that it names."
        )
    raise ValidationError(
        f"The listing of {block.prefix} cannot be published because the block is not verified "
        f"(status: {block.get_verification_status_display().lower()}). Verify the block first: "
        f"{next_step} You can also ask staff to verify the block.",
        code="unverified",
    )
