from leases.exceptions import LeaseError


class KycError(Exception):
    """A due-diligence request that cannot be carried out, with a message for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class KycRequired(LeaseError):
    """The lessee has no current due-diligence approval, so a lease cannot be activated."""

    code = "kyc_required"
