"""Name normalisation for sanctions screening.

A name becomes a tuple of lower-case ASCII words. Unicode is folded (NFKC)
and other scripts are transliterated to Latin with anyascii. Punctuation is
dropped and runs of single letters are joined ("S.A." becomes "sa"). For
organisations, legal-form words such as LLC or GmbH are removed.
"""

import re
import unicodedata

from anyascii import anyascii

# Legal-form words removed from organisation names. Only whole words are
# removed, after runs of single letters are joined, so "S.A." and "SA" are
# the same word.
LEGAL_FORMS = frozenset(
    """
    llc ltd limited gmbh mbh inc incorporated corp corporation co company cos plc llp lp
    sa sas sasu sarl srl spa sl slu bv nv vof ag kg kgaa ohg ug ev oy oyj ab aps asa
    sro spzoo zrt kft nyrt ooo oao zao pao ao jsc ojsc cjsc pjsc tov pp fop
    pte pty sdn bhd tbk fze fzco fzc fzllc dmcc doo dd ad eood ead ltda eirl sapi cv
    """.split()
)

# Everyday company words. A match carried only by these words is no match:
# "Sunrise Trading" and "Sunset Trading" share "trading", nothing more.
GENERIC_WORDS = frozenset(
    """
    the and of for de la le el du des und et y
    trading trade traders international intl global worldwide group holding holdings
    industries industry industrial services service general import export imports exports
    enterprise enterprises investment investments technologies technology tech solutions
    systems system network networks hosting host telecom telecommunications communications
    management consulting consultants development bank banking commercial logistics
    capital finance financial energy shipping marine partners associates
    agency center centre media digital data cloud internet online web net
    """.split()
)

_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Letter groups written differently by different transliteration systems.
_SKELETON_REPLACEMENTS = (
    ("ph", "f"), ("kh", "h"), ("gh", "g"), ("ck", "k"), ("q", "k"), ("c", "k"),
    ("z", "s"), ("w", "v"), ("x", "ks"), ("dj", "j"), ("th", "t"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")


def fold(text):
    """Return `text` as lower-case ASCII: NFKC, transliterated, apostrophes removed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = anyascii(text).lower()
    return _APOSTROPHES.sub("", text).replace("&", " and ")


def _join_single_letters(words):
    joined = []
    run = []
    for word in words:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            joined.append("".join(run))
            run = []
        joined.append(word)
    if run:
        joined.append("".join(run))
    return joined


def normalize(name, *, organization=True):
    """Return the words of `name` for comparison, as a tuple (possibly empty)."""
    words = _NON_ALNUM.sub(" ", fold(name)).split()
    words = _join_single_letters(words)
    if organization:
        words = [word for word in words if word not in LEGAL_FORMS]
    return tuple(words)


def distinctive(words):
    """Return the words that are not generic company words."""
    return tuple(word for word in words if word not in GENERIC_WORDS)


def skeleton(word):
    """Return the consonant skeleton of a word, which most transliterations share.

    Mohammed, Muhammad and the anyascii form of the Arabic spelling (mhmd)
    all become "mhmd". Digits are kept.
    """
    for source, target in _SKELETON_REPLACEMENTS:
        word = word.replace(source, target)
    word = _VOWELS.sub("", word)
    word = _REPEATS.sub(r"\1", word)
    # A word-final h is silent in many transliterations (Arabic ta marbuta:
    # Usama and the anyascii "smh" of the Arabic spelling).
    if len(word) > 2 and word.endswith("h"):
        word = word[:-1]
    return word
