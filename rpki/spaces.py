"""The platform's address space in memory, for filtering large route sets quickly."""

from bisect import bisect_right

from marketplace.models import IPBlock


class PlatformSpace:
    """The platform's blocks as sorted, non-overlapping integer ranges."""

    def __init__(self, prefixes):
        ranges = sorted((int(p.network_address), int(p.broadcast_address)) for p in prefixes)
        self.starts = [start for start, _ in ranges]
        self.ends = [end for _, end in ranges]

    @classmethod
    def load(cls):
        return cls(IPBlock.objects.values_list("prefix", flat=True))

    def touches(self, prefix):
        """Return whether `prefix` overlaps a block: inside one, equal to one, or covering one."""
        start, end = int(prefix.network_address), int(prefix.broadcast_address)
        index = bisect_right(self.starts, end) - 1
        return index >= 0 and self.ends[index] >= start
