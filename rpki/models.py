"""ROAs the platform publishes, their changes, and the routing data checked against them."""

from django.conf import settings
from django.contrib.postgres.indexes import GistIndex, OpClass
from django.db import models

from core.fields import CidrField

from .choices import (
    ChangeAction,
    ChangeStatus,
    FindingKind,
    ImportFormat,
    ImportStatus,
    InvalidReason,
    RoaPurpose,
    ValidationState,
)

MAX_ASN = 4294967295
ASN_RANGE = models.Q(asn__gte=0) & models.Q(asn__lte=MAX_ASN)


class BlockRpkiPolicy(models.Model):
    """A block's choice of parking ROA (AS0 or the parking ASN) where it differs from the default."""

    block = models.OneToOneField(
        "marketplace.IPBlock", on_delete=models.CASCADE, related_name="rpki_policy"
    )
    park_with_as0 = models.BooleanField(
        "park with AS0",
        null=True,
        blank=True,
        help_text="AS0 ROAs say nobody may announce the parked space; empty uses RPKI_PARK_WITH_AS0.",
    )
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "block RPKI policy"
        verbose_name_plural = "block RPKI policies"

    def __str__(self):
        return f"RPKI policy of {self.block}"


class LeaseRoaRequest(models.Model):
    """A lessee's request for a maxLength longer than the leased prefix."""

    lease = models.OneToOneField("leases.Lease", on_delete=models.CASCADE, related_name="roa_request")
    max_length = models.PositiveSmallIntegerField("maxLength")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lease ROA request"
        constraints = [
            models.CheckConstraint(condition=models.Q(max_length__lte=32), name="roarequest_max_length_ipv4"),
        ]

    def __str__(self):
        return f"maxLength {self.max_length} for {self.lease.prefix}"


class PublishedRoa(models.Model):
    """A ROA as published by the backend, from `published_at` until `removed_at`.

    Rows are never deleted, so the table is also the publication history:
    whether a prefix was under the platform's RPKI control at a time is a
    query on prefix and the two timestamps.
    """

    prefix = CidrField()
    asn = models.PositiveBigIntegerField("ASN")
    max_length = models.PositiveSmallIntegerField("maxLength")
    purpose = models.CharField(max_length=8, choices=RoaPurpose.choices)
    block = models.ForeignKey(
        "marketplace.IPBlock", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.SET_NULL, related_name="published_roas"
    )
    published_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["prefix", "asn"]
        verbose_name = "published ROA"
        indexes = [
            GistIndex(OpClass("prefix", name="inet_ops"), name="publishedroa_prefix_gist"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "asn", "max_length"],
                condition=models.Q(removed_at__isnull=True),
                name="publishedroa_one_live_entry",
            ),
            models.CheckConstraint(condition=ASN_RANGE, name="publishedroa_asn_range"),
        ]

    def __str__(self):
        return f"{self.prefix}-{self.max_length} AS{self.asn}"

    @property
    def key(self):
        return (self.prefix, self.asn, self.max_length)


class RoaChange(models.Model):
    """One ROA to add or remove, from the request to its publication."""

    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    prefix = CidrField()
    asn = models.PositiveBigIntegerField("ASN")
    max_length = models.PositiveSmallIntegerField("maxLength")
    purpose = models.CharField(max_length=8, choices=RoaPurpose.choices)
    block = models.ForeignKey(
        "marketplace.IPBlock", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.SET_NULL, related_name="roa_changes"
    )
    reason = models.CharField(max_length=200, blank=True, help_text="What asked for the reconciliation.")
    backend = models.CharField(max_length=16)
    status = models.CharField(max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    requested_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "ROA change"
        indexes = [
            models.Index(fields=["status", "requested_at"], name="roachange_status_idx"),
            models.Index(fields=["lease", "published_at"], name="roachange_lease_idx"),
            GistIndex(OpClass("prefix", name="inet_ops"), name="roachange_prefix_gist"),
        ]
        constraints = [
            # One open request per entry: a second reconciliation reuses it.
            models.UniqueConstraint(
                fields=["action", "prefix", "asn", "max_length"],
                condition=models.Q(status__in=[ChangeStatus.PENDING, ChangeStatus.FAILED]),
                name="roachange_one_open_request",
            ),
            models.CheckConstraint(condition=ASN_RANGE, name="roachange_asn_range"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.prefix}-{self.max_length} AS{self.asn}"

    @property
    def key(self):
        return (self.prefix, self.asn, self.max_length)


class DataImport(models.Model):
    """An uploaded VRP set or route observation file, stored before it is parsed."""

    class Kind(models.TextChoices):
        VRPS = "vrps", "Validated ROA payloads"
        ROUTES = "routes", "Route observations"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    format = models.CharField(max_length=20, choices=ImportFormat.choices, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    raw = models.TextField()
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.RECEIVED)
    error = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0, help_text="Rows for IPv6 or outside IPv4 unicast.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField()
    parsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename or self.pk} ({self.get_status_display()})"


class Vrp(models.Model):
    """A validated ROA payload from a relying party; the latest VRP import is the current set."""

    data_import = models.ForeignKey(DataImport, on_delete=models.CASCADE, related_name="vrps")
    prefix = CidrField()
    asn = models.PositiveBigIntegerField("ASN")
    max_length = models.PositiveSmallIntegerField("maxLength")
    trust_anchor = models.CharField(max_length=40, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "VRP"
        indexes = [GistIndex(OpClass("prefix", name="inet_ops"), name="vrp_prefix_gist")]

    def __str__(self):
        return f"{self.prefix}-{self.max_length} AS{self.asn}"


class RouteObservation(models.Model):
    """A route (prefix and origin ASN) seen in BGP, with its latest origin validation.

    `origin_asn` is empty when the AS path ends in an AS_SET, which RFC 6811
    treats as an origin that matches no VRP.
    """

    data_import = models.ForeignKey(
        DataImport, null=True, on_delete=models.SET_NULL, related_name="observations"
    )
    prefix = CidrField()
    origin_asn = models.PositiveBigIntegerField("origin ASN", null=True, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    validation_state = models.CharField(max_length=10, choices=ValidationState.choices, blank=True)
    invalid_reason = models.CharField(max_length=10, choices=InvalidReason.choices, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["prefix", "origin_asn"]
        indexes = [GistIndex(OpClass("prefix", name="inet_ops"), name="observation_prefix_gist")]
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "origin_asn"], nulls_distinct=False, name="observation_one_per_route"
            ),
        ]

    def __str__(self):
        origin = f"AS{self.origin_asn}" if self.origin_asn is not None else "AS_SET"
        return f"{self.prefix} from {origin}"


class Finding(models.Model):
    """A route that breaks the platform's routing rules, and the abuse case it raised."""

    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    observation = models.ForeignKey(RouteObservation, on_delete=models.CASCADE, related_name="findings")
    prefix = CidrField()
    origin_asn = models.PositiveBigIntegerField("origin ASN", null=True, blank=True)
    block = models.ForeignKey("marketplace.IPBlock", on_delete=models.CASCADE, related_name="+")
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.SET_NULL, related_name="routing_findings"
    )
    validation_state = models.CharField(max_length=10, choices=ValidationState.choices)
    invalid_reason = models.CharField(max_length=10, choices=InvalidReason.choices, blank=True)
    description = models.TextField()
    detected_at = models.DateTimeField()
    last_seen = models.DateTimeField()
    case_id = models.PositiveBigIntegerField("abuse case", null=True, blank=True)
    case_error = models.TextField(blank=True)
    holder_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["observation", "kind"], name="finding_one_per_route_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.prefix} from AS{self.origin_asn}"
