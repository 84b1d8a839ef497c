from celery.schedules import crontab

# TODO: config/celery.py must list "marketplace.schedule" in SCHEDULE_MODULES
# for Celery beat to run this entry. Until then pending ROA proofs are
# checked only when requested and after each VRP import, so an overdue
# proof fails at the next import instead of within the hour.
BEAT_SCHEDULE = {
    "marketplace-check-roa-proofs": {
        "task": "marketplace.tasks.check_roa_proofs_task",
        "schedule": crontab(minute=23),
    },
}
