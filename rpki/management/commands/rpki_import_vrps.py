from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rpki.checks import check_routes
from rpki.imports import import_vrps
from rpki.parsers import ParseError


class Command(BaseCommand):
    help = (
        "Import a VRP export of Routinator or rpki-client (JSON or CSV); it replaces the current VRP set "
        "and the observed routes are validated against it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the export file, e.g. the output of `routinator vrps --format json`")

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            record = import_vrps(text, filename=Path(path).name)
        except ParseError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"Imported {record.row_count} VRPs as {record.get_format_display()} "
            f"({record.skipped_count} IPv6 entries skipped); import {record.pk}."
        )
        findings = check_routes()
        self.stdout.write(f"Validated the observed routes again: {len(findings)} findings.")
