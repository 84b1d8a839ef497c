from django.db import models


class RIR(models.TextChoices):
    AFRINIC = "afrinic", "AFRINIC"
    APNIC = "apnic", "APNIC"
    ARIN = "arin", "ARIN"
    LACNIC = "lacnic", "LACNIC"
    RIPE = "ripe", "RIPE NCC"


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"


class VerificationMethod(models.TextChoices):
    ABUSE_CONTACT_PIN = "pin", "PIN sent to the registered abuse contact"
    MAINTAINER = "maintainer", "Registry maintainer delegated to the platform"
    ROA = "roa", "ROA for the proof ASN given with the request"


class Terms(models.TextChoices):
    MONTHLY = "monthly", "Monthly only"
    YEARLY = "yearly", "Yearly only"
    BOTH = "both", "Monthly or yearly"


class ListingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    PAUSED = "paused", "Paused"
    WITHDRAWN = "withdrawn", "Withdrawn"
