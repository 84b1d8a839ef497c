from pathlib import Path

from django.core.management.base import BaseCommand

from leases.selectors import live_leases
from monitoring.zones import zones_for_lease


class Command(BaseCommand):
    help = "Write a zone file per /24 (RFC 2317 zones below a /24) for every active or suspended lease."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Directory to write <zone>.zone files into.")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written = 0
        for lease in live_leases().order_by("prefix"):
            for name, text in zones_for_lease(lease):
                filename = name.replace(" ", "-") + ".zone"
                (target / filename).write_text(text)
                written += 1
        self.stdout.write(f"Wrote {written} zone files to {target}.")
