"""Imports of VRP sets and route observations. The raw upload is stored before it is parsed."""

import logging

from django.db import transaction
from django.utils import timezone

from marketplace.verification import check_roa_proofs

from .choices import ImportStatus
from .models import DataImport, RouteObservation, Vrp
from .parsers import ParseError, parse_routes, parse_vrps
from .spaces import PlatformSpace

logger = logging.getLogger(__name__)

INSERT_BATCH = 5000


def _store_raw(kind, text, filename, user):
    return DataImport.objects.create(
        kind=kind, raw=text, filename=filename[:255], uploaded_by=user, received_at=timezone.now()
    )


def _mark_failed(record, exc):
    record.status = ImportStatus.FAILED
    record.error = str(exc)
    record.save(update_fields=["status", "error"])
    logger.warning("Import %s (%s) failed: %s", record.pk, record.filename, exc)


def import_vrps(text, *, filename="", user=None):
    """Store and parse a VRP export; its VRPs replace the current set.

    Raises ParseError (after recording it on the import) for a file that
    cannot be read; the previous VRP set then stays current.
    """
    record = _store_raw(DataImport.Kind.VRPS, text, filename, user)
    try:
        parsed = parse_vrps(text)
    except ParseError as exc:
        _mark_failed(record, exc)
        raise
    with transaction.atomic():
        Vrp.objects.exclude(data_import=record).delete()
        rows = (
            Vrp(data_import=record, prefix=prefix, asn=asn, max_length=max_length,
                trust_anchor=trust_anchor, expires_at=expires_at)
            for prefix, asn, max_length, trust_anchor, expires_at in parsed.vrps
        )
        Vrp.objects.bulk_create(rows, batch_size=INSERT_BATCH)
        record.format = parsed.format
        record.status = ImportStatus.PARSED
        record.row_count = len(parsed.vrps)
        record.skipped_count = parsed.skipped
        record.parsed_at = timezone.now()
        record.save(update_fields=["format", "status", "row_count", "skipped_count", "parsed_at"])
    logger.info("Imported %s VRPs from import %s (%s skipped)", record.row_count, record.pk, parsed.skipped)
    # A pending ROA proof of a block can succeed only when the VRPs change,
    # so each import checks the pending proofs and fails the overdue ones.
    # The check runs after the commit so that it reads the new set, and
    # `robust` logs its failure instead of failing the committed import.
    transaction.on_commit(check_roa_proofs, robust=True)
    return record


def import_routes(text, *, filename="", user=None):
    """Store and parse route observations, keeping the routes that touch platform space.

    A route seen before has its first and last sighting widened. Returns the
    import and the observations it created or updated.
    """
    record = _store_raw(DataImport.Kind.ROUTES, text, filename, user)
    try:
        parsed = parse_routes(text)
    except ParseError as exc:
        _mark_failed(record, exc)
        raise
    space = PlatformSpace.load()
    relevant = {key: span for key, span in parsed.routes.items() if space.touches(key[0])}
    with transaction.atomic():
        observations = _upsert_observations(record, relevant)
        record.format = parsed.format
        record.status = ImportStatus.PARSED
        record.row_count = len(relevant)
        record.skipped_count = parsed.skipped + len(parsed.routes) - len(relevant)
        record.parsed_at = timezone.now()
        record.save(update_fields=["format", "status", "row_count", "skipped_count", "parsed_at"])
    logger.info(
        "Imported %s routes touching platform space from import %s (%s skipped)",
        len(relevant), record.pk, record.skipped_count,
    )
    return record, observations


def _upsert_observations(record, routes):
    prefixes = sorted({str(prefix) for prefix, _ in routes})
    existing = {}
    for start in range(0, len(prefixes), INSERT_BATCH):
        chunk = prefixes[start:start + INSERT_BATCH]
        for observation in RouteObservation.objects.select_for_update().filter(prefix__in=chunk):
            existing[(observation.prefix, observation.origin_asn)] = observation
    created, updated = [], []
    for (prefix, origin), (first_seen, last_seen) in routes.items():
        observation = existing.get((prefix, origin))
        if observation is None:
            created.append(RouteObservation(
                data_import=record, prefix=prefix, origin_asn=origin, first_seen=first_seen, last_seen=last_seen,
            ))
            continue
        observation.first_seen = min(observation.first_seen, first_seen)
        observation.last_seen = max(observation.last_seen, last_seen)
        observation.data_import = record
        updated.append(observation)
    RouteObservation.objects.bulk_create(created, batch_size=INSERT_BATCH)
    RouteObservation.objects.bulk_update(updated, ["first_seen", "last_seen", "data_import"], batch_size=INSERT_BATCH)
    return created + updated
