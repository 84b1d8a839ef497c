from django.core.management.base import BaseCommand, CommandError

from rpki.krill import PublicationError
from rpki.reconcile import reconcile


class Command(BaseCommand):
    help = "Publish the ROA changes that leases and blocks need now, through RPKI_BACKEND."

    def handle(self, *args, **options):
        try:
            result = reconcile(reason="manage.py rpki_reconcile")
        except PublicationError as exc:
            raise CommandError(f"Publication failed: {exc}") from None
        self.stdout.write(f"Published {result.added} additions and {result.removed} removals.")
