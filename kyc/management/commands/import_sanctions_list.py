from django.core.management.base import BaseCommand, CommandError

from kyc.importers import PARSERS
from kyc.sanctions import ImportFailed, import_from_path, import_from_url


class Command(BaseCommand):
    help = (
        "Import a sanctions list from a file or directory, or from its URL in KYC_LIST_URLS. "
        "OFAC needs a directory with sdn.csv, alt.csv and add.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(PARSERS))
        parser.add_argument("path", nargs="?", help="List file, or directory with the list's files.")
        parser.add_argument("--url", action="store_true", help="Download from the URL in KYC_LIST_URLS.")
        parser.add_argument(
            "--allow-shrink", action="store_true",
            help="Accept a list with far fewer entries than the current version.",
        )

    def handle(self, source, path=None, url=False, allow_shrink=False, **options):
        if bool(path) == bool(url):
            raise CommandError("Give either a path or --url.")
        try:
            if url:
                version = import_from_url(source, allow_shrink=allow_shrink)
            else:
                version = import_from_path(source, path, allow_shrink=allow_shrink)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Imported {source} as version {version.pk}: {version.entity_count} entries, "
            f"{version.name_count} names."
        )
