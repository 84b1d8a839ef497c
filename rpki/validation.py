"""Route origin validation (RFC 6811) against a set of VRPs, in memory.

A VRP covers a route when the VRP's prefix contains the route's prefix. A
covering VRP matches when the route's length is at most the VRP's
maxLength and the route's origin ASN equals the VRP's ASN. No covering VRP
gives NotFound, at least one match gives Valid, and covered without a match
gives Invalid. An Invalid route's reason is "too long" when a covering VRP
names its origin ASN but allows only shorter prefixes, and "wrong ASN"
otherwise. An origin of None (an AS path ending in an AS_SET) and AS0 VRPs
never match.

Prefixes are (network as a 32-bit integer, length) pairs so that the
index works without building ipaddress objects per route.
"""

from .choices import InvalidReason, ValidationState

MASKS = [(0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF for length in range(33)]

VALID = (ValidationState.VALID, InvalidReason.NONE)
NOT_FOUND = (ValidationState.NOT_FOUND, InvalidReason.NONE)
INVALID_ASN = (ValidationState.INVALID, InvalidReason.WRONG_ASN)
INVALID_LENGTH = (ValidationState.INVALID, InvalidReason.TOO_LONG)


class VrpIndex:
    """VRPs keyed by their exact prefix, so a route's covering VRPs are at most 33 lookups.

    Only the prefix lengths that occur among the VRPs are looked up, which
    for real VRP sets is about 16 lookups for a /24.
    """

    def __init__(self, vrps=()):
        self.table = {}
        self._lengths = None
        for network, length, asn, max_length in vrps:
            self.add(network, length, asn, max_length)

    def add(self, network, length, asn, max_length):
        key = ((network & MASKS[length]) << 6) | length
        self.table.setdefault(key, []).append((asn, max_length))
        self._lengths = None

    @property
    def probes(self):
        """Return (length, mask) for each prefix length that occurs among the VRPs, shortest first."""
        if self._lengths is None:
            self._lengths = [(length, MASKS[length]) for length in sorted({key & 63 for key in self.table})]
        return self._lengths

    def __len__(self):
        return sum(len(entries) for entries in self.table.values())

    def validate(self, network, length, origin):
        """Return (state, reason) for a route."""
        lookup = self.table.get
        covered = False
        origin_listed = False
        for vrp_length, mask in self.probes:
            if vrp_length > length:
                break
            entries = lookup(((network & mask) << 6) | vrp_length)
            if entries is None:
                continue
            covered = True
            for asn, max_length in entries:
                if asn == origin and asn != 0:
                    if length <= max_length:
                        return VALID
                    origin_listed = True
        if not covered:
            return NOT_FOUND
        return INVALID_LENGTH if origin_listed else INVALID_ASN

    def validate_many(self, routes):
        """Return the (state, reason) of each (network, length, origin) route, in order."""
        validate = self.validate
        return [validate(network, length, origin) for network, length, origin in routes]


def validate_by_scan(vrps, network, length, origin):
    """Validate one route by scanning every VRP; the reference the index is checked against."""
    covered = False
    origin_listed = False
    for vrp_network, vrp_length, asn, max_length in vrps:
        if vrp_length <= length and (network & MASKS[vrp_length]) == vrp_network:
            covered = True
            if asn == origin and asn != 0:
                if length <= max_length:
                    return VALID
                origin_listed = True
    if not covered:
        return NOT_FOUND
    return INVALID_LENGTH if origin_listed else INVALID_ASN


def as_tuple(prefix):
    """Return an IPv4Network as (network integer, length)."""
    return int(prefix.network_address), prefix.prefixlen
