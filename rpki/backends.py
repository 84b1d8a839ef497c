"""Publication backends: Krill's API, or SLURM and CSV files."""

import logging
from ipaddress import IPv4Network

from django.conf import settings

from .krill import KrillClient
from .slurm import write_slurm_files

logger = logging.getLogger(__name__)


def entry(prefix, asn, max_length, comment=""):
    return {"prefix": prefix, "asn": asn, "max_length": max_length, "comment": comment}


class KrillBackend:
    """Publishes through Krill: a dry run of the delta, then the delta itself."""

    name = "krill"

    def __init__(self, client=None):
        self.client = client or KrillClient(
            base_url=settings.RPKI_KRILL_URL,
            ca=settings.RPKI_KRILL_CA,
            token=settings.RPKI_KRILL_TOKEN,
            timeout=settings.RPKI_KRILL_TIMEOUT,
            ca_bundle=settings.RPKI_KRILL_CA_BUNDLE,
        )

    def publish(self, *, added, removed, resulting, controlled_prefixes):
        delta_added = [_krill_entry(item) for item in added]
        delta_removed = [_krill_entry(item) for item in removed]
        analysis = self.client.dry_run(added=delta_added, removed=delta_removed)
        logger.info(
            "Krill dry run of %s additions and %s removals: %s",
            len(delta_added), len(delta_removed), _summary(analysis),
        )
        self.client.update_routes(added=delta_added, removed=delta_removed)

    def current(self):
        """Return the entries Krill has, or None when the backend keeps no state of its own."""
        return [
            entry(IPv4Network(item["prefix"]), int(item["asn"]),
                  int(item.get("max_length") or IPv4Network(item["prefix"]).prefixlen),
                  item.get("comment") or "")
            for item in self.client.routes()
            if ":" not in item["prefix"]
        ]


class SlurmBackend:
    """Publishes by rewriting the SLURM JSON and the CSV export with the resulting set."""

    name = "slurm"

    def __init__(self, json_path=None, csv_path=None):
        self.json_path = json_path or settings.RPKI_SLURM_JSON_PATH
        self.csv_path = csv_path or settings.RPKI_SLURM_CSV_PATH

    def publish(self, *, added, removed, resulting, controlled_prefixes):
        write_slurm_files(resulting, controlled_prefixes, json_path=self.json_path, csv_path=self.csv_path)

    def current(self):
        return None


def _krill_entry(item):
    result = {"asn": item["asn"], "prefix": str(item["prefix"]), "max_length": item["max_length"]}
    if item.get("comment"):
        result["comment"] = item["comment"]
    return result


def _summary(analysis):
    if isinstance(analysis, dict):
        return ", ".join(sorted(analysis))[:200] or "empty"
    return type(analysis).__name__


def get_backend(name=None):
    name = name or settings.RPKI_BACKEND
    if name == "krill":
        return KrillBackend()
    if name == "slurm":
        return SlurmBackend()
    raise ValueError(f"RPKI_BACKEND {name!r} is unknown; set it to krill or slurm.")
