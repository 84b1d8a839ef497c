"""Helpers for tests and demo data that need an organisation with a current approval."""

from datetime import timedelta

from django.utils import timezone

from .choices import ProfileState
from .models import ClientProfile


def record_approval(organization, *, days=365):
    """Give `organization` an approved profile valid for `days`, without a review."""
    now = timezone.now()
    profile, _ = ClientProfile.objects.update_or_create(
        organization=organization,
        defaults={
            "legal_name": organization.name, "country": organization.country, "state": ProfileState.APPROVED,
            "approved_at": now, "approved_until": now + timedelta(days=days),
        },
    )
    return profile


OPENSANCTIONS_HEADER = (
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
    "dataset,first_seen,last_seen,last_change\r\n"
)


def opensanctions_csv(rows):
    """Return a targets.simple.csv file of `rows` (dicts with id, schema, name and optional fields)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([
            row["id"], row.get("schema", "Company"), row["name"], ";".join(row.get("aliases", ())),
            ";".join(row.get("birth_dates", ())), ";".join(row.get("countries", ())), "",
            ";".join(row.get("identifiers", ())), "", "", "", "test", "2024-01-01", "2026-12-01", "2026-12-01",
        ])
    return (OPENSANCTIONS_HEADER + buffer.getvalue()).encode()


# A minimal PDF: the header is what the upload check reads.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def complete_profile(organization, **fields):
    """Fill in every field submission needs, with a confirmed abuse contact and one document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .choices import DeclaredUse, DocumentKind, ProfileState
    from .documents import store_document

    values = {
        "legal_name": organization.name, "registration_number": "12345678", "country": "NL",
        "address": "Keizersgracht 1\n1015 CC Amsterdam", "abuse_email": "abuse@example.net",
        "abuse_email_confirmed_at": timezone.now(), "declared_use": DeclaredUse.ISP,
        "policy_text": "We act on abuse reports within 24 hours.", "state": ProfileState.DRAFT,
        "approved_at": None, "approved_until": None,
    }
    values.update(fields)
    profile, _ = ClientProfile.objects.update_or_create(organization=organization, defaults=values)
    if not profile.documents.exists():
        store_document(profile, SimpleUploadedFile("extract.pdf", PDF_BYTES), kind=DocumentKind.REGISTRATION)
    return profile
