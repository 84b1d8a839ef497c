from django.conf import settings
from django.db import models
from django.utils.text import slugify


class Organization(models.Model):
    """A company on the platform. It can hold space, lease space, or both.

    Every domain object belongs to exactly one organisation, and members see
    only their own organisations' objects.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=220, unique=True)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the registered office."
    )
    website = models.URLField(blank=True)
    abuse_email = models.EmailField(
        blank=True, help_text="Where abuse reports about this organisation's space are sent."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:220] or "organization"
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Administrator"
    TECHNICAL = "technical", "Technical contact"
    ABUSE = "abuse", "Abuse contact"
    BILLING = "billing", "Billing contact"


# Roles that may create or change blocks, listings and leases.
MANAGING_ROLES = (Role.OWNER, Role.ADMIN, Role.TECHNICAL)


class Membership(models.Model):
    """A user's role in an organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_organization"
            )
        ]
        ordering = ["organization__name"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) in {self.organization}"
