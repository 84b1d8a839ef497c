from django.db import models


class RoaPurpose(models.TextChoices):
    LEASE = "lease", "Lessee's origin"
    PARKING = "parking", "Parked to the platform's ASN"
    AS0 = "as0", "AS0 (not to be announced)"


class ChangeAction(models.TextChoices):
    ADD = "add", "Add"
    REMOVE = "remove", "Remove"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class ValidationState(models.TextChoices):
    NOT_FOUND = "not_found", "NotFound"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"


class InvalidReason(models.TextChoices):
    NONE = "", "-"
    WRONG_ASN = "wrong_asn", "Wrong origin ASN"
    TOO_LONG = "too_long", "Prefix longer than maxLength"


class FindingKind(models.TextChoices):
    HIJACK = "hijack", "Leased prefix announced by another ASN"
    AFTER_LEASE_END = "after_lease_end", "Announced after the lease ended"
    PARKED_ANNOUNCED = "parked_announced", "Parked or unleased space announced"


class ImportFormat(models.TextChoices):
    ROUTINATOR_JSON = "routinator_json", "Routinator JSON"
    RPKI_CLIENT_JSON = "rpki_client_json", "rpki-client JSON"
    ROUTINATOR_CSV = "routinator_csv", "Routinator CSV"
    RPKI_CLIENT_CSV = "rpki_client_csv", "rpki-client CSV"
    ROUTES_CSV = "routes_csv", "Route observations CSV"
    BGPDUMP = "bgpdump", "bgpdump -m lines"


class ImportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PARSED = "parsed", "Parsed"
    FAILED = "failed", "Failed"
