from django.utils import timezone

from .models import TimelineEntry

SYSTEM = "system"


def record(case, kind, text, *, actor=None, actor_label=None, internal=False, data=None, now=None):
    """Add one entry to a case's timeline and return it."""
    saved = entry(case, kind, text, actor=actor, actor_label=actor_label, internal=internal, data=data, now=now)
    saved.save()
    return saved


def entry(case, kind, text, *, actor=None, actor_label=None, internal=False, data=None, now=None):
    """Return an unsaved timeline entry, for callers that insert many at once."""
    if actor_label is None:
        actor_label = (actor.get_full_name() or actor.get_username()) if actor is not None else SYSTEM
    return TimelineEntry(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        internal=internal,
        text=text,
        data=data or {},
        created_at=now or timezone.now(),
    )
