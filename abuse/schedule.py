from celery.schedules import crontab

BEAT_SCHEDULE = {
    "abuse-escalate-breached-cases": {
        "task": "abuse.tasks.escalate_breached_cases_task",
        "schedule": crontab(minute="*"),
    },
    # Intake and escalation ask for a delivery after each commit; this run
    # sends what they could not hand to the broker and the retries.
    "abuse-deliver-notifications": {
        "task": "abuse.tasks.deliver_notifications_task",
        "schedule": crontab(minute="*"),
    },
    "abuse-refile-stalled-reports": {
        "task": "abuse.tasks.refile_stalled_reports_task",
        "schedule": crontab(minute="*/5"),
    },
}
