from django.db import models

from core.fields import CidrField


class DropImport(models.Model):
    """An uploaded Spamhaus DROP file, stored as received before it is parsed."""

    class Format(models.TextChoices):
        TEXT = "text", "Legacy text (cidr ; SBLnnn)"
        JSON = "json", "One JSON object per line"

    filename = models.CharField(max_length=255)
    raw = models.TextField()
    format = models.CharField(max_length=8, choices=Format.choices, blank=True)
    imported_at = models.DateTimeField()
    entry_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = "DROP import"

    def __str__(self):
        return f"{self.filename} ({self.imported_at:%Y-%m-%d %H:%M})"


class DropEntry(models.Model):
    """A prefix on the current Spamhaus DROP list; replaced as a whole by each import."""

    cidr = CidrField()
    sbl_id = models.CharField("SBL id", max_length=16, blank=True)
    rir = models.CharField(max_length=16, blank=True)
    source = models.ForeignKey(DropImport, on_delete=models.CASCADE, related_name="entries")

    class Meta:
        ordering = ["cidr"]
        verbose_name = "DROP entry"
        verbose_name_plural = "DROP entries"

    def __str__(self):
        return f"{self.cidr} ({self.sbl_id})" if self.sbl_id else str(self.cidr)


class DropOverlap(models.Model):
    """A registered block that overlaps DROP space, flagged to staff at import."""

    block = models.ForeignKey("marketplace.IPBlock", on_delete=models.CASCADE, related_name="+")
    cidr = CidrField()
    sbl_id = models.CharField("SBL id", max_length=16, blank=True)
    flagged_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["block", "cidr"],
                condition=models.Q(resolved_at__isnull=True),
                name="dropoverlap_one_open_per_block_cidr",
            ),
        ]

    def __str__(self):
        return f"{self.block} overlaps DROP {self.cidr}"
