"""Abbreviations the bundles' own text defines: "COPD" finds the articles that spell out
"chronic obstructive pulmonary disease", and back, in any language that writes the pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from satchel.search import engine
from satchel.stages.abbreviations import find_pairs, pairs_in
from satchel.store import Store

from ..helpers.searching import find, ids, write


@pytest.mark.parametrize(
    "sentence, pairs",
    [
        ("Multiple sclerosis (MS) affects nerves.", [("MS", "Multiple sclerosis")]),
        ("MS (multiple sclerosis) affects nerves.", [("MS", "multiple sclerosis")]),
        ("La esclerosis múltiple (EM) afecta.", [("EM", "esclerosis múltiple")]),
        (
            "type 2 diabetes (T2D) and chronic obstructive pulmonary disease (COPD) both",
            [("T2D", "type 2 diabetes"), ("COPD", "chronic obstructive pulmonary disease")],
        ),
        ("Take it twice (see below) daily.", []),
        ("some treatment (PT) helped", []),  # no word starts with P
        ("the flu (Influenza) spread", []),  # one capital: an ordinary word
    ],
)
def test_pairs_are_found_in_both_patterns_and_nothing_else(sentence, pairs):
    assert pairs_in(sentence) == pairs


def test_a_short_form_keeps_its_commonest_long_forms():
    texts = [
        "Mass spectrometry (MS) is a test.",
        "Multiple sclerosis (MS) is common.",
        "In multiple sclerosis (MS), nerves are damaged.",
    ]
    # Commonest first, spelt as first found.
    assert find_pairs(texts) == {"MS": ["Multiple sclerosis", "Mass spectrometry"]}


ARTICLES = {
    "defines": dict(
        title="Breathing exercises at home",
        takeaway="Chronic obstructive pulmonary disease (COPD) makes people breathless.",
        findings="People with COPD walked further after the exercises.",
    ),
    "short-only": dict(
        title="Flu vaccines for older people",
        takeaway="People with COPD had fewer flu infections after a vaccine.",
        findings="The vaccine was safe.",
    ),
    "eyes": dict(
        title="Eye problems in thyroid disease",
        takeaway="Graves ophthalmopathy (GO) makes the eyes bulge.",
        findings="Selenium helped mild GO.",
    ),
    "long-only": dict(
        title="Smoking and the lungs",
        takeaway="Quitting smoking slowed chronic obstructive pulmonary disease.",
        findings="Lungs aged more slowly in people who quit.",
    ),
}


@pytest.fixture
def bundles_dir(tmp_path):
    root = tmp_path / "bundles"
    write(root, "lungs", "en", ARTICLES)
    return root


def test_the_abbreviation_and_its_long_form_find_each_other(client, built):
    assert client.get("/api/v1/bundles/lungs/en").json["search"]["abbreviations"] == {
        "COPD": ["Chronic obstructive pulmonary disease"],
        "GO": ["Graves ophthalmopathy"],
    }
    by_short = ids(find(client, "COPD", bundle="lungs"))
    assert by_short[0] == "defines" and "long-only" in by_short
    by_long = ids(find(client, "chronic obstructive pulmonary disease", bundle="lungs"))
    assert by_long[0] == "defines" and "short-only" in by_long


def test_a_short_form_that_is_an_everyday_word_adds_its_long_form_faintly(app, built):
    """ "go" is rarely "GO": a typed short form adds its long form's terms weighed by how
    rare the short form is in everyday language; a rare one ("COPD") adds them fully."""
    store = Store(Path(app.config["DATA_DIR"]))
    version = store.current("lungs")["en"]
    ix = engine.open_collection([("lungs", store.index_dir("lungs", "en", version))])

    def weight(q, term):
        return max(group.alternatives.get(term, 0.0) for group in engine.plan_query(ix, q).groups)

    full = engine.ABBREVIATION_WEIGHT * ix.rarity("obstruct")
    assert weight("COPD", "obstruct") == pytest.approx(full)
    assert ix.rarity("go") < 0.2
    faint = engine.ABBREVIATION_WEIGHT * ix.rarity("go") * ix.rarity("ophthalmopathi")
    assert weight("go", "ophthalmopathi") == pytest.approx(faint)


@pytest.mark.parametrize("locale, abbreviation", [("en", "COPD"), ("es", "EPOC")])
def test_the_sample_abbreviation_alone_finds_its_article_first(samples, locale, abbreviation):
    client = samples.test_client()
    result = find(client, abbreviation, bundle=None, locale=locale)
    assert ids(result)[0] == "lung-rehab-at-home"
    pairs = client.get(f"/api/v1/bundles/caregiving/{locale}").json["search"]["abbreviations"]
    assert abbreviation in pairs
