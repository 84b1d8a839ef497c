from celery.schedules import crontab

BEAT_SCHEDULE = {
    "leases-release-lapsed-reservations": {
        "task": "leases.tasks.release_lapsed_reservations_task",
        "schedule": crontab(minute="*"),
    },
    "leases-process-due-leases": {
        "task": "leases.tasks.process_due_leases_task",
        "schedule": crontab(minute="*/5"),
    },
}
