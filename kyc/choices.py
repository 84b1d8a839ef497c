from django.db import models


class ProfileState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    MORE_INFORMATION = "more_information", "More information needed"


# States in which the client may edit the profile and upload documents.
EDITABLE_STATES = (ProfileState.DRAFT, ProfileState.MORE_INFORMATION, ProfileState.APPROVED,
                   ProfileState.REJECTED)


class DeclaredUse(models.TextChoices):
    HOSTING = "hosting", "Hosting"
    VPN = "vpn", "VPN"
    ISP = "isp", "Internet access (ISP)"
    CLOUD = "cloud", "Cloud"
    EMAIL_MARKETING = "email_marketing", "E-mail marketing"
    OTHER = "other", "Other"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DocumentKind(models.TextChoices):
    REGISTRATION = "registration", "Company registration extract"
    IDENTITY = "identity", "Identity document of a representative"
    ADDRESS = "address", "Proof of address"
    POLICY = "policy", "Acceptable-use or abuse policy"
    OTHER = "other", "Other"


class PersonRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    BENEFICIAL_OWNER = "beneficial_owner", "Beneficial owner"
    REPRESENTATIVE = "representative", "Authorised representative"


class ViesStatus(models.TextChoices):
    """Outcome of the VIES lookup of a VAT number; blank while it has not been checked."""

    VALID = "valid", "Valid"
    INVALID = "invalid", "Not valid"
    UNAVAILABLE = "unavailable", "VIES unavailable"


class SanctionsSource(models.TextChoices):
    OFAC = "ofac", "OFAC SDN (US)"
    UN = "un", "UN Security Council consolidated list"
    EU = "eu", "EU consolidated list"
    UK = "uk", "UK sanctions list"
    OPENSANCTIONS = "opensanctions", "OpenSanctions targets"


class ImportStatus(models.TextChoices):
    CURRENT = "current", "Current"
    SUPERSEDED = "superseded", "Superseded"
    FAILED = "failed", "Failed"


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organisation"
    VESSEL = "vessel", "Vessel or aircraft"
    UNKNOWN = "unknown", "Unknown"


class ScreeningStatus(models.TextChoices):
    CLEAR = "clear", "Clear"
    POTENTIAL_MATCH = "potential_match", "Potential match"
    INCOMPLETE = "incomplete", "Incomplete"


class MatchState(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "True match"
    FALSE_MATCH = "false_match", "False match"
