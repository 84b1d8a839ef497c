import secrets

from django.db import migrations, models
from django.utils import timezone

# The private 32-bit ASN range (RFC 6996), as in marketplace.models at the
# time of this migration.
PROOF_ASN_FIRST = 4_200_000_000
PROOF_ASN_LAST = 4_294_967_294


def restart_pending_roa_proofs(apps, schema_editor):
    """Give each pending ROA proof its own proof ASN and a new deadline.

    Those proofs asked for a ROA with the shared proof ASN, which no longer
    counts. Restarting the request time gives the holder the full period to
    create the ROA with the new ASN, which the block's page and note show.
    """
    IPBlock = apps.get_model("marketplace", "IPBlock")
    now = timezone.now()
    pending = IPBlock.objects.filter(verification_status="pending", verification_method="roa")
    for block in pending.iterator():
        block.proof_asn = PROOF_ASN_FIRST + secrets.randbelow(PROOF_ASN_LAST - PROOF_ASN_FIRST + 1)
        block.verification_requested_at = now
        block.verification_note = (
            f"The ROA proof now needs a ROA with origin AS{block.proof_asn}, a private ASN drawn for "
            "this request only. A ROA with the platform's former shared proof ASN no longer counts."
        )
        block.save(update_fields=["proof_asn", "verification_requested_at", "verification_note"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('marketplace', '0002_block_roa_proof'),
    ]

    operations = [
        migrations.AddField(
            model_name='ipblock',
            name='proof_asn',
            field=models.PositiveBigIntegerField(blank=True, help_text='Origin ASN that the ROA of the latest ROA proof request must name. Each request draws a new one at random from the private range, so a ROA made for an earlier request does not count.', null=True, verbose_name='proof ASN'),
        ),
        migrations.RunPython(restart_pending_roa_proofs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='ipblock',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('verification_method', 'roa'), ('verification_status', 'pending'), _negated=True), ('proof_asn__isnull', False), _connector='OR'), name='ipblock_roa_proof_asn_set', violation_error_message='A pending ROA proof needs a proof ASN.'),
        ),
        migrations.AddConstraint(
            model_name='ipblock',
            constraint=models.CheckConstraint(condition=models.Q(('proof_asn__isnull', True), models.Q(('proof_asn__gte', 4200000000), ('proof_asn__lte', 4294967294)), _connector='OR'), name='ipblock_proof_asn_private', violation_error_message='The proof ASN must be a private ASN from 4200000000 to 4294967294.'),
        ),
    ]
