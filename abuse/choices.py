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

# Event counts at which a case's severity rises by one step each.
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
