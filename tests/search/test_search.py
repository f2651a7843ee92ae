"""Search as a caregiver meets it: ``GET /api/v1/search`` on built bundles."""

from __future__ import annotations

import json
import textwrap

import pytest

from satchel import create_app
from satchel.search.analysis import title_words
from satchel.stages.pipeline import build
from satchel.store import Store

from ..helpers.searching import ELISION, TREATED, find, ids, write, write_references

EN = {
    "nerve-symptoms": dict(
        title="Paresthesia is common in early MS",
        teaser="Odd skin sensations were often the first sign.",
        takeaway="Most people reported paresthesia before diagnosis.",
        findings="Paresthesia affected the hands and feet of 300 people.",
        topics="symptom-management",
        symptoms="paresthesia",
        credibility=5,
    ),
    "running-study": dict(
        title="Running three times a week",
        teaser="A jogging programme was tested.",
        takeaway="People who kept running felt less tired after twelve weeks.",
        findings="Tired less often, said the runners.",
        topics="exercise, lifestyle",
        symptoms="fatigue",
        credibility=3,
    ),
    "guillain-barre": dict(
        title="Guillain–Barré syndrome after infections",
        teaser="A rare nerve condition <b>seen</b> after some infections & vaccines.",
        takeaway="The syndrome was rare; most people recovered fully.",
        findings="Cases rose after a <script>virus</script> outbreak.",
        topics="causes",
        symptoms="weakness",
        credibility=2,
    ),
    "old-study": dict(
        title="A zebrafish study of nerve repair",
        teaser="Withdrawn.",
        takeaway="Zebrafish regrew nerves.",
        findings="Zebrafish.",
        topics="causes",
        symptoms="",
        credibility=1,
        status="withdrawn",
    ),
}

ES = {
    "hormigueo": dict(
        title="La parestesia es frecuente al principio de la EM",
        teaser="Sensaciones extrañas en la piel fueron la primera señal.",
        takeaway="La mayoría tuvo parestesia antes del diagnóstico del síndrome.",
        findings="Las personas que corren a menudo notaron menos cansancio.",
        topics="symptom-management",
        symptoms="paresthesia",
        credibility=4,
    ),
}

EN_THESAURUS = """\
paresthesia:
  clinical: paresthesia
  lay: [pins and needles, tingling, numbness]
fatigue:
  clinical: fatigue
  lay: [tired, exhausted, worn out]
"""

# What the translations stage will produce from the PO catalog, written by hand here.
ES_THESAURUS = """\
paresthesia:
  clinical: parestesia
  lay: [hormigueo, entumecimiento, agujas y alfileres]
"""


CARERS = {
    "carer-sleep": dict(
        title="Carers who slept badly felt worse",
        teaser="Poor sleep was common among family carers.",
        takeaway="Carers sleeping under six hours often felt low.",
        findings="Half the carers woke at night to help someone; many felt tired by day.",
        topics="caring",
        symptoms="sleep-problems",
        credibility=3,
    ),
    "carer-breaks": dict(
        title="Short breaks helped carers cope",
        teaser="A few hours off each week made a difference.",
        takeaway="Carers who took breaks reported less stress.",
        findings="Stress scores fell by a fifth after three months of breaks.",
        topics="caring",
        symptoms="stress",
        credibility=4,
    ),
}


@pytest.fixture
def bundles_dir(tmp_path):
    root = tmp_path / "bundles"
    write(root, "ms", "en", EN, EN_THESAURUS)
    write(root, "em", "es", ES, ES_THESAURUS)
    write(root, "cr", "en", CARERS)
    return root


def test_response_shape(client, built):
    result = find(client, "paresthesia")
    assert set(result) == {
        "query",
        "bundle",
        "locale",
        "version",
        "bundles",
        "total",
        "page",
        "hits",
        "facets",
        "suggestion",
        "query_terms",
    }
    assert (result["bundle"], result["locale"], result["version"]) == ("ms", "en", 1)
    assert result["bundles"] == [{"id": "ms", "title": "Search test bundle", "version": 1}]
    hit = result["hits"][0]
    assert (hit["bundle"], hit["bundle_title"]) == ("ms", "Search test bundle")
    assert hit["id"] == "nerve-symptoms" and hit["published"] == "2025-01-10"
    assert hit["title"] == "Paresthesia is common in early MS" and hit["score"] > 0
    assert any("<mark>Paresthesia</mark>" in h for h in hit["highlights"])


