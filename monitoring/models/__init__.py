from .dnsbl import BlocklistListing, DnsblReturnCode, DnsblZone, OperationalAlert
from .prefixlists import DropEntry, DropImport, DropOverlap
from .ptr import PtrAssignment, PtrChange, PtrFlag, PtrRecord
from .scans import ScanChunk, ScanRun

__all__ = [
    "BlocklistListing", "DnsblReturnCode", "DnsblZone", "OperationalAlert",
    "DropEntry", "DropImport", "DropOverlap",
    "PtrAssignment", "PtrChange", "PtrFlag", "PtrRecord",
    "ScanChunk", "ScanRun",
]
