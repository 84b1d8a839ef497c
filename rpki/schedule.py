from celery.schedules import crontab
from django.conf import settings

BEAT_SCHEDULE = {
    "rpki-reconcile-roas": {
        "task": "rpki.tasks.reconcile_roas_task",
        "schedule": crontab(minute=f"*/{settings.RPKI_RECONCILE_MINUTES}"),
        "kwargs": {"reason": "scheduled"},
    },
}
