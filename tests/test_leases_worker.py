from datetime import timedelta

import pytest
from django.utils import timezone

from leases import services
from leases.choices import LeaseState, Term
from leases.models import Lease
from leases.tasks import release_lapsed_reservations_task


@pytest.mark.worker
def test_worker_releases_lapsed_reservation(celery_worker, holder, lessee, make_listing):
    listing = make_listing(holder)
    lease = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    Lease.objects.filter(pk=lease.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    released = release_lapsed_reservations_task.delay().get(timeout=30)

    lease.refresh_from_db()
    assert released == 1
    assert lease.state == LeaseState.CANCELLED
