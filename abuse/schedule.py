from celery.schedules import crontab

BEAT_SCHEDULE = {
    "abuse-escalate-breached-cases": {
        "task": "abuse.tasks.escalate_breached_cases_task",
        "schedule": crontab(minute="*"),
    },
}
