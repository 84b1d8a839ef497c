"""SLURM (RFC 8416) and CSV exports of the platform's ROAs, for operators without Krill.

The SLURM file filters every VRP for the platform's blocks out of the
validator's output and adds the platform's ROAs as assertions. A
validator that loads it (Routinator takes it with `--exceptions`) then
outputs exactly the platform's ROAs for that space.
"""

import csv
import io
import json
import os
import tempfile
from pathlib import Path

SLURM_VERSION = 1
CSV_HEADER = ["ASN", "IP Prefix", "Max Length", "Trust Anchor"]
TRUST_ANCHOR = "platform"


def slurm_document(entries, filtered_prefixes):
    """Return the SLURM document for ROA `entries`, filtering VRPs inside `filtered_prefixes`.

    Each entry is a mapping with prefix, asn, max_length and comment.
    """
    return {
        "slurmVersion": SLURM_VERSION,
        "validationOutputFilters": {
            "prefixFilters": [
                {"prefix": str(prefix), "comment": "Platform-controlled block"}
                for prefix in sorted(filtered_prefixes)
            ],
            "bgpsecFilters": [],
        },
        "locallyAddedAssertions": {
            "prefixAssertions": [
                {
                    "asn": entry["asn"],
                    "prefix": str(entry["prefix"]),
                    "maxPrefixLength": entry["max_length"],
                    "comment": entry["comment"],
                }
                for entry in sorted(entries, key=_sort_key)
            ],
            "bgpsecAssertions": [],
        },
    }


def roa_csv(entries):
    """Return the entries as CSV in the column layout Routinator's `vrps --format csv` writes."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for entry in sorted(entries, key=_sort_key):
        writer.writerow([f"AS{entry['asn']}", str(entry["prefix"]), entry["max_length"], TRUST_ANCHOR])
    return output.getvalue()


def write_atomically(path, text):
    """Write `text` to `path` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sort_key(entry):
    return (int(entry["prefix"].network_address), entry["prefix"].prefixlen, entry["asn"], entry["max_length"])


def write_slurm_files(entries, filtered_prefixes, *, json_path, csv_path):
    document = slurm_document(entries, filtered_prefixes)
    write_atomically(json_path, json.dumps(document, indent=2) + "\n")
    write_atomically(csv_path, roa_csv(entries))
