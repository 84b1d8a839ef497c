"""Benchmark: screen 1,000 organisations against 50,000 listed entities with aliases.

Runs the candidate index (kyc.matching.ScreeningIndex.screen) and, in the
same run, the naive peer that scores every subject against every listed
name with the same scoring rule (ScreeningIndex.screen_all_pairs). The
naive peer is slow, so it runs on a sample of subjects and its time is
extrapolated to all of them, and the output states this. The sample is also used to
check that the index finds the same hits as the naive scan.

The data is synthetic and seeded: names built from syllables, 60 % people
and 40 % organisations, one to three aliases each (some transliterated),
and 2 % of the subjects planted as variants of listed names.

Usage: python bench/kyc/bench_screening.py [--entities 50000] [--subjects 1000] [--sample 20]
Needs no database: it measures matching, not loading entities from PostgreSQL.
"""

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kyc.choices import EntityKind  # noqa: E402
from kyc.matching import ListedEntity, ScreeningIndex, Subject  # noqa: E402

SYLLABLES = (
    "ka ri mo ta le su na vo pe lin dra gor vas mir zan kul bek far hus sa ya ro min tel vik an ol"
    " ser gey nik ov ich ali mu ham mad yu suf ib ra him ah med kar im oz tur pol ber den mar cus"
).split()
COMPANY_WORDS = ["Trading", "Holding", "Group", "Industries", "Logistics", "Energy", "Shipping", "Capital"]
LEGAL_FORMS = ["LLC", "Ltd", "GmbH", "OOO", "JSC", "S.A.", "FZE", "Co."]
COUNTRIES = ["RU", "IR", "KP", "SY", "AE", "TR", "CN", "BY", "VE", "MM", "NL", "DE"]


def word(rng, syllables=(2, 3)):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*syllables))).capitalize()


def person_name(rng):
    return " ".join(word(rng) for _ in range(rng.randint(2, 3)))


def company_name(rng):
    parts = [word(rng) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.6:
        parts.append(rng.choice(COMPANY_WORDS))
    parts.append(rng.choice(LEGAL_FORMS))
    return " ".join(parts)


def variant(rng, name):
    """Return a spelling variant: vowel changes and doubled letters, as transliterations produce."""
    swaps = {"o": "u", "u": "o", "e": "i", "i": "e", "y": "i"}
    letters = list(name)
    for _ in range(2):
        position = rng.randrange(len(letters))
        letters[position] = swaps.get(letters[position], letters[position])
    return "".join(letters)


def build_entities(rng, count):
    entities = []
    for number in range(count):
        is_person = rng.random() < 0.6
        name = person_name(rng) if is_person else company_name(rng)
        aliases = [variant(rng, name)] + [
            person_name(rng) if is_person else company_name(rng) for _ in range(rng.randint(0, 2))
        ]
        entities.append(ListedEntity(
            key=f"bench:{number}", content_hash=str(number),
            kind=EntityKind.PERSON if is_person else EntityKind.ORGANIZATION,
            names=(name, *aliases), countries=frozenset({rng.choice(COUNTRIES)}),
        ))
    return entities


def build_subjects(rng, count, entities):
    """Return (subjects, indexes of the planted ones)."""
    organisations = [entity for entity in entities[:2000] if entity.kind == EntityKind.ORGANIZATION]
    subjects, planted = [], []
    for number in range(count):
        if rng.random() < 0.02:
            listed = rng.choice(organisations)
            subjects.append(Subject(name=variant(rng, listed.names[0]), countries=listed.countries))
            planted.append(number)
        else:
            subjects.append(Subject(name=company_name(rng), countries=frozenset({rng.choice(COUNTRIES)})))
    return subjects, planted


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def hit_keys(hits):
    return sorted(hit.entity.key for hit in hits)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=50_000)
    parser.add_argument("--subjects", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=20, help="Subjects the naive all-pairs peer scores.")
    parser.add_argument("--seed", type=int, default=5)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    entities = build_entities(rng, arguments.entities)
    subjects, planted = build_subjects(rng, arguments.subjects, entities)

    started = time.perf_counter()
    index = ScreeningIndex(entities)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    indexed_hits = [index.screen(subject) for subject in subjects]
    indexed_seconds = time.perf_counter() - started

    # The timed sample is random. The naive peer also scores the planted
    # subjects, untimed, to check that the index misses none of its hits.
    sample = rng.sample(range(len(subjects)), arguments.sample)
    started = time.perf_counter()
    naive_hits = {number: index.screen_all_pairs(subjects[number]) for number in sample}
    naive_sample_seconds = time.perf_counter() - started
    naive_seconds = naive_sample_seconds * len(subjects) / len(sample)
    for number in planted:
        naive_hits.setdefault(number, index.screen_all_pairs(subjects[number]))

    differing = sum(hit_keys(indexed_hits[number]) != hit_keys(hits) for number, hits in naive_hits.items())
    naive_found = sum(len(hits) for hits in naive_hits.values())
    planted_found = sum(1 for number in planted if indexed_hits[number])
    with_hits = sum(1 for hits in indexed_hits if hits)

    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"listed entities: {len(entities)}, listed names after deduplication: {index.name_count}")
    print(f"subjects: {len(subjects)} organisations, {len(planted)} planted as variants of listed names")
    print(f"subjects with at least one hit: {with_hits}; planted subjects found: {planted_found} of {len(planted)}")
    print(f"index build: {build_seconds:.2f} s (once per list change and worker process)")
    print(f"indexed screening of {len(subjects)}: {indexed_seconds:.2f} s "
          f"({indexed_seconds / len(subjects) * 1000:.2f} ms per subject)")
    print(f"naive all-pairs on a sample of {len(sample)}: {naive_sample_seconds:.2f} s; "
          f"extrapolated to {len(subjects)}: {naive_seconds:.0f} s (an estimate)")
    print(f"ratio naive / indexed: {naive_seconds / indexed_seconds:.0f}x")
    print(f"naive hits on the sample and planted subjects: {naive_found}; subjects whose hits differ "
          f"between index and naive: {differing} of {len(naive_hits)}")


if __name__ == "__main__":
    main()
