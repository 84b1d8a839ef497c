from .cases import Case, Notification, TimelineEntry
from .policies import SlaPolicy
from .reports import Event, Report

__all__ = ["Case", "Event", "Notification", "Report", "SlaPolicy", "TimelineEntry"]
