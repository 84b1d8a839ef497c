import ipaddress

from django.conf import settings
from django.db import models


class AddressMixin:
    @property
    def address(self):
        return ipaddress.IPv4Address(self.ip)

    @property
    def address_text(self):
        return str(self.address)


class PtrRecord(AddressMixin, models.Model):
    """The PTR name a scan last saw for a leased address.

    Only addresses with a PTR have a row: a definite NXDOMAIN or NODATA
    deletes it, a failed lookup leaves it alone. `ip` is the address as an
    integer, which keeps range scans of a chunk on a plain btree index.
    """

    ip = models.BigIntegerField(unique=True)
    hostname = models.CharField(max_length=255)
    lease = models.ForeignKey("leases.Lease", null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["ip"]
        verbose_name = "PTR record"

    def __str__(self):
        return f"{self.address} PTR {self.hostname}"


class PtrAssignment(AddressMixin, models.Model):
    """A PTR name a lessee set through the platform; exported to zone files."""

    ip = models.BigIntegerField(unique=True)
    lease = models.ForeignKey("leases.Lease", on_delete=models.CASCADE, related_name="ptr_assignments")
    hostname = models.CharField(max_length=253)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["ip"]
        verbose_name = "PTR assignment"

    def __str__(self):
        return f"{self.address} PTR {self.hostname}"


class PtrChange(AddressMixin, models.Model):
    """A change of an address's PTR name, seen by a scan or made through the platform.

    An empty `old_hostname` means the address had no PTR before; an empty
    `new_hostname` means the PTR was removed.
    """

    class Source(models.TextChoices):
        SCAN = "scan", "Seen by scan"
        PLATFORM = "platform", "Made through the platform"

    ip = models.BigIntegerField()
    lease = models.ForeignKey("leases.Lease", null=True, on_delete=models.SET_NULL, related_name="+")
    lessee = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_hostname = models.CharField(max_length=255, blank=True)
    new_hostname = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scan_run = models.ForeignKey(
        "monitoring.ScanRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "PTR change"
        # Churn windows count a lease's or lessee's changes since a time.
        indexes = [
            models.Index(fields=["lease", "changed_at"], name="ptrchange_lease_time_idx"),
            models.Index(fields=["lessee", "changed_at"], name="ptrchange_lessee_time_idx"),
            models.Index(fields=["ip", "changed_at"], name="ptrchange_ip_time_idx"),
        ]

    def __str__(self):
        return f"{self.address}: {self.old_hostname or '-'} -> {self.new_hostname or '-'}"


class PtrFlag(models.Model):
    """A lessee (or one of its leases) crossed a PTR churn threshold or matched a pattern.

    `detail` says what was seen in words; `examples` holds sample addresses
    and names. At most one open flag exists per kind, lessee and lease.
    """

    class Kind(models.TextChoices):
        CHURN_24H = "churn_24h", "PTR churn in 24 hours"
        CHURN_7D = "churn_7d", "PTR churn in 7 days"
        MAIL_NAMES = "mail_names", "Mail-server-like names"
        SNOWSHOE = "snowshoe", "Many registered domains in one /24"
        RANDOM_LABELS = "random_labels", "Random-looking names"
        FCRDNS = "fcrdns", "Forward-confirmed reverse DNS fails"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    lessee = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    observed = models.PositiveIntegerField(help_text="The count that crossed the threshold.")
    threshold = models.PositiveIntegerField()
    detail = models.TextField()
    examples = models.JSONField(default=list, blank=True)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = "PTR flag"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "lessee", "lease"],
                condition=models.Q(resolved_at__isnull=True),
                nulls_distinct=False,
                name="ptrflag_one_open_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["lessee", "raised_at"], name="ptrflag_lessee_time_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.lessee}"