def test_english_stemming_finds_other_word_forms(client, built):
    assert ids(find(client, "runs")) == ["running-study"]
    assert ids(find(client, "run tiredness")) == ["running-study"]


def test_spanish_stemming_and_accent_folding(client, built):
    assert ids(find(client, "correr", bundle="em")) == ["hormigueo"]  # text says "corren"
    assert ids(find(client, "sindrome", bundle="em")) == ["hormigueo"]  # text: "síndrome"
    assert ids(find(client, "guillain barre")) == ["guillain-barre"]  # title: "Barré"


def test_lay_words_find_the_clinical_term(client, built):
    result = find(client, "pins and needles")
    assert ids(result)[0] == "nerve-symptoms"  # the article never says "pins" or "needles"
    assert ids(find(client, "hormigueo", bundle="em")) == ["hormigueo"]  # only "parestesia"


def test_a_symptom_tag_finds_its_article(client, built):
    # Only running-study is about fatigue: its symptom tag, and "tired" (a thesaurus
    # relative) in its text.
    assert ids(find(client, "fatigue")) == ["running-study"]


def test_typo_is_matched_and_suggested(client, built):
    result = find(client, "paresthsia in hands")
    assert ids(result)[0] == "nerve-symptoms"
    assert result["suggestion"] == "paresthesia in hands"
    assert find(client, "paresthesia")["suggestion"] is None


def test_last_word_matches_as_prefix_while_typing(client, built):
    result = find(client, "pares")
    assert ids(result) == ["nerve-symptoms"] and result["suggestion"] is None
    assert ids(find(client, "guillain syndr")) == ["guillain-barre"]


def test_phrase_and_exclusion(client, built):
    assert ids(find(client, '"less tired"')) == ["running-study"]
    assert ids(find(client, '"tired less"')) == ["running-study"]  # "Tired less often"
    assert ids(find(client, '"nerve tired"')) == []
    assert "guillain-barre" in ids(find(client, "nerve"))
    assert "guillain-barre" not in ids(find(client, "nerve -syndrome"))


def test_query_terms_are_the_typed_words_as_analysed(client, built):
    # What a reader who turned it on reports of a search that found nothing: stemmed and
    # folded, without the phrase or the excluded word, and found or not.
    result = find(client, 'Running zebrafishes "less tired" -syndrome')
    assert result["query_terms"] == ["run", "zebrafish"]
    assert find(client, "Síndromes", bundle="em")["query_terms"] == ["sindrom"]


def test_field_syntax_is_just_words(client, built):
    for q in ["title:paresthesia", "paresthesia AND (", "*", "par?sthesia", "a:b:c \\ ) ]"]:
        response = client.get("/api/v1/search", query_string={"q": q, "bundle": "ms"})
        assert response.status_code in (200, 400)
        assert response.status_code == 200 or response.json["error"]["code"] == "query_empty"


def test_filters_and_facets(client, built):
    everything = find(client, "people")
    assert everything["facets"]["symptoms"] == {"fatigue": 1, "paresthesia": 1, "weakness": 1}
    assert everything["facets"]["topics"]["causes"] == 1
    assert ids(find(client, "people", topic="exercise")) == ["running-study"]
    assert ids(find(client, "people", symptom="paresthesia")) == ["nerve-symptoms"]
    assert set(ids(find(client, "people", min_credibility=3))) == {
        "nerve-symptoms",
        "running-study",
    }
    filtered = find(client, "people", topic="exercise")
    assert filtered["facets"]["topics"] == {"exercise": 1, "lifestyle": 1}


def test_paging(client, built):
    first = find(client, "people", limit=2)
    second = find(client, "people", limit=2, page=2)
    assert first["total"] == 3 and len(first["hits"]) == 2 and len(second["hits"]) == 1
    assert not set(ids(first)) & set(ids(second))


