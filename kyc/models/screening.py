from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organization

from ..choices import MatchState, ScreeningStatus
from .sanctions import SanctionedEntity


class Screening(models.Model):
    """One screening of an organisation and its key people against the current lists."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="kyc_screenings")
    status = models.CharField(max_length=20, choices=ScreeningStatus.choices)
    trigger = models.CharField(max_length=40, help_text="What started it: submission, list change, schedule, staff.")
    # Why the result is incomplete, one sentence per problem.
    problems = models.JSONField(default=list)
    # {"ofac": <version id>, ...} of the lists screened against.
    list_versions = models.JSONField(default=dict)
    names_screened = models.PositiveIntegerField(default=0)
    new_matches = models.PositiveIntegerField(default=0)
    open_matches = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"


class ScreeningMatch(models.Model):
    """A potential match between one of the organisation's names and a listed entity.

    One row per organisation, screened name and entity version: a later
    screening that finds the same pair again does not raise it again, so a
    decided false match stays decided until the entity's data changes.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="kyc_matches")
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="matches")
    entity = models.ForeignKey(SanctionedEntity, null=True, on_delete=models.SET_NULL, related_name="matches")
    entity_key = models.CharField(max_length=130, help_text="source:source_id of the listed entry.")
    entity_hash = models.CharField(max_length=64)
    subject_name = models.CharField(max_length=300, help_text="Our name that matched: the legal name or a person's.")
    listed_name = models.TextField()
    score = models.FloatField()
    reason = models.TextField()
    state = models.CharField(max_length=12, choices=MatchState.choices, default=MatchState.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-score"]
        verbose_name_plural = "screening matches"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subject_name", "entity_key", "entity_hash"],
                name="kyc_match_once_per_entity_version",
            ),
        ]

    def __str__(self):
        return f"{self.subject_name} ~ {self.listed_name} ({self.score:.0f})"


class StaffNotice(models.Model):
    """Something staff must act on, shown in the admin (and sent by e-mail)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="kyc_notices"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.subject
