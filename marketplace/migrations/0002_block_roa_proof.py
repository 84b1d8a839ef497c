from django.db import migrations, models
from django.db.models import F


def date_open_roa_proofs(apps, schema_editor):
    """Give proofs that staff left pending by ROA their last change as the request time.

    Without a time the new constraint would reject those rows, and the ROA
    check could never fail them.
    """
    IPBlock = apps.get_model("marketplace", "IPBlock")
    IPBlock.objects.filter(
        verification_status="pending", verification_method="roa", verification_requested_at__isnull=True
    ).update(verification_requested_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('marketplace', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='ipblock',
            name='verification_note',
            field=models.CharField(blank=True, help_text='Outcome of the last ROA check: the VRP that proved control, or why the proof failed.', max_length=500),
        ),
        migrations.AddField(
            model_name='ipblock',
            name='verification_requested_at',
            field=models.DateTimeField(blank=True, help_text='When the holder last requested a ROA proof; the proof fails MARKETPLACE_PROOF_DAYS after it.', null=True),
        ),
        migrations.AddIndex(
            model_name='ipblock',
            index=models.Index(condition=models.Q(('verification_status', 'pending')), fields=['verification_requested_at'], name='ipblock_pending_proof_idx'),
        ),
        migrations.RunPython(date_open_roa_proofs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='ipblock',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('verification_method', 'roa'), ('verification_status', 'pending'), _negated=True), ('verification_requested_at__isnull', False), _connector='OR'), name='ipblock_roa_proof_requested_at', violation_error_message='Fill in the verification requested at field, because a pending ROA proof fails a fixed number of days after its request.'),
        ),
    ]