def test_highlights_escape_the_article_text(client, built):
    hit = find(client, "seen")["hits"][0]
    assert hit["id"] == "guillain-barre"
    fragment = next(h for h in hit["highlights"] if "<mark>seen</mark>" in h)
    assert "&lt;b&gt;<mark>seen</mark>&lt;/b&gt;" in fragment and "&amp; vaccines" in fragment
    script = find(client, "outbreak")["hits"][0]["highlights"][0]
    assert "&lt;script&gt;" in script and "<script>" not in script


def test_withdrawn_articles_are_not_searchable(client, built):
    assert find(client, "zebrafish")["total"] == 0


def test_a_pasted_question_finds_the_right_article(client, built):
    question = (
        "my mother was diagnosed last year and now she is always tired and her legs "
        "tingle, is this normal? " * 8
    )[:1000]
    assert set(ids(find(client, question))[:2]) == {"running-study", "nerve-symptoms"}


@pytest.mark.parametrize(
    "q, code",
    [("x" * 1001, "query_too_long"), ("?! -", "query_empty"), ("a", "query_empty")],
    ids=["too long", "punctuation", "one letter"],
)
def test_unsearchable_queries_are_400(client, built, q, code):
    response = client.get("/api/v1/search", query_string={"q": q, "bundle": "ms"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == code


def test_thesaurus_is_part_of_the_version(client, bundles_dir, build):
    build()
    manifest = client.get("/api/v1/bundles/ms/en").json
    assert manifest["search"]["thesaurus"]["paresthesia"][0] == "paresthesia"
    path = bundles_dir / "ms" / "thesaurus.yaml"
    path.write_text(path.read_text().replace("numbness]", "numbness, prickling]"))
    build()
    assert client.get("/api/v1/bundles/ms/en").json["version"] == 2
    assert ids(find(client, "prickling"))[0] == "nerve-symptoms"


def test_thesaurus_errors_name_file_line_and_field(bundles_dir, build):
    (bundles_dir / "ms" / "thesaurus.yaml").write_text(
        "fatigue:\n  clinical: fatigue\n  lay: tired\nBad Concept:\n  clinical: x\n  lay: [y]\n"
    )
    stderr = build(expect_ok=False).stderr
    assert "ms/thesaurus.yaml:3: fatigue.lay: must be a list" in stderr
    assert "ms/thesaurus.yaml:4: Bad Concept: 'Bad Concept' is not a slug" in stderr


def test_index_swaps_with_each_publish(app, client, bundles_dir, build):
    build()
    store = Store(app.config["DATA_DIR"])
    index = store.bundles_dir / "ms" / "en" / "index"
    assert find(client, "zebrafish")["total"] == 0
    path = bundles_dir / "ms" / "summaries" / "running-study.md"
    path.write_text(path.read_text().replace("Tired less often", "Zebrafish less often"))
    # Debris of an interrupted publish: a half-copied index and an unpublished version.
    (index / ".partial-abc").mkdir()
    (index / "9").mkdir()
    build()
    result = find(client, "zebrafish")
    assert (result["version"], ids(result)) == (2, ["running-study"])
    assert sorted(p.name for p in index.iterdir()) == ["1", "2"]
    path.write_text(path.read_text().replace("Zebrafish less often", "Rarely tired"))
    build()
    assert find(client, "zebrafish")["total"] == 0 and find(client, "rarely")["version"] == 3
    # Retention 2: version 1 is pruned together with its index.
    assert sorted(p.name for p in index.iterdir()) == ["2", "3"]
    assert store.versions("ms", "en") == [2, 3]


def test_search_of_an_unknown_bundle_or_locale_is_404(client, built):
    response = client.get("/api/v1/search?q=x&bundle=nope")
    assert response.json["error"]["code"] == "bundle_not_found"
    response = client.get("/api/v1/search?q=tired&bundle=ms&locale=fr")
    assert response.json["error"]["code"] == "locale_not_found"


def test_translated_thesaurus_plugs_in_per_locale(tmp_path):
    from satchel.stages.thesaurus import Thesaurus

    thesaurus = Thesaurus("en", {"fatigue": {"clinical": "fatigue", "lay": ["tired", "worn out"]}})
    spanish = {"fatigue": ["fatiga", "cansancio", "agotado", "fatiga", " "]}
    assert thesaurus.for_locale("en", {}) == {"fatigue": ["fatigue", "tired", "worn out"]}
    assert thesaurus.for_locale("es", spanish) == {"fatigue": ["fatiga", "cansancio", "agotado"]}
    assert thesaurus.for_locale("fr", {}) == {}


REFERENCE = """\
---
kind: reference
id: ref-one
title: Tingling hands
source:
  url: https://example.org/tingling
  collection: Example Health
---

## Overview

Tingling in the hands has many causes.

## Who is at risk?

- People with diabetes

## Overview

A second overview.
"""


def test_reference_articles_are_packed_and_searchable(app, client, bundles_dir, build):
    (bundles_dir / "ms" / "summaries" / "ref-one.md").write_text(REFERENCE)
    build()
    manifest = client.get("/api/v1/bundles/ms/en").json
    entry = next(a for a in manifest["articles"] if a["id"] == "ref-one")
    article = json.loads(Store(app.config["DATA_DIR"]).object_path(entry["object"]).read_bytes())
    assert article["kind"] == "reference" and "ratings" not in article
    assert article["source"] == {
        "url": "https://example.org/tingling",
        "collection": "Example Health",
    }
    assert [(s["id"], s["title"]) for s in article["sections"]] == [
        ("overview", "Overview"),
        ("who-is-at-risk", "Who is at risk?"),
        ("overview-2", "Overview"),
    ]
    assert article["sections"][1]["html"] == "<ul>\n<li>People with diabetes</li>\n</ul>"
    assert ids(find(client, "diabetes")) == ["ref-one"]
    # A reference has no rating, so a credibility filter leaves it out.
    assert ids(find(client, "diabetes", min_credibility=1)) == []


def test_reference_articles_are_validated(bundles_dir, build):
    text = REFERENCE.replace("  collection: Example Health\n", "").replace(
        "## Overview\n", "# Overview\n", 1
    )
    (bundles_dir / "ms" / "summaries" / "ref-one.md").write_text(text)
    stderr = build(expect_ok=False).stderr
    assert "ms/summaries/ref-one.md:5: source.collection: is required" in stderr
    assert "ms/summaries/ref-one.md:9: body: use '## Heading' for sections" in stderr


MEDQUAD_LINES = [
    {
        "id": "GARD-0000001",
        "source": "GARD",
        "url": "https://example.org/gard/1",
        "title": "Example syndrome",
        "sections": [
            {"heading": "Symptoms", "qtype": "symptoms", "text": "Fever.\n\n- a\n\n- b"},
            {"heading": "Treatment", "qtype": "treatment", "text": "# Rest.\n\nFluids."},
        ],
    },
    {
        "id": "GHR-0000002",
        "source": "GHR",
        "url": "https://example.org/ghr/2",
        "title": "Example syndrome",
        "sections": [{"heading": "Inheritance", "qtype": "inheritance", "text": "Recessive."}],
    },
]


def test_import_medquad_builds_and_searches(tmp_path, app, runner, client):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps(line) + "\n" for line in MEDQUAD_LINES))
    out = tmp_path / "imported"
    result = runner.invoke(
        args=[
            "bundles",
            "import",
            str(corpus),
            "--format",
            "medquad",
            "--bundle",
            "mq",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 articles written" in result.output
    assert sorted(p.name for p in (out / "mq" / "summaries").iterdir()) == [
        "gard-0000001.md",
        "ghr-0000002.md",
    ]
    app.config["BUNDLES_DIR"] = str(out)
    built = runner.invoke(args=["bundles", "build", "--strict"])
    assert built.exit_code == 0, built.output
    manifest = client.get("/api/v1/bundles/mq/en").json
    assert manifest["license"]["name"] == "CC BY 4.0"
    assert "MedQuAD" in manifest["license"]["attribution"]
    assert [a["teaser"] for a in manifest["articles"]] == ["Fever.", "Recessive."]
    assert ids(find(client, "symptoms of example syndrome", bundle="mq"))[0] == "gard-0000001"
    assert ids(find(client, "is example syndrome inherited", bundle="mq"))[0] == "ghr-0000002"
    text = (out / "mq" / "summaries" / "gard-0000001.md").read_text()
    assert "\\# Rest." in textwrap.dedent(text)


def test_kept_postings_stay_within_their_budget_and_change_no_result(
    app, client, built, monkeypatch
):
    """A worker answering many different questions keeps postings (and their BM25 figures,
    each term's documents and counts) within budgets in bytes, each entry counted at its
    own bytes as well as its items', a term absent from a field too; those it forgets are
    read again, and results are the same."""
    from satchel.search import engine as search
    from satchel.web.caching import cache

    queries = ["fatigue", "walking speed", "pins and needles", "tired", "sleep", "bladder"]
    unbounded = [find(client, q) for q in queries]
    search.close_indexes()
    search.stem.cache_clear()
    budget = 3 * search.ENTRY_BYTES
    for name in ("POSTINGS_KEPT", "IMPACTS_KEPT", "DOCSETS_KEPT", "DF_KEPT"):
        monkeypatch.setattr(search, name, budget)
    for _ in range(2):
        with app.app_context():
            cache.clear()  # the responses, so that every search runs again
        assert [find(client, q) for q in queries] == unbounded
    kept = [
        getattr(ix, name)
        for ix in search._open.values()
        for name in ("_postings", "_docsets", "_df")
    ]
    kept += [collection._impacts for collection in search._collections.items.values()]
    assert len(kept) >= 4 and all(k.total <= budget or len(k.items) == 1 for k in kept)
    assert all(len(k.items) <= 3 for k in kept)


def test_without_a_bundle_every_bundle_of_the_locale_is_searched(client, built):
    """"Always tired" in the carers' bundle alone misses the MS article about tiredness;
    searched everywhere, that article comes first and each hit names its bundle."""
    assert "running-study" not in ids(find(client, "always tired", bundle="cr"))
    result = find(client, "always tired", bundle=None, locale="en")
    assert (result["bundle"], result["version"]) == (None, None)
    assert result["bundles"] == [
        {"id": "cr", "title": "Search test bundle", "version": 1},
        {"id": "ms", "title": "Search test bundle", "version": 1},
    ]
    first = result["hits"][0]
    assert (first["bundle"], first["id"]) == ("ms", "running-study")
    assert {hit["bundle"] for hit in result["hits"]} == {"ms", "cr"}
    assert all(hit["bundle_title"] == "Search test bundle" for hit in result["hits"])


def test_merged_bundles_rank_as_one_bundle_holding_both(tmp_path, client, built):
    """The documented merge: scores from several indexes are those of one index holding
    every article, so a bundle made of both bundles' articles ranks them identically."""
    root = tmp_path / "together"
    write(root, "both", "en", EN | CARERS, EN_THESAURUS)
    data = tmp_path / "together-data"
    build(root, data)
    together = create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(root)}).test_client()
    for q in ["always tired", "carers stress", "pins and needles", "slept", "nerve"]:
        merged = find(client, q, bundle=None, locale="en")
        one = find(together, q, bundle="both")
        assert [h["id"] for h in merged["hits"]] == [h["id"] for h in one["hits"]], q
        for a, b in zip(merged["hits"], one["hits"], strict=True):
            assert a["score"] == pytest.approx(b["score"], rel=1e-12), q
        assert (merged["total"], merged["facets"]) == (one["total"], one["facets"]), q


