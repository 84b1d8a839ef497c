"""Fuzzy matching of names against listed entities, with a candidate index.

The index maps the first four letters and the consonant skeleton of each
distinctive word to the names that contain it. A subject is scored only
against names that share enough of those keys, which keeps a screening of
one name to a few hundred comparisons instead of every name on every list.
`score_pair` is the whole scoring rule; the benchmark's naive peer calls it
for every pair.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from .choices import EntityKind
from .names import distinctive, normalize, skeleton

# A transliteration match (same consonant skeleton, different spelling)
# counts a little less than the same spelling.
SKELETON_WEIGHT = 0.95
# Skeletons shorter than this collide too often ("Sara" and "Sore").
MIN_SKELETON_LENGTH = 5
COUNTRY_AGREES = 3
COUNTRY_DIFFERS = -8
BIRTH_DATE_AGREES = 5
BIRTH_DATE_DIFFERS = -15
IDENTIFIER_AGREES = 10


@dataclass(frozen=True)
class MatchSettings:
    threshold: float = 88
    # A one-word name must match nearly letter for letter.
    one_word_threshold: float = 95


@dataclass(frozen=True)
class Subject:
    """A name we screen: an organisation's legal name or one of its people."""

    name: str
    is_person: bool = False
    countries: frozenset = frozenset()
    birth_date: date | None = None
    identifiers: frozenset = frozenset()


@dataclass
class ListedEntity:
    key: str
    content_hash: str
    kind: str
    names: tuple
    countries: frozenset = frozenset()
    birth_dates: tuple = ()
    identifiers: frozenset = frozenset()
    pk: int | None = None


@dataclass(frozen=True)
class PreparedName:
    text: str
    words: tuple
    sorted_text: str
    core_text: str
    skeleton_text: str
    core_skeleton_text: str
    key_words: tuple

    @property
    def one_word(self):
        return len(self.words) == 1


@dataclass
class Hit:
    subject: Subject
    entity: ListedEntity
    listed_name: str
    score: float
    reason: str


@dataclass
class Comparison:
    score: float
    reasons: list = field(default_factory=list)
    generic_only: bool = False


def normalize_identifier(value):
    return "".join(character for character in str(value).upper() if character.isalnum())


def prepare(name, *, is_person):
    """Return the comparison forms of `name`, or None when it normalises to nothing."""
    words = normalize(name, organization=not is_person)
    if not words:
        return None
    core = words if is_person else distinctive(words)
    sorted_words = sorted(words)
    sorted_core = sorted(core)
    return PreparedName(
        text=name,
        words=words,
        sorted_text=" ".join(sorted_words),
        core_text=" ".join(sorted_core),
        skeleton_text=" ".join(sorted(skeleton(word) for word in words)),
        core_skeleton_text=" ".join(sorted(skeleton(word) for word in core)),
        key_words=core or words,
    )


def index_keys(word):
    keys = []
    if len(word) >= 2:
        keys.append("p:" + word[:4])
    word_skeleton = skeleton(word)
    if len(word_skeleton) >= 2:
        keys.append("s:" + word_skeleton)
    return keys


def _similarity(left, right, left_skeleton, right_skeleton, allow_skeleton):
    spelling = fuzz.ratio(left, right)
    if not allow_skeleton or min(len(left_skeleton), len(right_skeleton)) < MIN_SKELETON_LENGTH:
        return spelling, "spelling"
    transliteration = fuzz.ratio(left_skeleton, right_skeleton) * SKELETON_WEIGHT
    if transliteration > spelling:
        return transliteration, "transliteration"
    return spelling, "spelling"


def compare_names(query, candidate):
    """Score two prepared names from 0 to 100, with the reasons."""
    allow_skeleton = not (query.one_word or candidate.one_word)
    score, method = _similarity(
        query.sorted_text, candidate.sorted_text, query.skeleton_text, candidate.skeleton_text,
        allow_skeleton,
    )
    result = Comparison(score=score, reasons=[f"name {method} similarity {score:.0f}"])
    if not query.core_text or not candidate.core_text:
        result.generic_only = True
        result.reasons.append("the names share only generic company words")
        return result
    if query.core_text != query.sorted_text or candidate.core_text != candidate.sorted_text:
        core, core_method = _similarity(
            query.core_text, candidate.core_text, query.core_skeleton_text,
            candidate.core_skeleton_text, allow_skeleton,
        )
        if core < result.score:
            result.score = core
            result.reasons.append(
                f"distinctive words '{query.core_text}' and '{candidate.core_text}' "
                f"{core_method} similarity {core:.0f}"
            )
    return result


def _birth_date_agreement(birth_date, listed_dates):
    if birth_date is None or not listed_dates:
        return None
    iso = birth_date.isoformat()
    return any(iso.startswith(listed) for listed in listed_dates)


