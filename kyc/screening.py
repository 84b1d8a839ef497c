"""Screening organisations and their key people against the current sanctions lists."""

import logging
import threading

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import MatchState, ScreeningStatus, ViesStatus
from .matching import ListedEntity, MatchSettings, ScreeningIndex, Subject, normalize_identifier, prepare
from .names import normalize
from .models import ClientProfile, SanctionedEntity, Screening, ScreeningMatch
from .sanctions import current_versions, list_problems

logger = logging.getLogger(__name__)

_index_lock = threading.Lock()
_index_cache = {"key": None, "index": None}


def match_settings():
    return MatchSettings(
        threshold=settings.KYC_MATCH_THRESHOLD, one_word_threshold=settings.KYC_ONE_WORD_MATCH_THRESHOLD
    )


def load_index(versions):
    """Return the screening index of `versions`, built once per process and list change."""
    current_settings = match_settings()
    key = (tuple(sorted(version.pk for version in versions.values())), current_settings)
    with _index_lock:
        if _index_cache["key"] == key:
            return _index_cache["index"]
        sources = {version.pk: version.source for version in versions.values()}
        rows = SanctionedEntity.objects.filter(version__in=list(sources)).values_list(
            "pk", "version_id", "source_id", "content_hash", "kind", "name", "aliases", "countries",
            "birth_dates", "identifiers",
        )
        entities = [
            ListedEntity(
                key=f"{sources[version_id]}:{source_id}", content_hash=content_hash, kind=kind,
                names=(name, *aliases), countries=frozenset(countries), birth_dates=tuple(birth_dates),
                identifiers=frozenset(normalize_identifier(value) for value in identifiers), pk=pk,
            )
            for pk, version_id, source_id, content_hash, kind, name, aliases, countries, birth_dates,
            identifiers in rows.iterator(chunk_size=5000)
        ]
        index = ScreeningIndex(entities, current_settings)
        _index_cache.update(key=key, index=index)
        logger.info("Built the screening index: %s entities, %s names", len(entities), index.name_count)
        return index


def _identifiers(profile):
    values = set()
    for value in (profile.registration_number, profile.vat_number):
        normalized = normalize_identifier(value)
        if len(normalized) >= 4:
            values.add(normalized)
    if len(profile.vat_number) > 2:
        # Lists often give a VAT number without its country prefix.
        values.add(normalize_identifier(profile.vat_number[2:]))
    return frozenset(values)


def _registered_name(profile, names):
    """Return the name VIES gives for the VAT number, unless it normalises like one of `names`."""
    if not profile.vies_result_current or profile.vies_status != ViesStatus.VALID:
        return ""
    registered = profile.vies_name.strip()
    if not registered or normalize(registered) in {normalize(name) for name in names}:
        return ""
    return registered


def subjects_for(profile):
    """Return the names to screen: legal name, organisation name, name registered in VIES, key people."""
    countries = frozenset({profile.country} if profile.country else ())
    identifiers = _identifiers(profile)
    names = [profile.legal_name.strip(), profile.organization.name.strip()]
    names.append(_registered_name(profile, names))
    subjects = []
    for name in dict.fromkeys(name for name in names if name):
        subjects.append(Subject(name=name, countries=countries, identifiers=identifiers))
    for person in profile.people.all():
        subjects.append(Subject(
            name=person.full_name, is_person=True,
            countries=frozenset({person.nationality} if person.nationality else ()),
            birth_date=person.birth_date,
        ))
    return subjects


def screen_profile(profile, *, trigger, now=None):
    """Screen `profile` against the current lists, store new potential matches, return the Screening.

    The result is "incomplete" when a required list is missing or too old, or
    when a name has nothing left to compare after normalisation. An open
    potential match makes it "potential match" in any case.
    """
    now = now or timezone.now()
    versions = current_versions()
    problems = list_problems(versions, now)
    subjects = subjects_for(profile)
    if not subjects:
        problems.append("The profile has no name to screen; fill in the legal name.")
    hits = []
    index = load_index(versions) if versions else None
    for subject in subjects:
        if prepare(subject.name, is_person=subject.is_person) is None:
            problems.append(
                f"The name {subject.name!r} has no letters or digits left after normalisation; "
                "staff must check it by hand."
            )
            continue
        if index is not None:
            hits.extend(index.screen(subject))

    organization = profile.organization
    with transaction.atomic():
        screening = Screening.objects.create(
            organization=organization, status=ScreeningStatus.CLEAR, trigger=trigger, problems=problems,
            list_versions={source: version.pk for source, version in versions.items()},
            names_screened=len(subjects), created_at=now,
        )
        new_matches = _store_matches(screening, hits, now)
        open_matches = ScreeningMatch.objects.filter(organization=organization, state=MatchState.OPEN).count()
        if open_matches:
            screening.status = ScreeningStatus.POTENTIAL_MATCH
        elif problems:
            screening.status = ScreeningStatus.INCOMPLETE
        screening.new_matches = len(new_matches)
        screening.open_matches = open_matches
        screening.save(update_fields=["status", "new_matches", "open_matches"])
        ClientProfile.objects.filter(pk=profile.pk).update(last_screened_at=now)
    profile.last_screened_at = now
    logger.info(
        "Screened organisation %s (screening %s): %s, %s new and %s open matches",
        organization.pk, screening.pk, screening.status, len(new_matches), open_matches,
    )
    if new_matches:
        _tell_staff_about(organization, new_matches)
    return screening


def _store_matches(screening, hits, now):
    organization = screening.organization
    candidates = {}
    for hit in hits:
        key = (hit.subject.name[:300], hit.entity.key, hit.entity.content_hash)
        if key not in candidates or hit.score > candidates[key].score:
            candidates[key] = hit
    existing = set(
        ScreeningMatch.objects.filter(
            organization=organization, entity_key__in=[key[1] for key in candidates]
        ).values_list("subject_name", "entity_key", "entity_hash")
    )
    rows = [
        ScreeningMatch(
            organization=organization, screening=screening, entity_id=hit.entity.pk,
            entity_key=key[1], entity_hash=key[2], subject_name=key[0], listed_name=hit.listed_name,
            score=hit.score, reason=hit.reason, created_at=now,
        )
        for key, hit in candidates.items()
        if key not in existing
    ]
    # A concurrent screening of the same organisation may insert the same
    # row first; the unique constraint keeps one and this insert skips it.
    ScreeningMatch.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def _tell_staff_about(organization, matches):
    from .notifications import notify_staff

    lines = [f"- {match.subject_name} ~ {match.listed_name} ({match.entity_key}), score {match.score}: {match.reason}"
             for match in matches]
    notify_staff(
        f"{len(matches)} potential sanctions match(es) for {organization.name}",
        "New potential matches wait for a decision in the match review page:\n" + "\n".join(lines),
        organization=organization,
    )


def latest_screening(organization):
    return Screening.objects.filter(organization=organization).order_by("-created_at", "-pk").first()
