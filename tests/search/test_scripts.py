"""Search in every script through the API: Chinese, Japanese, Korean, Thai, Burmese, Hindi,
Bengali, Tamil, Russian, Hebrew and Swahili texts are found by a word, a two-word phrase
and a short question; words that differ only by a vowel sign or a tone mark stay apart;
full-width forms and pointed Hebrew find plain text, Traditional and Simplified Chinese
find each other; highlights cut only between grapheme
clusters (the ``regex`` module's ``\\X``)."""

from __future__ import annotations

import html
import re

import pytest
import regex

from satchel import create_app
from satchel.search import han
from satchel.search.analysis import fold, tokens

from ..helpers.scripts_corpus import DISTINCT, QUERIES, VARIANTS, build_script_bundles, bundle_id


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("scripts")
    build_script_bundles(root / "bundles", root / "data")
    app = create_app({"DATA_DIR": str(root / "data"), "BUNDLES_DIR": str(root / "bundles")})
    return app.test_client()


def ask(client, lang: str, q: str) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, "bundle": bundle_id(lang)})
    assert response.status_code == 200, (lang, q, response.json)
    return response.json


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_a_word_a_phrase_and_a_question_find_their_article(client, lang):
    for q in QUERIES[lang]:
        hits = ask(client, lang, q)["hits"]
        assert hits and hits[0]["id"] == "a", (lang, q, hits)


@pytest.mark.parametrize(("lang", "q", "article"), DISTINCT + VARIANTS)
def test_marks_keep_words_apart_and_width_and_points_fold(client, lang, q, article):
    assert [hit["id"] for hit in ask(client, lang, q)["hits"]] == [article]


def grapheme_bounds(text: str) -> set[int]:
    return {m.end() for m in regex.finditer(r"\X", text)} | {0}


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_highlights_cut_between_grapheme_clusters(client, lang):
    for q in QUERIES[lang]:
        for fragment in ask(client, lang, q)["hits"][0]["highlights"]:
            plain, cuts = "", []
            for part in re.split(r"(</?mark>)", fragment):
                if part in ("<mark>", "</mark>"):
                    cuts.append(len(plain))
                else:
                    plain += html.unescape(part)
            assert cuts and set(cuts) <= grapheme_bounds(plain), (lang, q, fragment)


def test_runs_without_spaces_are_cut_into_pairs_and_marks_are_kept():
    assert tokens(fold("MS患者的疲倦")) == ["ms", "患者", "者的", "的疲", "疲倦"]
    assert tokens(fold("ไข้ ไข")) == ["ไข้", "ไข"]
    assert tokens(fold("ကျန်းမာရေး")) == ["ကျန်း", "န်းမာ", "မာရေး"]  # stacked, asat kept
    assert tokens(fold("किशोर कुल कल")) == ["किशोर", "कुल", "कल"]
    folded = ["sindrome", "مريض", "שלום", "ガン", "a12"]
    assert tokens(fold("Síndrome مَرِيض שָׁלוֹם ｶﾞﾝ Ａ１２")) == folded


def test_the_devices_table_of_chinese_characters_is_the_servers():
    """static/lib/han.js is written from OpenCC's table by ``python -m satchel.search.han``."""
    assert han.JAVASCRIPT.read_text() == han.javascript()
    assert fold("體重與運動", "zh") == "体重与运动" and fold("體重") == "體重"
