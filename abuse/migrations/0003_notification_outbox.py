from django.db import migrations, models


class Migration(migrations.Migration):
    """Turn the notification log into an outbox that workers deliver from.

    Rows written before this migration were mailed when written, so they
    become sent rows, queued and sent at the same moment.
    """

    dependencies = [
        ("abuse", "0002_default_sla_policies"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="notification", name="notification_case_kind_idx"),
        migrations.AddField(model_name="notification", name="body", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="notification",
            name="internal",
            field=models.BooleanField(
                default=False, help_text="Mail to the abuse team, kept off the lessee's timeline."
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed, not retried")],
                default="queued",
                max_length=8,
            ),
        ),
        migrations.AddField(model_name="notification", name="queued_at", field=models.DateTimeField(null=True)),
        migrations.AddField(
            model_name="notification", name="next_attempt_at", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="notification", name="attempts", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.AddField(model_name="notification", name="last_error", field=models.TextField(blank=True)),
        migrations.AlterField(
            model_name="notification", name="sent_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.RunSQL(
            "UPDATE abuse_notification SET queued_at = sent_at, next_attempt_at = sent_at, "
            "status = 'sent', attempts = 1",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(model_name="notification", name="queued_at", field=models.DateTimeField()),
        migrations.AlterField(model_name="notification", name="next_attempt_at", field=models.DateTimeField()),
        migrations.AlterModelOptions(name="notification", options={"ordering": ["-queued_at", "-pk"]}),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["case", "kind", "queued_at"], name="notification_case_kind_idx"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(status="queued"), fields=["next_attempt_at"], name="notification_queued_idx"
            ),
        ),
    ]
