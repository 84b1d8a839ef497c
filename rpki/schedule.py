from celery.schedules import crontab
from django.conf import settings

BEAT_SCHEDULE = {
    "rpki-reconcile-roas": {
        "task": "rpki.tasks.reconcile_roas_task",
        "schedule": crontab(minute=f"*/{settings.RPKI_RECONCILE_MINUTES}"),
        "kwargs": {"reason": "scheduled"},
    },
    # Leases end and get suspended between imports, so the same routes
    # can break a rule an hour later.
    "rpki-check-routes": {
        "task": "rpki.tasks.check_routes_task",
        "schedule": crontab(minute=17),
    },
}
