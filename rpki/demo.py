"""Demo data: publish the ROAs of the seeded marketplace through the configured backend."""

from .krill import PublicationError
from .reconcile import reconcile


def seed(*, stdout):
    """Reconcile once; running it again publishes nothing new."""
    try:
        result = reconcile(reason="demo seed")
    except PublicationError as exc:
        stdout.write(f"RPKI: publication failed ({exc}); set RPKI_BACKEND=slurm for the demo.\n")
        return
    stdout.write(f"RPKI: published {result.added} ROAs and removed {result.removed}.\n")
