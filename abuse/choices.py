from django.db import models


class Category(models.TextChoices):
    SPAM = "spam", "Spam"
    PHISHING = "phishing", "Phishing"
    MALWARE = "malware", "Malware"
    BOTNET = "botnet", "Botnet"
    DDOS = "ddos", "DDoS"
    SCANNING = "scanning", "Scanning"
    LOGIN_ATTACK = "login_attack", "Login attack"
    HIJACK = "hijack", "Hijack"
    BLOCKLIST = "blocklist", "Blocklist listing"
    PTR_CHURN = "ptr_churn", "PTR churn"
    COPYRIGHT = "copyright", "Copyright"
    OTHER = "other", "Other"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


# Severity a case starts with, before event counts and escalations raise it.
BASE_SEVERITY = {
    Category.SPAM: Severity.MEDIUM,
    Category.PHISHING: Severity.HIGH,
    Category.MALWARE: Severity.HIGH,
    Category.BOTNET: Severity.HIGH,
    Category.DDOS: Severity.HIGH,
    Category.SCANNING: Severity.MEDIUM,
    Category.LOGIN_ATTACK: Severity.MEDIUM,
    Category.HIJACK: Severity.CRITICAL,
    Category.BLOCKLIST: Severity.MEDIUM,
    Category.PTR_CHURN: Severity.LOW,
    Category.COPYRIGHT: Severity.LOW,
    Category.OTHER: Severity.LOW,
}

# Event counts at which a case's severity rises by one step each, in ascending order.
SEVERITY_STEPS = (10, 100)


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    API = "api", "API"
    FORM = "form", "Public form"
    MONITOR = "monitor", "Platform monitor"
    FEED = "feed", "Feed file"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received, not parsed"
    PARSED = "parsed", "Parsed"
    FAILED = "failed", "Parse failed"


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    LOW = "low", "Low"


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PAUSED = "paused", "Paused (waiting for the reporter)"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"
    INVALID = "invalid", "Closed as invalid"


# States in which a case collects new events of its lease and category.
OPEN_STATES = (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.PAUSED, CaseState.MITIGATED)

# States in which the SLA clocks run.
CLOCK_STATES = (CaseState.OPEN, CaseState.ACKNOWLEDGED)

CLOSED_STATES = (CaseState.RESOLVED, CaseState.INVALID)


class Queue(models.TextChoices):
    LESSEE = "lessee", "Lessee"
    HOLDER = "holder", "Holder (no lease at the time)"
    PLATFORM = "platform", "Platform (space not on the platform)"


class Escalation(models.IntegerChoices):
    NONE = 0, "None"
    WARNED = 1, "Lessee warned"
    ABUSE_TEAM = 2, "Escalated to the abuse team"
    SUSPENDED = 3, "Lease suspended"
    TERMINATED = 4, "Lease terminated"


class ParserName(models.TextChoices):
    ARF = "arf", "ARF (RFC 5965)"
    XARF_02 = "x-arf", "X-ARF 0.2"
    XARF_4 = "xarf4", "XARF v4"
    JSON = "json", "Simple JSON form"
    CSV = "csv", "CSV feed"
    TEXT = "text", "Plain-text complaint"
    MONITOR = "monitor", "Platform monitor"


class NotificationKind(models.TextChoices):
    WARNING = "warning", "Warning to the lessee"
    HOLDER = "holder", "Notice to the holder"
    # Sent to the lessee, or to the holder for space no lease covered.
    RESPONSE_BREACHED_LESSEE = "response_breached_lessee", "Response deadline missed (lessee or holder)"
    RESOLUTION_BREACHED_LESSEE = "resolution_breached_lessee", "Resolution deadline missed (lessee or holder)"
    RESPONSE_BREACHED = "response_breached", "Response deadline missed (abuse team)"
    RESOLUTION_BREACHED = "resolution_breached", "Resolution deadline missed (abuse team)"
    ESCALATED = "escalated", "Escalated (abuse team)"
    SUSPENDED = "suspended", "Lease suspended"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class TimelineKind(models.TextChoices):
    OPENED = "opened", "Case opened"
    EVENTS = "events", "Events added"
    STATE = "state", "State changed"
    NOTE = "note", "Internal note"
    MESSAGE = "message", "Message"
    NOTIFICATION = "notification", "Notification"
    ESCALATION = "escalation", "Escalation"
    ENFORCEMENT = "enforcement", "Enforcement"
    DEADLINE = "deadline", "Deadline changed"
    ASSIGNMENT = "assignment", "Assignment"
