from celery.schedules import crontab

BEAT_SCHEDULE = {
    "kyc-refresh-sanctions-lists": {
        "task": "kyc.tasks.refresh_sanctions_lists_task",
        "schedule": crontab(minute=15, hour="*/6"),
    },
    "kyc-rescreen-due": {
        "task": "kyc.tasks.rescreen_due_task",
        "schedule": crontab(minute=45, hour=4),
    },
    "kyc-check-due-vat-numbers": {
        "task": "kyc.tasks.check_due_vat_numbers_task",
        "schedule": crontab(minute="*/10"),
    },
    "kyc-renewal-reminders": {
        "task": "kyc.tasks.send_renewal_reminders_task",
        "schedule": crontab(minute=0, hour=8),
    },
}
