from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rpki.checks import check_routes
from rpki.imports import import_routes
from rpki.parsers import ParseError


class Command(BaseCommand):
    help = (
        "Import route observations (CSV prefix,origin_asn,first_seen,last_seen or `bgpdump -m` lines), "
        "validate those touching platform space and raise findings."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file or the saved output of `bgpdump -m`")

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            record, observations = import_routes(text, filename=Path(path).name)
        except ParseError as exc:
            raise CommandError(f"{path}: {exc}") from None
        findings = check_routes(observations)
        self.stdout.write(
            f"Imported {record.row_count} routes touching platform space ({record.skipped_count} skipped); "
            f"{len(findings)} findings."
        )
