"""Cutting leased space into scan chunks of about a /20 to a /16.

A task per address or per /24 costs more in task overhead than in DNS, so
each task gets up to `MONITORING_CHUNK_ADDRESSES` addresses: leases larger
than that are split, smaller ones are packed together in address order.
"""

import ipaddress

from django.conf import settings

from leases.selectors import live_leases


def leased_prefixes():
    """Return (prefix, lease id) for every active or suspended lease, in address order."""
    rows = live_leases().values_list("prefix", "pk")
    return sorted(((prefix, lease_id) for prefix, lease_id in rows), key=lambda row: row[0])


def plan_chunks(prefixes, chunk_addresses=None):
    """Group (prefix, lease id) pairs into lists whose address counts stay within the chunk size."""
    chunk_addresses = chunk_addresses or settings.MONITORING_CHUNK_ADDRESSES
    # Round down to a power of two so that splitting a large lease yields whole subnets.
    split_length = 32 - (max(1, chunk_addresses).bit_length() - 1)
    chunks = []
    current = []
    current_size = 0
    for prefix, lease_id in prefixes:
        pieces = [prefix] if prefix.prefixlen >= split_length else prefix.subnets(new_prefix=split_length)
        for piece in pieces:
            if current and current_size + piece.num_addresses > chunk_addresses:
                chunks.append(current)
                current, current_size = [], 0
            current.append((str(piece), lease_id))
            current_size += piece.num_addresses
    if current:
        chunks.append(current)
    return chunks


def chunk_ranges(chunk_prefixes):
    """Yield (first int, last int, lease id) for a chunk's stored prefixes."""
    for text, lease_id in chunk_prefixes:
        network = ipaddress.IPv4Network(text)
        first = int(network.network_address)
        yield first, first + network.num_addresses - 1, lease_id
