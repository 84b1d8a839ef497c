class RpkiError(Exception):
    """A request the RPKI app cannot carry out; the message says why and what to do."""
