from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.contrib.postgres.indexes import OpClass

from core.fields import CidrField, FirstAddress, MaskLength, RangeStart

from .choices import OCCUPYING_STATES, LeaseState, Term

# 32-bit ASNs; 0 is reserved for AS0 ROAs and is never a lessee's origin.
MAX_ASN = 4294967295


class Lease(models.Model):
    """A lessee's right to one prefix inside a listed block for a period.

    `period` is the half-open time range in which the lessee held, holds or
    will hold the prefix. Ended leases keep their period and stay in the
    table, so "who held this address at that time" is a containment query on
    prefix and period. An exclusion constraint forbids two non-cancelled
    leases whose prefixes and periods both overlap, which is what stops double
    leasing under concurrency.
    """

    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.PROTECT, related_name="leases"
    )
    block = models.ForeignKey("marketplace.IPBlock", on_delete=models.PROTECT, related_name="leases")
    lessee = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="leases"
    )
    prefix = CidrField()
    term = models.CharField(max_length=8, choices=Term.choices)
    price_per_ip_month = models.DecimalField(
        "price per IP per month at signing", max_digits=10, decimal_places=4
    )
    currency = models.CharField(max_length=3)
    period = DateTimeRangeField()
    auto_renew = models.BooleanField(default=True)
    origin_asn = models.PositiveBigIntegerField(
        "origin ASN",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ASN)],
        help_text="The ASN that will announce the prefix.",
    )
    state = models.CharField(max_length=16, choices=LeaseState.choices, default=LeaseState.RESERVED)
    reserved_until = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    renewal_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # lease_held_probe_idx serves "who held this address then" (see
        # leases.selectors.holdings_at); its WHERE clause matches
        # OCCUPYING_STATES, so queries must filter on those states to use it.
        indexes = [
            models.Index(fields=["state", "reserved_until"], name="lease_state_reserved_idx"),
            models.Index(fields=["lessee", "state"], name="lease_lessee_state_idx"),
            models.Index(
                MaskLength("prefix"), FirstAddress("prefix"), RangeStart("period"), name="lease_held_probe_idx",
                condition=models.Q(state__in=OCCUPYING_STATES),
            ),
        ]
        constraints = [
            ExclusionConstraint(
                name="lease_no_overlap",
                expressions=[
                    (OpClass("prefix", name="inet_ops"), RangeOperators.OVERLAPS),
                    ("period", RangeOperators.OVERLAPS),
                ],
                condition=models.Q(state__in=OCCUPYING_STATES),
                violation_error_message="This prefix is already leased for an overlapping period.",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=LeaseState.RESERVED) | models.Q(reserved_until__isnull=False),
                name="lease_reservation_has_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.prefix} to {self.lessee} ({self.get_state_display()})"

    @property
    def address_count(self):
        return self.prefix.num_addresses

    @property
    def starts_at(self):
        return self.period.lower

    @property
    def ends_at(self):
        return self.period.upper

    @property
    def monthly_price(self):
        return self.price_per_ip_month * self.address_count


class LeaseEvent(models.Model):
    """One entry of a lease's history: a state change or a change of terms."""

    class Kind(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        ACTIVATED = "activated", "Activated"
        RENEWED = "renewed", "Renewed"
        SUSPENDED = "suspended", "Suspended"
        UNSUSPENDED = "unsuspended", "Unsuspended"
        ENDED = "ended", "Ended"
        TERMINATED = "terminated", "Terminated"
        CANCELLED = "cancelled", "Cancelled"
        LAPSED = "lapsed", "Reservation lapsed"
        HOLD_CHANGED = "hold_changed", "Reservation hold changed"
        ORIGIN_CHANGED = "origin_changed", "Origin ASN changed"

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_state = models.CharField(max_length=16, choices=LeaseState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=LeaseState.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lease", "created_at"], name="leaseevent_lease_time_idx")]

    def __str__(self):
        return f"{self.lease.prefix}: {self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"
