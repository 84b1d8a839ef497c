from datetime import timedelta

from django.db import migrations

# Starting policies; staff change them in the admin. Spam follows the market
# norm of 24 hours to respond and 72 to fix; attacks that harm third parties
# at once get hours, and the catch-all row covers every other category.
DEFAULT_POLICIES = (
    ("", None, 48, 120, False),
    ("spam", None, 24, 72, False),
    ("phishing", None, 4, 24, True),
    ("malware", None, 12, 48, True),
    ("botnet", None, 12, 48, True),
    ("ddos", None, 4, 24, True),
    ("hijack", None, 1, 4, True),
    ("", 4, 2, 12, True),
)


def create_policies(apps, schema_editor):
    SlaPolicy = apps.get_model("abuse", "SlaPolicy")
    for category, severity, response_hours, resolution_hours, suspend in DEFAULT_POLICIES:
        SlaPolicy.objects.get_or_create(
            category=category,
            severity=severity,
            defaults={
                "response_time": timedelta(hours=response_hours),
                "resolution_time": timedelta(hours=resolution_hours),
                "suspend_on_breach": suspend,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("abuse", "0001_initial")]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
