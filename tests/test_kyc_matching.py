from datetime import date

import pytest

from kyc.choices import EntityKind
from kyc.matching import ListedEntity, ScreeningIndex, Subject, prepare
from kyc.names import normalize, skeleton


def entity(key, *names, kind=EntityKind.ORGANIZATION, countries=(), birth_dates=(), identifiers=()):
    return ListedEntity(
        key=key, content_hash=f"hash-{key}", kind=kind, names=names, countries=frozenset(countries),
        birth_dates=tuple(birth_dates), identifiers=frozenset(identifiers),
    )


def person(key, *names, **fields):
    return entity(key, *names, kind=EntityKind.PERSON, **fields)


def keys(hits):
    return [hit.entity.key for hit in hits]


def test_normalize_drops_legal_forms_and_punctuation():
    assert normalize("Acme Networks GmbH") == ("acme", "networks")
    assert normalize("S.A.R.L. Étoile & Fils") == ("etoile", "and", "fils")
    assert normalize("OOO «Romashka», Ltd.") == ("romashka",)


def test_normalize_keeps_legal_words_in_person_names():
    assert normalize("Ivan Co", organization=False) == ("ivan", "co")


def test_normalize_transliterates_cyrillic():
    assert normalize("ООО «Ромашка»") == ("romashka",)
    assert normalize("Сергей Шойгу", organization=False) == ("sergey", "shoygu")


def test_skeleton_of_transliteration_variants():
    assert {skeleton(word) for word in ("mohammed", "muhammad", "mohamed", "mhmd")} == {"mhmd"}
    assert skeleton("usama") == skeleton("smh")


def test_prepare_name_of_only_legal_forms_is_none():
    assert prepare("LLC Ltd GmbH", is_person=False) is None
    assert prepare("!!! ---", is_person=False) is None
    assert prepare("", is_person=True) is None


def test_exact_organisation_name_matches():
    index = ScreeningIndex([entity("os:1", "Rosoboronexport OAO"), entity("os:2", "Blue Sky Hosting")])
    hits = index.screen(Subject(name="ROSOBORONEXPORT JSC"))
    assert keys(hits) == ["os:1"]
    assert hits[0].score == 100
    assert "name spelling similarity 100" in hits[0].reason


def test_cyrillic_name_matches_latin_listing():
    index = ScreeningIndex([person("os:1", "Sergei Kuzhugetovich Shoigu")])
    hits = index.screen(Subject(name="Сергей Кужугетович Шойгу", is_person=True))
    assert keys(hits) == ["os:1"]
    assert hits[0].score >= 88


def test_arabic_name_matches_latin_listing():
    index = ScreeningIndex([person("os:1", "Usama Muhammad bin Laden")])
    hits = index.screen(Subject(name="أسامة محمد بن لادن", is_person=True))
    assert keys(hits) == ["os:1"]
    assert "transliteration" in hits[0].reason


@pytest.mark.parametrize("variant", ["Mohammed Hassan Yousef", "Muhammad Hasan Yusuf", "Mohamed Hassan Youssef"])
def test_transliteration_variants_match(variant):
    index = ScreeningIndex([person("os:1", "Muhammad Hassan Yusuf")])
    assert keys(index.screen(Subject(name=variant, is_person=True))) == ["os:1"]


def test_alias_matches():
    index = ScreeningIndex([entity("os:1", "Islamic Revolutionary Guard Corps", "Sepah Pasdaran Trading")])
    hits = index.screen(Subject(name="Sepah Pasdaran Trading LLC"))
    assert keys(hits) == ["os:1"]
    assert hits[0].listed_name == "Sepah Pasdaran Trading"


def test_company_words_alone_do_not_match():
    index = ScreeningIndex([entity("os:1", "Sunset Trading Company"), entity("os:2", "Eastern Bank International")])
    assert index.screen(Subject(name="Sunrise Trading LLC")) == []
    assert index.screen(Subject(name="Eastern Hosting International Ltd")) == []


def test_generic_only_name_needs_corroboration():
    listed = entity("os:1", "Global Trading Group LLC", countries={"IR"})
    index = ScreeningIndex([listed])
    assert index.screen(Subject(name="Global Trading Group Ltd", countries=frozenset({"NL"}))) == []
    hits = index.screen(Subject(name="Global Trading Group Ltd", countries=frozenset({"IR"})))
    assert keys(hits) == ["os:1"]
    assert "generic company words" in hits[0].reason


def test_one_word_name_matches_only_itself():
    listed = [entity(f"os:{number}", f"Alpha {word} Industries") for number, word in enumerate(
        ["Nord", "Star", "Group", "Petro", "Ocean", "Delta", "Prime", "Global"]
    )]
    listed.append(entity("os:alpha", "Alpha"))
    index = ScreeningIndex(listed)
    assert keys(index.screen(Subject(name="Alpha"))) == ["os:alpha"]
    assert index.screen(Subject(name="Alphabet")) == []


def test_empty_name_matches_nothing():
    index = ScreeningIndex([entity("os:1", "LLC"), entity("os:2", "Acme")])
    assert index.screen(Subject(name="Ltd.")) == []


def test_person_names_do_not_match_organisations():
    index = ScreeningIndex([entity("os:1", "Ivan Petrov Holding")])
    assert index.screen(Subject(name="Ivan Petrov Holding", is_person=True)) == []


def test_different_birth_date_lowers_score_below_threshold():
    listed = person("os:1", "Ivan Sergeyevich Petrov", birth_dates=["1961-03-04"])
    index = ScreeningIndex([listed])
    same = index.screen(Subject(name="Ivan Sergeevich Petrov", is_person=True, birth_date=date(1961, 3, 4)))
    other = index.screen(Subject(name="Ivan Sergeevich Petrov", is_person=True, birth_date=date(1990, 7, 1)))
    assert keys(same) == ["os:1"]
    assert "birth date 1961-03-04 agrees" in same[0].reason
    assert other == []


def test_birth_year_only_listing_agrees_with_full_date():
    index = ScreeningIndex([person("os:1", "Ivan Petrov", birth_dates=["1961"])])
    hits = index.screen(Subject(name="Ivan Petrov", is_person=True, birth_date=date(1961, 3, 4)))
    assert "birth date 1961-03-04 agrees" in hits[0].reason


def test_shared_identifier_raises_score():
    index = ScreeningIndex([entity("os:1", "Volga Networks Trading", identifiers={"1027700132195"})])
    weak = Subject(name="Volga Network Traders")
    strong = Subject(name="Volga Network Traders", identifiers=frozenset({"1027700132195"}))
    assert index.screen(weak) == []
    hits = index.screen(strong)
    assert keys(hits) == ["os:1"]
    assert "identifier 1027700132195 on both" in hits[0].reason


def test_index_and_all_pairs_agree():
    listed = [
        person("os:1", "Muhammad Hassan Yusuf"),
        entity("os:2", "Rosoboronexport"),
        entity("os:3", "Sunset Trading Company"),
        person("os:4", "Sergei Shoigu"),
    ]
    index = ScreeningIndex(listed)
    for subject in (
        Subject(name="Mohammed Hasan Yousef", is_person=True),
        Subject(name="Rosoboronexport OAO"),
        Subject(name="Sunrise Trading"),
        Subject(name="Сергей Шойгу", is_person=True),
    ):
        assert keys(index.screen(subject)) == keys(index.screen_all_pairs(subject))
