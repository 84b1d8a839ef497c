class RpkiError(Exception):
    """A request the RPKI app cannot carry out; the message states why and what to do."""
