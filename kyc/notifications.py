"""E-mail to staff and to organisations, and notices staff see in the admin."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from accounts.models import MANAGING_ROLES

from .models import StaffNotice

logger = logging.getLogger(__name__)


def staff_emails():
    if settings.KYC_STAFF_EMAILS:
        return list(settings.KYC_STAFF_EMAILS)
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(users.values_list("email", flat=True))


def notify_staff(subject, body, *, organization=None):
    """Record a notice in the admin and e-mail it to staff."""
    notice = StaffNotice.objects.create(organization=organization, subject=subject[:200], body=body)
    recipients = staff_emails()
    if recipients:
        send_mail(f"[KYC] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
    else:
        logger.warning("No staff e-mail address for notice %s: %s", notice.pk, subject)
    return notice


def organization_emails(organization):
    memberships = organization.memberships.filter(role__in=MANAGING_ROLES).select_related("user")
    return sorted({membership.user.email for membership in memberships if membership.user.email})


def notify_organization(organization, subject, body):
    recipients = organization_emails(organization)
    if not recipients:
        logger.warning("Organisation %s has no managing member with an e-mail for: %s", organization.pk, subject)
        return
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
