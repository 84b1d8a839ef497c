import ipaddress

from django.db import models


class DnsblZone(models.Model):
    """A DNS blocklist zone the platform checks leased addresses against.

    `backoff_until` is set after an operational error (the zone answered
    with an error code such as 127.255.255.254, or is refusing us); the zone
    is skipped until then, for longer after each error in a row.
    """

    name = models.CharField(max_length=253, unique=True, help_text="For example zen.spamhaus.org.")
    description = models.CharField(max_length=200, blank=True)
    is_enabled = models.BooleanField(default=True)
    weight = models.PositiveSmallIntegerField(
        default=10, help_text="How much a listing here counts in reputation and risk, 0 to 100."
    )
    backoff_until = models.DateTimeField(null=True, blank=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "DNSBL zone"
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="dnsblzone_weight_max_100"),
        ]

    def __str__(self):
        return self.name


class DnsblReturnCode(models.Model):
    """What one A record answer from a zone means."""

    class Kind(models.TextChoices):
        LISTING = "listing", "Listing"
        INFORMATION = "information", "Information only"
        ERROR = "error", "Operational error"

    zone = models.ForeignKey(DnsblZone, on_delete=models.CASCADE, related_name="return_codes")
    code = models.GenericIPAddressField(protocol="IPv4", help_text="For example 127.0.0.2.")
    meaning = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.LISTING)

    class Meta:
        ordering = ["zone", "code"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="dnsblcode_unique_per_zone"),
        ]

    def __str__(self):
        return f"{self.zone} {self.code}: {self.meaning}"


class BlocklistListing(models.Model):
    """One stretch of time an address was on a zone: listed_at until delisted_at.

    `kind` is information when every returned code is information only
    (like Spamhaus PBL); such rows raise no case.
    """

    class Kind(models.TextChoices):
        LISTING = "listing", "Listing"
        INFORMATION = "information", "Information only"

    zone = models.ForeignKey(DnsblZone, on_delete=models.CASCADE, related_name="listings")
    ip = models.BigIntegerField()
    lease = models.ForeignKey("leases.Lease", null=True, on_delete=models.SET_NULL, related_name="+")
    lessee = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    codes = models.JSONField(default=list, help_text="Returned A records with their meanings.")
    reason = models.TextField(blank=True, help_text="The zone's TXT record, when it has one.")
    listed_at = models.DateTimeField()
    delisted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-listed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "ip"],
                condition=models.Q(delisted_at__isnull=True),
                name="listing_one_current_per_zone_ip",
            ),
        ]
        indexes = [
            models.Index(fields=["ip", "listed_at"], name="listing_ip_time_idx"),
            models.Index(fields=["lessee", "listed_at"], name="listing_lessee_time_idx"),
        ]

    @property
    def address(self):
        return ipaddress.IPv4Address(self.ip)

    @property
    def address_text(self):
        return str(self.address)

    def __str__(self):
        return f"{self.address} on {self.zone}"


class OperationalAlert(models.Model):
    """A problem staff must look at that is not about a lessee: a zone erroring, DROP overlaps."""

    source = models.CharField(max_length=100, help_text="Zone name or component.")
    message = models.TextField()
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self):
        return f"{self.source}: {self.message[:60]}"
