from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..choices import EntityKind, ImportStatus, SanctionsSource


class SanctionsListVersion(models.Model):
    """One import of one sanctions list: its source, time, counts and outcome.

    At most one version per source is current. A failed import is kept with
    its error so that operators see it, but never replaces the current one.
    """

    source = models.CharField(max_length=20, choices=SanctionsSource.choices)
    status = models.CharField(max_length=12, choices=ImportStatus.choices)
    origin = models.TextField(help_text="Path or URL the files were read from.")
    raw_files = models.JSONField(
        default=list, help_text="Paths under MEDIA_ROOT of the files as received, kept before parsing."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Generation date the list states, when it states one."
    )
    imported_at = models.DateTimeField(default=timezone.now)
    entity_count = models.PositiveIntegerField(default=0)
    name_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status=ImportStatus.CURRENT),
                name="kyc_one_current_version_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} of {self.imported_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class SanctionedEntity(models.Model):
    """A person, organisation or vessel on one version of a list, with all its names."""

    version = models.ForeignKey(SanctionsListVersion, on_delete=models.CASCADE, related_name="entities")
    source_id = models.CharField(max_length=100, help_text="The list's own identifier of the entry.")
    kind = models.CharField(max_length=12, choices=EntityKind.choices, default=EntityKind.UNKNOWN)
    name = models.TextField()
    aliases = ArrayField(models.TextField(), default=list, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    birth_dates = ArrayField(
        models.CharField(max_length=10), default=list, blank=True,
        help_text="ISO dates, possibly only a year (1970) or year and month (1970-05).",
    )
    identifiers = ArrayField(models.TextField(), default=list, blank=True)
    programs = models.TextField(blank=True)
    # SHA-256 of the entry's content. A staff decision on a match applies to
    # this exact content; an entry whose data changes is screened afresh.
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "source_id"], name="kyc_entity_unique_in_version"),
        ]

    def __str__(self):
        return f"{self.name} ({self.version.source}:{self.source_id})"

    @property
    def key(self):
        return f"{self.version.source}:{self.source_id}"
