"""State changes of blocks and listings. Views, the API, the admin and the demo call these."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.ipspace import validate_block_prefix
from monitoring.prefixlists import ensure_not_on_drop

from .choices import ListingStatus
from .models import IPBlock, Listing
from .verification import ensure_block_verified

logger = logging.getLogger(__name__)

# Listing actions: the status each sets, and the statuses it may start from.
# A withdrawn listing can be published again, under the same rules as a draft.
LISTING_TRANSITIONS = {
    "publish": (
        ListingStatus.PUBLISHED,
        (ListingStatus.DRAFT, ListingStatus.PAUSED, ListingStatus.WITHDRAWN),
    ),
    "pause": (ListingStatus.PAUSED, (ListingStatus.PUBLISHED,)),
    "withdraw": (
        ListingStatus.WITHDRAWN,
        (ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.PAUSED),
    ),
}


def overlapping_block(prefix, *, exclude_pk=None):
    """Return a registered block that overlaps `prefix`, or None."""
    blocks = IPBlock.objects.filter(prefix__net_overlaps=prefix)
    if exclude_pk is not None:
        blocks = blocks.exclude(pk=exclude_pk)
    return blocks.order_by("prefix").first()


def _overlap_error(prefix, exclude_pk=None):
    existing = overlapping_block(prefix, exclude_pk=exclude_pk)
    if existing is None:
        return ValidationError(
            f"{prefix} overlaps a block that was registered at the same moment; reload and check.",
            code="overlap",
        )
    return ValidationError(
        f"{prefix} overlaps the registered block {existing.prefix}; "
        "a block can be registered only once, by its holder.",
        code="overlap",
    )


def save_block(block, *, prefix=None):
    """Validate and save `block` (new or changed); raise ValidationError with the reason.

    The overlap check is the `ipblock_no_overlap` exclusion constraint, so two
    holders registering overlapping space at the same moment cannot both win.
    The violation becomes an error that names the existing block.
    """
    if prefix is not None:
        block.prefix = validate_block_prefix(prefix)
        ensure_not_on_drop(block.prefix)
    try:
        with transaction.atomic():
            block.save()
    except IntegrityError as exc:
        message = str(exc)
        if "ipblock_no_overlap" in message or "marketplace_ipblock_prefix_key" in message:
            raise _overlap_error(block.prefix, exclude_pk=block.pk) from None
        raise
    logger.info("Saved block %s (%s) of organisation %s", block.pk, block.prefix, block.holder_id)
    return block


def create_block(*, holder, prefix, rir, country, description=""):
    block = IPBlock(holder=holder, rir=rir, country=country.upper(), description=description)
    return save_block(block, prefix=prefix)


def change_listing_status(listing, action):
    """Publish, pause or withdraw `listing`; raise ValidationError when the status forbids it.

    Only a listing of a verified block can be published. `published_at`
    keeps the time of the first publication. The status decides only
    whether new reservations can be made. Leases and reservations made
    earlier keep running, and a reservation can still be activated.
    """
    if action not in LISTING_TRANSITIONS:
        raise ValidationError(
            f"Unknown listing action {action!r}; use publish, pause or withdraw.", code="action"
        )
    target, sources = LISTING_TRANSITIONS[action]
    with transaction.atomic():
        # Locks the block row too, so staff cannot withdraw its verification
        # while the listing is being published.
        locked = Listing.objects.select_for_update().select_related("block").get(pk=listing.pk)
        if locked.status not in sources:
            raise ValidationError(
                f"Listing {listing.block.prefix} is {locked.get_status_display().lower()}; "
                f"it cannot be {target.label.lower()} from that status.",
                code="status",
            )
        if target == ListingStatus.PUBLISHED:
            ensure_block_verified(locked.block)
            # DROP may have been imported after the block was registered.
            ensure_not_on_drop(listing.block.prefix)
        locked.status = target
        if target == ListingStatus.PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
    listing.status = locked.status
    listing.published_at = locked.published_at
    logger.info("Listing %s of %s is now %s", listing.pk, listing.block.prefix, target)
    return listing