def score_pair(subject, query, entity, candidate, settings):
    """Return a Hit when `query` (a prepared subject name) matches `candidate`, else None."""
    comparison = compare_names(query, candidate)
    score = comparison.score
    reasons = comparison.reasons
    corroborated = False

    if subject.countries and entity.countries:
        if subject.countries & entity.countries:
            score += COUNTRY_AGREES
            corroborated = True
            reasons.append(f"country {', '.join(sorted(subject.countries & entity.countries))} on both")
        else:
            score += COUNTRY_DIFFERS
            reasons.append(
                f"countries differ ({', '.join(sorted(subject.countries))} and "
                f"{', '.join(sorted(entity.countries))})"
            )
    agreement = _birth_date_agreement(subject.birth_date, entity.birth_dates)
    if agreement is True:
        score += BIRTH_DATE_AGREES
        corroborated = True
        reasons.append(f"birth date {subject.birth_date.isoformat()} agrees")
    elif agreement is False:
        score += BIRTH_DATE_DIFFERS
        reasons.append(f"birth dates differ ({subject.birth_date.isoformat()} and {', '.join(entity.birth_dates)})")
    shared = subject.identifiers & entity.identifiers
    if shared:
        score += IDENTIFIER_AGREES
        corroborated = True
        reasons.append(f"identifier {', '.join(sorted(shared))} on both")

    score = max(0.0, min(100.0, score))
    threshold = settings.one_word_threshold if (query.one_word or candidate.one_word) else settings.threshold
    if score < threshold:
        return None
    if comparison.generic_only and not corroborated:
        return None
    return Hit(subject=subject, entity=entity, listed_name=candidate.text, score=round(score, 1),
               reason="; ".join(reasons))


def _accepts(subject, entity):
    if entity.kind == EntityKind.UNKNOWN:
        return True
    if subject.is_person:
        return entity.kind == EntityKind.PERSON
    return entity.kind == EntityKind.ORGANIZATION


class ScreeningIndex:
    """Listed entities prepared for screening, one index for people and one for organisations."""

    def __init__(self, entities, settings=None):
        self.settings = settings or MatchSettings()
        self.entities = list(entities)
        self.names = {True: [], False: []}
        self.keys = {True: defaultdict(list), False: defaultdict(list)}
        for entity_index, entity in enumerate(self.entities):
            for is_person in (True, False):
                subject = Subject(name="", is_person=is_person)
                if not _accepts(subject, entity):
                    continue
                self._add(entity_index, entity, is_person)

    def _add(self, entity_index, entity, is_person):
        seen = set()
        names = self.names[is_person]
        keys = self.keys[is_person]
        for name in entity.names:
            prepared = prepare(name, is_person=is_person)
            if prepared is None or prepared.sorted_text in seen:
                continue
            seen.add(prepared.sorted_text)
            name_id = len(names)
            names.append((entity_index, prepared))
            for word in set(prepared.key_words):
                for key in index_keys(word):
                    keys[key].append(name_id)

    @property
    def name_count(self):
        return len(self.names[True]) + len(self.names[False])

    def candidates(self, query, is_person):
        """Return ids of names that share keys with enough of the query's words."""
        keys = self.keys[is_person]
        names = self.names[is_person]
        counts = Counter()
        for word in set(query.key_words):
            ids = set()
            for key in index_keys(word):
                ids.update(keys.get(key, ()))
            counts.update(ids)
        wanted = 1 if len(query.key_words) == 1 else max(2, (len(query.key_words) + 1) // 2)
        return [
            name_id for name_id, count in counts.items()
            if count >= min(wanted, len(names[name_id][1].key_words))
        ]

    def screen(self, subject):
        """Return the best hit per listed entity for `subject`, best first."""
        query = prepare(subject.name, is_person=subject.is_person)
        if query is None:
            return []
        names = self.names[subject.is_person]
        best = {}
        for name_id in self.candidates(query, subject.is_person):
            entity_index, candidate = names[name_id]
            entity = self.entities[entity_index]
            hit = score_pair(subject, query, entity, candidate, self.settings)
            if hit is not None and (entity_index not in best or hit.score > best[entity_index].score):
                best[entity_index] = hit
        return sorted(best.values(), key=lambda hit: -hit.score)

    def screen_all_pairs(self, subject):
        """Score `subject` against every name without the index (the benchmark's naive peer)."""
        query = prepare(subject.name, is_person=subject.is_person)
        if query is None:
            return []
        best = {}
        for entity_index, candidate in self.names[subject.is_person]:
            entity = self.entities[entity_index]
            hit = score_pair(subject, query, entity, candidate, self.settings)
            if hit is not None and (entity_index not in best or hit.score > best[entity_index].score):
                best[entity_index] = hit
        return sorted(best.values(), key=lambda hit: -hit.score)
