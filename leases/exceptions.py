class LeaseError(Exception):
    """A lease request that cannot be carried out, with a message for the user."""

    code = "invalid"

    def __init__(self, message, *, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class LeaseConflict(LeaseError):
    """The requested space is taken; APIs answer 409 Conflict."""

    code = "conflict"


class InvalidTransition(LeaseError):
    """The lease is not in a state that allows the requested change."""

    code = "invalid_state"
