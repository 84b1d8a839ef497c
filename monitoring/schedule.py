from datetime import timedelta

from django.conf import settings

BEAT_SCHEDULE = {
    "monitoring-ptr-scan": {
        "task": "monitoring.tasks.start_ptr_scan_task",
        "schedule": timedelta(hours=settings.MONITORING_PTR_SCAN_HOURS),
    },
    "monitoring-dnsbl-check": {
        "task": "monitoring.tasks.start_dnsbl_check_task",
        "schedule": timedelta(hours=settings.MONITORING_DNSBL_CHECK_HOURS),
    },
    "monitoring-requeue-stalled-chunks": {
        "task": "monitoring.tasks.requeue_stalled_chunks_task",
        "schedule": timedelta(minutes=15),
    },
    "monitoring-ptr-churn": {
        "task": "monitoring.tasks.detect_ptr_churn_task",
        "schedule": timedelta(hours=1),
    },
}
