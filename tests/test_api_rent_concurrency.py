"""Concurrent rent requests through the API for the same space."""

import threading

import pytest
from django.db import connection

from leases.choices import LeaseState
from leases.models import Lease

REQUEST_COUNT = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_rent_gives_one_lease(holder, make_organization, make_listing, api_client_for):
    listing = make_listing(holder, prefix="198.51.100.0/24")
    clients = [api_client_for(make_organization().owner) for _ in range(REQUEST_COUNT)]
    barrier = threading.Barrier(REQUEST_COUNT)
    responses = [None] * REQUEST_COUNT

    def rent(index):
        try:
            barrier.wait(timeout=30)
            responses[index] = clients[index].post(
                f"/api/listings/{listing.pk}/rent/",
                {"prefix_length": 24, "term": "monthly"},
                format="json",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=rent, args=(index,)) for index in range(REQUEST_COUNT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (REQUEST_COUNT - 1)
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {"conflict"}
    assert Lease.objects.filter(state=LeaseState.ACTIVE).count() == 1
    assert Lease.objects.exclude(state=LeaseState.ACTIVE).count() == 0
