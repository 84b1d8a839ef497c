"""Parsers of the sanctions lists. Each module has FILES (the file roles it reads) and parse(files)."""

from ..choices import SanctionsSource
from . import eu, ofac, opensanctions, uk, un
from .base import ListFormatError, ParsedEntity, ParsedList

PARSERS = {
    SanctionsSource.OFAC: ofac,
    SanctionsSource.UN: un,
    SanctionsSource.EU: eu,
    SanctionsSource.UK: uk,
    SanctionsSource.OPENSANCTIONS: opensanctions,
}

# File names looked for when an import is given a directory.
DEFAULT_FILE_NAMES = {
    "sdn": ("sdn.csv", "SDN.CSV"),
    "alt": ("alt.csv", "ALT.CSV"),
    "add": ("add.csv", "ADD.CSV"),
    "csv": ("targets.simple.csv",),
    "xml": ("consolidated.xml", "list.xml"),
    # The EU and UK lists, XML or CSV: the content decides how a file is read.
    "list": ("consolidated.xml", "list.xml", "consolidated.csv", "list.csv"),
}

__all__ = ["DEFAULT_FILE_NAMES", "ListFormatError", "PARSERS", "ParsedEntity", "ParsedList"]
