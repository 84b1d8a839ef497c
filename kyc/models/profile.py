import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization

from ..choices import DeclaredUse, DocumentKind, PersonRole, ProfileState, RiskLevel, ViesStatus


class ClientProfile(models.Model):
    """Due-diligence data of one organisation and the state of its review.

    `approved_until` is what the lease gate reads: an organisation may
    activate leases while it lies in the future, even while a renewal is
    under review.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="kyc_profile"
    )
    legal_name = models.CharField(max_length=300, blank=True)
    registration_number = models.CharField(max_length=100, blank=True)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the registered office."
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=20, blank=True, help_text="EU VAT number with its country prefix, e.g. NL123456789B01."
    )
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    abuse_email = models.EmailField(blank=True)
    abuse_email_confirmed_at = models.DateTimeField(null=True, blank=True)
    declared_use = models.CharField(max_length=20, choices=DeclaredUse.choices, blank=True)
    declared_use_detail = models.TextField(
        blank=True, help_text="What the address space will be used for, in the client's words."
    )
    policy_text = models.TextField(
        blank=True, help_text="The client's acceptable-use and abuse-handling policy."
    )
    policy_url = models.URLField("policy URL", blank=True, help_text="Link to the published policy.")

    state = models.CharField(max_length=20, choices=ProfileState.choices, default=ProfileState.DRAFT)
    # Incremented at each submission; approvals and policy reviews count
    # only within the round they were given in.
    review_round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_until = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    # The latest VIES lookup. It belongs to vat_number only while
    # vies_vat_number equals it; a changed number is checked afresh.
    vies_status = models.CharField("VIES status", max_length=12, choices=ViesStatus.choices, blank=True)
    vies_vat_number = models.CharField(
        "VAT number checked in VIES", max_length=20, blank=True,
        help_text="The number the VIES fields describe, or the one being checked.",
    )
    vies_name = models.TextField("name registered in VIES", blank=True)
    vies_address = models.TextField("address registered in VIES", blank=True)
    vies_error = models.TextField("VIES error", blank=True, help_text="Why VIES could not check the number.")
    vies_checked_at = models.DateTimeField("VIES checked at", null=True, blank=True)
    vies_retry_at = models.DateTimeField(
        "VIES check due at", null=True, blank=True,
        help_text="When the scheduled task checks the number (again); empty when no check is due.",
    )

    risk_score = models.IntegerField(null=True, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    risk_assessed_at = models.DateTimeField(null=True, blank=True)
    last_screened_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=ProfileState.APPROVED) | Q(approved_until__isnull=False),
                name="kyc_profile_approved_has_expiry",
            ),
        ]

    def __str__(self):
        return f"Due diligence of {self.organization}"

    @property
    def abuse_email_confirmed(self):
        return self.abuse_email_confirmed_at is not None

    @property
    def vies_result_current(self):
        """True when the stored VIES result belongs to the VAT number the profile has now."""
        return bool(self.vat_number) and self.vies_vat_number == self.vat_number and bool(self.vies_status)

    def has_current_approval(self, now=None):
        now = now or timezone.now()
        return self.approved_until is not None and self.approved_until > now


class KeyPerson(models.Model):
    """A director, beneficial owner or representative, screened like the organisation."""

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="people")
    full_name = models.CharField(max_length=300)
    role = models.CharField(max_length=20, choices=PersonRole.choices, default=PersonRole.DIRECTOR)
    birth_date = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()})"


def document_path(instance, filename):
    # The stored name never comes from the client: a random name with the
    # extension of the type detected from the content.
    return f"kyc/documents/{instance.profile.organization_id}/{uuid.uuid4().hex}{filename}"


class ProfileDocument(models.Model):
    """An uploaded PDF, PNG or JPEG file, stored under MEDIA_ROOT and never served statically."""

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    file = models.FileField(upload_to=document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class ProfileEvent(models.Model):
    """One step in a profile's history: a state change, a decision or a note."""

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class Approval(models.Model):
    """One staff member's approval within a review round.

    High-risk clients need two, from two different staff members; the
    unique constraint stops one person from counting twice.
    """

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="approvals")
    review_round = models.PositiveIntegerField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "review_round", "approved_by"], name="kyc_approval_one_per_staff"
            ),
        ]


class PolicyReview(models.Model):
    """Staff's recorded review of the client's acceptable-use and abuse-handling policy."""

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="policy_reviews")
    review_round = models.PositiveIntegerField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_adequate = models.BooleanField()
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="kyc_policy_review_has_note"),
        ]


class RiskAssessment(models.Model):
    """A computed risk score with each factor's points and explanation."""

    profile = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="risk_assessments")
    score = models.IntegerField()
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    # [{"factor": "country", "points": 20, "explanation": "..."}, ...]
    factors = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
