"""The Celery application.

Each app keeps its periodic tasks in its own `schedule.py` as a
`BEAT_SCHEDULE` dict; they are merged here so that no app edits another's
entries. django-celery-beat's database scheduler copies them into its tables
at start, where staff can pause or retime them in the admin.
"""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

SCHEDULE_MODULES = (
    "leases.schedule",
    "marketplace.schedule",
    "abuse.schedule",
    "kyc.schedule",
    "rpki.schedule",
    "monitoring.schedule",
)


@app.on_after_finalize.connect
def merge_beat_schedules(sender, **kwargs):
    schedule = dict(sender.conf.beat_schedule or {})
    for module_name in SCHEDULE_MODULES:
        module = importlib.import_module(module_name)
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    sender.conf.beat_schedule = schedule
