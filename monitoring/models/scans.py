from django.db import models


class ScanRun(models.Model):
    """One periodic pass over leased space: a PTR scan or a DNSBL check.

    `counts` maps each lookup outcome (answer, nxdomain, nodata, servfail,
    refused, timeout, error) to how many addresses ended with it, plus
    `changed` for PTR scans and `listed`/`delisted` for DNSBL checks.
    """

    class Kind(models.TextChoices):
        PTR = "ptr", "PTR scan"
        DNSBL = "dnsbl", "DNSBL check"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    server = models.CharField(max_length=64, help_text="The DNS server asked, host:port.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    address_count = models.PositiveBigIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="Error messages, at most 100.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="scanrun_kind_started_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} started {self.started_at:%Y-%m-%d %H:%M}"


class ScanChunk(models.Model):
    """A contiguous address range of a scan run, handled by one task.

    `first_address`/`last_address` are integer IPv4 addresses (inclusive);
    `prefixes` lists the leased prefixes inside the range, as text.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(ScanRun, on_delete=models.CASCADE, related_name="chunks")
    prefixes = models.JSONField(default=list)
    address_count = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "pk"]

    def __str__(self):
        return f"chunk {self.pk} of run {self.run_id}: {self.address_count} addresses"
