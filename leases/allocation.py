"""Finding the first free prefix of a given length inside a block."""

import ipaddress


def first_free_prefix(block, prefix_length, occupied):
    """Return the lowest aligned /`prefix_length` in `block` that overlaps nothing in `occupied`.

    `occupied` is an iterable of IPv4Network objects (any lengths). Returns
    None when the block has no free prefix of that length. Runs in
    O(n log n) over the occupied prefixes, not over the candidates, so a /8
    split into /24s costs no more than its leases.
    """
    size = 1 << (32 - prefix_length)
    block_start = int(block.network_address)
    block_end = block_start + block.num_addresses
    intervals = sorted(
        (int(net.network_address), int(net.network_address) + net.num_addresses)
        for net in occupied
    )
    candidate = block_start
    for start, end in intervals:
        if end <= candidate:
            continue
        if start >= candidate + size:
            break
        # The candidate overlaps this interval: move past it, keeping alignment.
        candidate = -(-end // size) * size
        if candidate + size > block_end:
            return None
    if candidate + size > block_end:
        return None
    return ipaddress.IPv4Network((candidate, prefix_length))
