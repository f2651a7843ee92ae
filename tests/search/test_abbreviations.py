"""Abbreviations the bundles' own text defines: "COPD" finds the articles that spell out
"chronic obstructive pulmonary disease", and back, in any language that writes the pattern,
scripts without capitals (Chinese, Thai, Hindi, Arabic) among them."""

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
        ("Take it ; (twice) daily.", []),  # no word before the parentheses
        ("some treatment (PT) helped", []),  # no word starts with P
        ("the flu (Influenza) spread", []),  # one capital: an ordinary word
        # Scripts without capitals: a short form of the script by its characters, in order;
        # one of another script (Latin) stands for the clause before it.
        ("患有慢性阻塞性肺病（慢阻肺）的人", [("慢阻肺", "慢性阻塞性肺病")]),
        ("世界卫生组织（世卫组织）建议", [("世卫组织", "世界卫生组织")]),
        ("在家里，慢性阻塞性肺病（COPD）患者", [("COPD", "慢性阻塞性肺病")]),
        ("患有COPD（慢性阻塞性肺病）的人", [("COPD", "慢性阻塞性肺病")]),
        ("我们发现了文章（见下文）", []),  # its characters are not before it
        (
            "يعاني المرضى من مرض الانسداد الرئوي المزمن (COPD)",
            [("COPD", "مرض الانسداد الرئوي المزمن")],
        ),
        ("क्रॉनिक ऑब्सट्रक्टिव पल्मोनरी डिज़ीज़ (COPD) से", [("COPD", "क्रॉनिक ऑब्सट्रक्टिव पल्मोनरी डिज़ीज़")]),
        ("โรคปอดอุดกั้นเรื้อรัง (COPD) ทำให้หายใจลำบาก", [("COPD", "โรคปอดอุดกั้นเรื้อรัง")]),
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


# The same in Chinese, which has no capitals and no spaces.
CHINESE = {
    "defines": dict(
        title="在家做呼吸练习",
        takeaway="慢性阻塞性肺病（慢阻肺）让人喘不过气。",
        findings="慢阻肺患者做完练习后走得更远。",
    ),
    "short-only": dict(
        title="老年人的流感疫苗",
        takeaway="接种疫苗后，慢阻肺患者得流感的次数更少。",
        findings="疫苗是安全的。",
    ),
    "long-only": dict(
        title="吸烟与肺",
        takeaway="戒烟减缓了慢性阻塞性肺病的发展。",
        findings="戒烟的人肺部衰老得更慢。",
    ),
}


@pytest.fixture
def bundles_dir(tmp_path):
    root = tmp_path / "bundles"
    write(root, "lungs", "en", ARTICLES)
    write(root, "feiyan", "zh", CHINESE)
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


def test_a_chinese_abbreviation_and_its_long_form_find_each_other(client, built):
    assert client.get("/api/v1/bundles/feiyan/zh").json["search"]["abbreviations"] == {
        "慢阻肺": ["慢性阻塞性肺病"]
    }
    by_short = ids(find(client, "慢阻肺", bundle="feiyan"))
    assert by_short[0] == "defines" and "long-only" in by_short
    by_long = ids(find(client, "慢性阻塞性肺病", bundle="feiyan"))
    assert by_long[0] == "defines" and "short-only" in by_long


def test_a_short_form_that_is_an_everyday_word_adds_its_long_form_faintly(app, built):
    """ "go" is rarely "GO": a typed short form adds its long form's terms weighed by how
    rare the short form is in everyday language; a rare one ("COPD") adds them fully, and
    so does one written in capitals ("GO")."""
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
    # Written in capitals, "GO" is the abbreviation: it and its long form weigh fully.
    full = engine.ABBREVIATION_WEIGHT * ix.rarity("ophthalmopathi")
    assert weight("what helps GO", "ophthalmopathi") == pytest.approx(full)
    assert weight("what helps GO", "go") == 1.0
    assert weight("what helps Go", "go") == pytest.approx(ix.rarity("go"))


@pytest.mark.parametrize(
    "bundle, locale, abbreviation, article",
    [
        ("caregiving", "en", "COPD", "lung-rehab-at-home"),
        ("caregiving", "es", "EPOC", "lung-rehab-at-home"),
        # A Latin short form inside Chinese text: "用杀虫剂处理过的蚊帐（ITN）".
        ("staying-well", "zh", "ITN", "bed-nets-and-malaria"),
    ],
)
def test_the_sample_abbreviation_alone_finds_its_article_first(
    samples, bundle, locale, abbreviation, article
):
    client = samples.test_client()
    result = find(client, abbreviation, bundle=None, locale=locale)
    assert ids(result)[0] == article
    pairs = client.get(f"/api/v1/bundles/{bundle}/{locale}").json["search"]["abbreviations"]
    assert abbreviation in pairs
