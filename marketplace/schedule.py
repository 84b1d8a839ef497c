from celery.schedules import crontab

# Pending ROA proofs are also checked when requested and after each VRP
# import; this hourly run fails the overdue ones.
BEAT_SCHEDULE = {
    "marketplace-check-roa-proofs": {
        "task": "marketplace.tasks.check_roa_proofs_task",
        "schedule": crontab(minute=23),
    },
}
