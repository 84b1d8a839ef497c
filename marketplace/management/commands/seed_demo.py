"""Fill the database with a realistic demo marketplace in lab address space."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace.demo import DEMO_LOGINS, seed_marketplace

# Apps that add their own demo data after the marketplace exists.
DEMO_MODULES = ("abuse.demo", "kyc.demo", "rpki.demo", "monitoring.demo")


class Command(BaseCommand):
    help = (
        "Create demo organisations, blocks, listings and leases in 100.64.0.0/10 and "
        "198.18.0.0/15. Running it again adds nothing that already exists."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = seed_marketplace()
        self.stdout.write(
            "Demo marketplace: {organizations} organisations, {blocks} blocks, "
            "{listings} listings, {leases} leases.".format(**counts)
        )
        for module_name in DEMO_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write("Demo logins:")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<8} password {login.password:<22} {login.role}")
