from django.db import models


class Term(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    YEARLY = "yearly", "Yearly"


class LeaseState(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


# States whose period occupies address space. A cancelled reservation never
# held the space, so it takes no part in the overlap constraint.
OCCUPYING_STATES = (LeaseState.RESERVED, LeaseState.ACTIVE, LeaseState.SUSPENDED, LeaseState.ENDED)

# States in which the lessee may announce the prefix, or would be about to.
LIVE_STATES = (LeaseState.ACTIVE, LeaseState.SUSPENDED)
