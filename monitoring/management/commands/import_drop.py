from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from monitoring.prefixlists import import_drop


class Command(BaseCommand):
    help = "Import a Spamhaus DROP file (legacy text or one JSON object per line) and flag overlapping blocks."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path of drop.txt or drop_v4.json.")

    def handle(self, *args, path, **options):
        file_path = Path(path)
        try:
            raw = file_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            drop_import = import_drop(filename=file_path.name, raw=raw)
        except ValidationError as exc:
            raise CommandError(f"{path} was stored but not imported: {'; '.join(exc.messages)}") from exc
        self.stdout.write(f"Imported {drop_import.entry_count} DROP entries from {path}.")