def test_pages_and_facets_run_across_bundles(client, built):
    everything = find(client, "tired stress sleep", bundle=None, locale="en", limit=50)
    assert len({hit["bundle"] for hit in everything["hits"]}) == 2
    pages = [
        find(client, "tired stress sleep", bundle=None, locale="en", limit=1, page=n)["hits"][0]
        for n in range(1, everything["total"] + 1)
    ]
    assert [(h["bundle"], h["id"]) for h in pages] == [
        (h["bundle"], h["id"]) for h in everything["hits"]
    ]
    assert everything["facets"]["topics"]["caring"] == 2
    only_caring = find(client, "tired stress sleep", bundle=None, locale="en", topic="caring")
    assert {hit["bundle"] for hit in only_caring["hits"]} == {"cr"}


def test_without_a_bundle_the_locale_follows_the_request(client, built):
    spanish = client.get(
        "/api/v1/search", query_string={"q": "parestesia"}, headers={"Accept-Language": "es"}
    ).json
    assert (spanish["locale"], [h["bundle"] for h in spanish["hits"]]) == ("es", ["em"])
    response = client.get("/api/v1/search", query_string={"q": "tired", "locale": "fr"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "locale_not_found"


def test_a_question_whose_words_are_in_no_one_article_finds_its_subject(client, built):
    """No article holds "jogging", "exhausted" and "afternoons" together: the one about
    running and tiredness still comes first, with other articles after it."""
    result = find(client, "does jogging help when I'm exhausted in the afternoons?")
    assert ids(result)[0] == "running-study"


@pytest.mark.parametrize(
    "question, subject",
    [
        ("Does exercise help with MS tiredness?", "exercise-for-fatigue"),
        ("is it safe to get pregnant when you have MS", "pregnancy-and-relapses"),
        ("can vitamin d prevent ms", "vitamin-d-and-ms-risk"),
        ("how do carers cope with stress", "start-coping-programme"),
    ],
)
def test_a_short_natural_question_finds_its_article_first_and_more(samples, question, subject):
    result = find(samples.test_client(), question, bundle=None, locale="en")
    assert ids(result)[0] == subject
    assert result["total"] > 5  # and more to read, not a handful of exact matches


def test_always_tired_finds_the_ms_fatigue_article_from_every_bundle(samples):
    result = find(samples.test_client(), "always tired", bundle=None, locale="en")
    assert (result["hits"][0]["bundle"], ids(result)[0]) == ("ms-research", "exercise-for-fatigue")
    assert {hit["bundle"] for hit in result["hits"]} == {"caregiving", "ms-research"}


def client_of(tmp_path, bundle_id: str, articles: dict, locale: str = "en"):
    """A client of one bundle of ``articles`` (English unless ``locale``), built."""
    root = tmp_path / "bundles"
    write(root, bundle_id, locale, articles)
    build(root, tmp_path / "data")
    return create_app({"DATA_DIR": str(tmp_path / "data"), "BUNDLES_DIR": str(root)}).test_client()


HEAT = {
    "stroke": dict(
        title="Stroke",
        teaser="What happens when blood stops reaching part of the brain.",
        takeaway="Most people were treated in hospital.",
        findings="Treatment within hours helped most.",
    ),
    "heat-stroke": dict(
        title="Heat stroke in older people",
        teaser="Cool rooms and drinks prevented heat stroke.",
        takeaway="Heat stroke was rarer in homes with a cool room.",
        findings="Heat illness fell when people drank water often.",
    ),
}


def test_a_two_word_question_finds_the_article_both_words_name_first(tmp_path, runner):
    """ "heat stroke": the article about heat stroke comes before the one titled with the
    rarer word alone, whose title covers only part of the question and so gets only that
    part of the title bonus; "stroke" alone still finds that one first."""
    client = client_of(tmp_path, "heat", HEAT | EN)
    assert ids(find(client, "heat stroke", bundle="heat"))[:2] == ["heat-stroke", "stroke"]
    assert ids(find(client, "stroke", bundle="heat"))[0] == "stroke"


CRAMPS = {
    "leg-cramps": dict(
        title="Stretching before bed",
        teaser="Calf stretches eased leg cramps.",
        takeaway="People who stretched before bed woke less often with cramps in a leg.",
        findings="Sleep improved over six weeks.",
    ),
    "athletes": dict(
        title="Salt drinks for runners",
        teaser="Cramps in runners, and salt drinks did not prevent cramps.",
        takeaway="Cramps were as common with salt drinks as without.",
        findings="Runners with cramps had run further.",
    ),
}


def test_a_two_word_question_prefers_the_article_holding_both_over_the_rarer_word_alone(
    tmp_path,
):
    """ "leg cramps": "cramps" is the rarer word, and the runners' article holds it four
    times, but the article holding both words comes first (coordination); neither title is
    named, so the title bonus decides nothing."""
    client = client_of(tmp_path, "cramps", CRAMPS | EN)
    assert ids(find(client, "leg cramps", bundle="cramps"))[:2] == ["leg-cramps", "athletes"]
    assert ids(find(client, "cramps", bundle="cramps"))[0] == "athletes"


ASTHMA = {
    "asthma-nights": dict(
        title="Inhalers at bedtime",
        teaser="Children with asthma slept better with an inhaler at bedtime.",
        takeaway="Night-time asthma eased when the inhaler came before bed.",
        findings="Asthma woke fewer children.",
    ),
    "eczema": dict(
        title="A moisturiser every day",
        teaser="A daily moisturiser kept eczema away in babies.",
        takeaway="Fewer babies had eczema at one year.",
        findings="Eczema was milder too.",
    ),
}


def test_a_long_message_finds_the_subject_it_keeps_naming_before_a_rarer_word_said_once(
    tmp_path,
):
    """The parent names asthma three times and eczema once, in passing: the asthma article
    comes first (repetition), though "eczema" is the rarer word in everyday English; said
    once each, the rarer word wins."""
    client = client_of(tmp_path, "asthma", ASTHMA | EN)
    message = (
        "My son has asthma and his asthma is worse in winter. What can we do about the "
        "asthma? He had eczema once."
    )
    assert ids(find(client, message, bundle="asthma"))[:2] == ["asthma-nights", "eczema"]
    assert ids(find(client, "asthma or eczema", bundle="asthma"))[0] == "eczema"


@pytest.mark.parametrize("locale", sorted(TREATED))
def test_how_a_condition_is_treated_finds_the_article_with_a_treatment_section_first(
    tmp_path, locale
):
    """ "how is asthma treated": the stemmer makes "treat" of "treated" but leaves
    "Treatment" whole (Spanish: "trat" and "tratamient"); the article whose section is on
    treatment comes first all the same (derived forms, in headings only), and the other,
    which says "treated" twice, second."""
    question, articles = TREATED[locale]
    root = tmp_path / "bundles"
    write_references(root, "refs", locale, articles)
    build(root, tmp_path / "data")
    client = create_app({"DATA_DIR": str(tmp_path / "data"), "BUNDLES_DIR": str(root)})
    found = ids(find(client.test_client(), question, bundle="refs"))
    assert found == ["asthma-care", "asthma-school"]


def test_a_french_title_with_an_elided_article_is_named_by_its_noun(tmp_path):
    """ "asthme" names the article "L'asthme": the elided "l'" is no title word, so that
    article gets the title bonus and comes before the one that says "asthme" four times.
    English keeps its possessive "s" ("Parkinson's"), a word of the title as before."""
    client = client_of(tmp_path, "fr", ELISION, locale="fr")
    assert ids(find(client, "asthme", bundle="fr")) == ["asthme", "saisons"]
    assert title_words("L’asthme de l'enfant", "fr") == ["asthme", "de", "enfant"]
    assert title_words("Parkinson's disease", "en") == ["parkinson", "s", "diseas"]


def test_a_question_naming_a_whole_title_doubles_that_articles_score_and_no_other(tmp_path):
    """The title bonus of a one-word title the question is wholly about: twice the score the
    article has without it (``1 + TITLE_BONUS * 1 word * all the question``), and an article
    whose title the question doesn't name scores the same with the bonus or without."""
    from satchel.search import engine

    client_of(tmp_path, "heat", HEAT | EN)
    index = Store(tmp_path / "data").index_dir("heat", "en", 1)
    ix = engine.open_collection([("heat", index)])
    try:
        with_bonus, without = (
            {hit["id"]: hit["score"] for hit in engine.search(ix, "stroke", rules=rules)["hits"]}
            for rules in (engine.RULES, engine.RULES.without("title bonus"))
        )
    finally:
        engine.close_indexes()
    assert with_bonus["stroke"] == 2 * without["stroke"]
    assert with_bonus["heat-stroke"] == without["heat-stroke"]
