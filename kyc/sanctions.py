"""Importing sanctions lists: store the raw files, parse them, switch the current version.

A file that fails to parse, or that is much smaller than the current
version, is recorded as a failed version and raises ImportFailed. The
current version stays current.
"""

import hashlib
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import ImportStatus, SanctionsSource
from .importers import DEFAULT_FILE_NAMES, PARSERS, ListFormatError
from .models import SanctionedEntity, SanctionsListVersion

logger = logging.getLogger(__name__)

BULK_BATCH = 5000


class ImportFailed(Exception):
    """An import that did not replace the current version; the message gives the reason and the fix."""


def _store_raw(source, files, now):
    directory = Path(settings.MEDIA_ROOT) / "kyc" / "lists" / source
    directory.mkdir(parents=True, exist_ok=True)
    stored = []
    for role, data in files.items():
        path = directory / f"{now:%Y%m%dT%H%M%S%f}-{role}"
        path.write_bytes(data)
        stored.append(str(path.relative_to(settings.MEDIA_ROOT)))
    return stored


def _digest(files):
    digest = hashlib.sha256()
    for role in sorted(files):
        digest.update(role.encode())
        digest.update(files[role])
    return digest.hexdigest()


def _fail(source, origin, raw_files, sha256, message, user, now):
    version = SanctionsListVersion.objects.create(
        source=source, status=ImportStatus.FAILED, origin=origin, raw_files=raw_files,
        sha256=sha256, imported_at=now, error=message, imported_by=user,
    )
    logger.error("Import of %s from %s failed (version %s): %s", source, origin, version.pk, message)
    raise ImportFailed(message)


def import_list(source, files, *, origin, user=None, allow_shrink=False):
    """Parse `files` ({role: bytes}) as list `source` and make them the current version.

    Rescreening of every profile is queued after the new version commits.
    """
    if source not in PARSERS:
        raise ImportFailed(f"Unknown list {source!r}; choose one of {', '.join(PARSERS)}.")
    parser = PARSERS[source]
    missing = [role for role in parser.FILES if role not in files]
    if missing:
        raise ImportFailed(f"The {source} import needs the files {', '.join(missing)} as well.")
    now = timezone.now()
    raw_files = _store_raw(source, files, now)
    sha256 = _digest(files)
    try:
        parsed = parser.parse(files)
    except ListFormatError as exc:
        _fail(source, origin, raw_files, sha256, f"{exc} The last good version stays current.", user, now)

    try:
        with transaction.atomic():
            version = _replace_current(source, parsed, origin, raw_files, sha256, user, now, allow_shrink)
    except _TooSmall as exc:
        _fail(source, origin, raw_files, sha256, str(exc), user, now)
    logger.info(
        "Imported %s from %s as version %s: %s entries, %s names",
        source, origin, version.pk, version.entity_count, version.name_count,
    )
    return version


class _TooSmall(Exception):
    pass


def _replace_current(source, parsed, origin, raw_files, sha256, user, now, allow_shrink):
    current = (
        SanctionsListVersion.objects.select_for_update()
        .filter(source=source, status=ImportStatus.CURRENT)
        .first()
    )
    if current and not allow_shrink:
        minimum = int(current.entity_count * settings.KYC_IMPORT_MIN_RATIO)
        if len(parsed.entities) < minimum:
            raise _TooSmall(
                f"The new {source} file has {len(parsed.entities)} entries, the current version "
                f"{current.entity_count}; fewer than {minimum} looks like a truncated download. "
                "The last good version stays current; import again with allow_shrink if the "
                "list really shrank."
            )
    if current:
        current.status = ImportStatus.SUPERSEDED
        current.save(update_fields=["status"])
    version = SanctionsListVersion.objects.create(
        source=source, status=ImportStatus.CURRENT, origin=origin, raw_files=raw_files,
        sha256=sha256, published_at=parsed.published_at, imported_at=now,
        entity_count=len(parsed.entities), name_count=parsed.name_count, imported_by=user,
    )
    _create_entities(version, parsed.entities)
    transaction.on_commit(lambda: _queue_rescreen(version.pk))
    return version


