"""Uploaded documents: type detected from the content, size-limited, stored under MEDIA_ROOT."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile

from .exceptions import KycError
from .models import ProfileDocument

logger = logging.getLogger(__name__)

# Leading bytes of the accepted formats: (content type, extension).
SIGNATURES = (
    (b"%PDF-", ("application/pdf", ".pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", ".png")),
    (b"\xff\xd8\xff", ("image/jpeg", ".jpg")),
)


def detect_type(data):
    """Return (content type, extension) from the file's first bytes, or None."""
    for signature, detected in SIGNATURES:
        if data.startswith(signature):
            return detected
    return None


def store_document(profile, uploaded, *, kind, user=None):
    """Check and store an uploaded file (a Django UploadedFile or any file with .name and .read)."""
    limit = settings.KYC_DOCUMENT_MAX_BYTES
    data = uploaded.read(limit + 1)
    name = getattr(uploaded, "name", "") or "upload"
    if not data:
        raise KycError(f"{name} is empty; choose the file again.")
    if len(data) > limit:
        raise KycError(f"{name} is larger than {limit // (1024 * 1024)} MB; upload a smaller scan.")
    detected = detect_type(data)
    if detected is None:
        raise KycError(f"{name} is not a PDF, PNG or JPEG file (checked from its content); convert it first.")
    content_type, extension = detected
    document = ProfileDocument(
        profile=profile, kind=kind, original_name=name[:255], content_type=content_type,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user,
    )
    document.file.save(extension, ContentFile(data), save=False)
    document.save()
    logger.info("Stored document %s (%s, %s bytes) of profile %s", document.pk, content_type, len(data), profile.pk)
    return document
