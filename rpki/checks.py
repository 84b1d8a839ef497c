"""Route origin validation of observed routes against the current VRP set, and their findings."""

import logging

from django.utils import timezone

from .findings import record_finding
from .models import RouteObservation, Vrp
from .validation import VrpIndex, as_tuple

logger = logging.getLogger(__name__)

# VRPs that overlap a block: inside it, equal to it or covering it. Other
# VRPs cannot cover a route that touches platform space.
OVERLAPS_PLATFORM_SPACE = "EXISTS (SELECT 1 FROM marketplace_ipblock b WHERE b.prefix && rpki_vrp.prefix)"
CHECK_BATCH = 2000


def platform_vrp_index():
    vrps = Vrp.objects.extra(where=[OVERLAPS_PLATFORM_SPACE]).values_list("prefix", "asn", "max_length")
    return VrpIndex((*as_tuple(prefix), asn, max_length) for prefix, asn, max_length in vrps)


def check_routes(observations=None):
    """Validate routes (default: all observed) and record their findings. Returns the findings."""
    index = platform_vrp_index()
    if observations is None:
        observations = RouteObservation.objects.order_by("pk").iterator(chunk_size=CHECK_BATCH)
    now = timezone.now()
    findings = []
    batch = []
    for observation in observations:
        state, reason = index.validate(*as_tuple(observation.prefix), observation.origin_asn)
        observation.validation_state = state
        observation.invalid_reason = reason
        observation.validated_at = now
        batch.append(observation)
        if len(batch) >= CHECK_BATCH:
            findings += _save_and_judge(batch)
            batch = []
    findings += _save_and_judge(batch)
    logger.info("Checked routes against %s VRPs: %s findings", len(index), len(findings))
    return findings


def _save_and_judge(batch):
    RouteObservation.objects.bulk_update(batch, ["validation_state", "invalid_reason", "validated_at"])
    return [finding for finding in map(record_finding, batch) if finding is not None]