def _create_entities(version, parsed_entities):
    rows = [
        SanctionedEntity(
            version=version, source_id=entity.source_id, kind=entity.kind, name=entity.name,
            aliases=entity.aliases, countries=entity.countries, birth_dates=entity.birth_dates,
            identifiers=entity.identifiers, programs=entity.programs[:2000],
            content_hash=entity.content_hash(),
        )
        for entity in parsed_entities
    ]
    SanctionedEntity.objects.bulk_create(rows, batch_size=BULK_BATCH)


def _queue_rescreen(version_id):
    from .tasks import rescreen_task

    rescreen_task.delay(reason=f"list version {version_id}")


def files_from_path(source, path):
    """Read the files of `source` from a file path, or from a directory with the usual names."""
    path = Path(path)
    roles = PARSERS[source].FILES
    if path.is_file():
        if len(roles) != 1:
            raise ImportFailed(
                f"The {source} import needs {', '.join(roles)}; give the directory that contains "
                f"{', '.join(DEFAULT_FILE_NAMES[role][0] for role in roles)}."
            )
        return {roles[0]: path.read_bytes()}
    if not path.is_dir():
        raise ImportFailed(f"{path} does not exist; give a list file or a directory.")
    files = {}
    for role in roles:
        for name in DEFAULT_FILE_NAMES[role]:
            if (path / name).is_file():
                files[role] = (path / name).read_bytes()
                break
        else:
            raise ImportFailed(f"{path} contains no {' or '.join(DEFAULT_FILE_NAMES[role])}.")
    return files


def import_from_path(source, path, **options):
    return import_list(source, files_from_path(source, path), origin=str(path), **options)


def _url_keys(source):
    roles = PARSERS[source].FILES
    if len(roles) == 1:
        return {roles[0]: source}
    return {role: f"{source}_{role}" for role in roles}


def configured_sources():
    """Return the sources whose download URLs the operator configured."""
    urls = settings.KYC_LIST_URLS
    return [source for source in PARSERS if all(key in urls for key in _url_keys(source).values())]


def download(url):
    """Fetch `url` (http or https only) with the configured timeout and size limit."""
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ImportFailed(f"List URL {url!r} uses {scheme or 'no scheme'}; only http and https are allowed.")
    limit = settings.KYC_LIST_MAX_BYTES
    request = urllib.request.Request(url, headers={"User-Agent": "ipv4-lease-platform sanctions import"})
    try:
        with urllib.request.urlopen(request, timeout=settings.KYC_LIST_DOWNLOAD_TIMEOUT) as response:
            data = response.read(limit + 1)
            expected = response.headers.get("Content-Length")
    except urllib.error.HTTPError as exc:
        raise ImportFailed(f"Download of {url} failed: HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ImportFailed(f"Download of {url} failed: {reason}. Check the URL and the network.") from None
    if len(data) > limit:
        raise ImportFailed(f"{url} is larger than KYC_LIST_MAX_BYTES ({limit} bytes); raise the limit.")
    if expected and expected.isdigit() and int(expected) != len(data):
        raise ImportFailed(
            f"Download of {url} ended after {len(data)} of {expected} bytes; the file is truncated."
        )
    return data


def import_from_url(source, **options):
    keys = _url_keys(source)
    urls = settings.KYC_LIST_URLS
    missing = [key for key in keys.values() if key not in urls]
    if missing:
        raise ImportFailed(f"No URL configured for {', '.join(missing)}; set them in KYC_LIST_URLS.")
    files = {role: download(urls[key]) for role, key in keys.items()}
    origin = ", ".join(urls[key] for key in keys.values())
    return import_list(source, files, origin=origin, **options)


def current_versions():
    return {
        version.source: version
        for version in SanctionsListVersion.objects.filter(status=ImportStatus.CURRENT)
    }


def list_problems(versions, now=None):
    """Return why screening against `versions` would be incomplete, one sentence each."""
    now = now or timezone.now()
    maximum_age = timedelta(hours=settings.KYC_LIST_MAX_AGE_HOURS)
    problems = []
    for source in settings.KYC_REQUIRED_LISTS:
        label = SanctionsSource(source).label if source in SanctionsSource.values else source
        version = versions.get(source)
        if version is None:
            problems.append(f"{label} has never been imported.")
        elif now - version.imported_at > maximum_age:
            problems.append(
                f"{label} was last imported {version.imported_at:%Y-%m-%d %H:%M} UTC, longer than "
                f"{settings.KYC_LIST_MAX_AGE_HOURS} hours ago."
            )
    return problems
