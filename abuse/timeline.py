from django.utils import timezone

from .models import TimelineEntry

SYSTEM = "system"


def record(case, kind, text, *, actor=None, actor_label=None, internal=False, data=None, now=None):
    """Add one entry to a case's timeline and return it."""
    if actor_label is None:
        actor_label = (actor.get_full_name() or actor.get_username()) if actor is not None else SYSTEM
    return TimelineEntry.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        internal=internal,
        text=text,
        data=data or {},
        created_at=now or timezone.now(),
    )
