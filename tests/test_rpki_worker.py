import time

import pytest

from leases import services as lease_services
from leases.choices import Term
from rpki.choices import ChangeAction, ChangeStatus, RoaPurpose
from rpki.models import PublishedRoa, RoaChange
from rpki.selectors import suspension_publication_delay
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.worker

# An upper bound for the worker to pick up and finish a task, not a
# performance requirement. The loop returns as soon as the row appears.
WAIT_SECONDS = 60


def wait_for(condition):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"The worker did not finish within {WAIT_SECONDS} s; see var/celery-*.log")


def test_suspension_reconciled_by_worker(celery_worker, holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/24")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500)
    wait_for(lambda: PublishedRoa.objects.filter(lease=lease, asn=64500, removed_at=None).exists())

    lease_services.suspend(lease, reason="spam")
    delay = wait_for(lambda: suspension_publication_delay(lease))

    removal = RoaChange.objects.get(lease=lease, action=ChangeAction.REMOVE, purpose=RoaPurpose.LEASE)
    assert removal.status == ChangeStatus.PUBLISHED
    assert removal.reason == "suspended"
    assert delay == removal.published_at - lease.events.get(kind="suspended").created_at
    assert not PublishedRoa.objects.filter(lease=lease, asn=64500, removed_at=None).exists()
