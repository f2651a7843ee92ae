"""Device search parity: the engine (static/lib/search-engine.js) in Chromium gives the server's
top-10 ids in the same order, with scores equal within 1e-9 relative, for every query, over
the sample bundles in every locale and a MedQuAD bundle (the first ``MEDQUAD_DOCS`` documents
of the shared corpus, imported with the importer), before and after a segment-adding update
and after a merge; words absent from the corpus are stemmed alike on both sides. Also: the
exported format decodes in JavaScript to Whoosh's own postings, and the worker answers while
the page stays usable."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from satchel import create_app
from satchel.commands.importer import import_corpus
from satchel.search import analysis
from satchel.search import engine as search
from satchel.stages.pipeline import build
from satchel.store import Store

from ..helpers.searching import ELISION, TREATED, write, write_references
from .conftest import PROJECT, controlled, install, ready, serve
from .parity import check, expected, run_parity

CORPUS = PROJECT.parent / "shared" / "corpus" / "medquad"
CONSUMER = PROJECT.parent / "shared" / "corpus" / "consumer" / "questions-dev.jsonl"
MEDQUAD_DOCS = 800  # a deterministic subset keeps the import and build to seconds
# Words absent from the corpus whose stem is indexed (the server finds the articles through
# it, so the device must too), by bundle and locale, with the forms that do occur.
UNSEEN = {
    ("medquad", "en"): ["iries"],  # "iris"
    ("caregiving", "en"): ["runs", "running"],  # "run"
    ("ms-research", "en"): ["walks"],  # "walk", "walking"
    ("ms-research", "es"): ["fatigas", "cuidadoras"],  # "fatiga", "cuidadores"
    ("ms-research", "pt-BR"): ["fadigas", "cuidadoras"],  # "fadiga", "cuidadores"
    ("ms-research", "ar"): ["المرض", "الأمراض"],  # "ممرض"
}


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("device-search")
    bundles, data = root / "bundles", root / "data"
    shutil.copytree(PROJECT / "bundles", bundles)
    subset = root / "medquad.jsonl"
    with open(CORPUS / "docs.jsonl") as source, open(subset, "w") as out:
        for _, line in zip(range(MEDQUAD_DOCS), source, strict=False):
            out.write(line)
    import_corpus(subset, "medquad", "medquad", bundles)
    # A preview build: nothing here weighs the objects' brotli copies, a quarter of the build.
    build(bundles, data, translations_dir=PROJECT / "translations", preview=True)
    url, stop = serve(create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles)}))
    yield {"bundles": bundles, "data": data, "url": url, "subset": subset}
    stop()


def queries_for(ix: search.SearchIndex, rng: random.Random, questions=()) -> list:
    forms = [f for f in ix.form_list if not f.isdigit()]
    long = [f for f in forms if len(f) >= 6]
    queries = [[f, {}] for f in rng.sample(forms, min(60, len(forms)))]
    queries += [[f[: rng.randrange(3, len(f))], {}] for f in rng.sample(long, min(50, len(long)))]
    for f in rng.sample(long, min(50, len(long))):  # typos: one swap, one deletion
        i = rng.randrange(1, len(f) - 2)
        queries.append([f[:i] + f[i + 1] + f[i] + f[i + 2 :], {}])
        queries.append([f[:i] + f[i + 1 :], {}])
    queries += [[" ".join(rng.sample(forms, 3)), {}] for _ in range(30)]
    queries += [[f"{a} {b} {a} {a}", {}] for a, b in zip(forms[:5], forms[-5:], strict=True)]
    queries += [
        [f"{a} {b[:4]}", {}]
        for a, b in zip(rng.sample(forms, 20), rng.sample(long, 20), strict=True)
    ]
    titles = [d.title for d in rng.sample(ix.docs, min(20, len(ix.docs)))]
    queries += [[t, {}] for t in titles]
    queries += [[f'"{" ".join(t.split()[:2])}"', {}] for t in titles[:10]]
    queries += [
        [f"{a} -{b}", {}] for a, b in zip(rng.sample(forms, 10), rng.sample(forms, 10), strict=True)
    ]
    queries += [[q, {}] for q in questions]
    queries += [["zqxjkv", {}], ["the and of", {}], ["", {}], ["what are the symptoms", {}]]
    for doc in ix.docs[:6]:
        word = rng.choice(forms)
        if doc.topics:
            queries.append([word, {"topic": doc.topics[0]}])
        if doc.symptoms:
            queries.append([word, {"symptom": doc.symptoms[0]}])
        queries.append([word, {"min_credibility": 3}])
    for entries in ix.thesaurus.values():  # lay terms
        queries += [[entry, {}] for entry in entries[:3]]
    shorts = sorted(ix.abbreviations)
    for short in rng.sample(shorts, min(30, len(shorts))):  # both ways: short and long forms
        queries += [[short, {}]] + [[long, {}] for long in ix.abbreviations[short][:3]]
    return queries


def medquad_questions(subset: Path, count: int) -> list[str]:
    ids = {json.loads(line)["id"] for line in subset.read_text().splitlines()}
    found = []
    for line in (CORPUS / "questions-dev.jsonl").read_text().splitlines():
        question = json.loads(line)
        if question["doc_id"] in ids:
            found.append(question["question"])
    return found[:count]


def consumer_questions() -> list[str]:
    """Real questions as people send them, whole (up to 1,000 characters) and short."""
    found = []
    for line in CONSUMER.read_text().splitlines():
        question = json.loads(line)
        found += [question["question"][:1000]] + ([question["short"]] if question["short"] else [])
    return found


def test_format_round_trip_gives_whooshs_postings(page, corpus_site):
    page.goto(corpus_site["url"] + "/")
    store = Store(corpus_site["data"])
    ix = search.open_index(store.index_dir("ms-research", "en", 1))
    terms = sorted({t for f in search.FIELDS for t in ix.reader.field_terms(f)})
    assert terms
    _, _, postings, _ = run_parity(page, corpus_site["data"], "ms-research", "en", [], terms)
    for term in terms:
        for i, fieldname in enumerate(search.FIELDS):
            whoosh = [[ix.docs[d].id, int(w)] for d, w in ix.postings(fieldname, term)]
            assert postings[term][i] == whoosh, (term, fieldname)


def test_device_ranks_like_the_server_before_and_after_updates(page, corpus_site):
    page.goto(corpus_site["url"] + "/")
    rng = random.Random(7)
    data, bundles = corpus_site["data"], corpus_site["bundles"]
    total = 0
    store = Store(data)
    samples = [(b, locale) for b in ("caregiving", "ms-research") for locale in store.current(b)]
    assert len(samples) >= 6  # every translation: Arabic, Spanish and Portuguese stemmers too
    for bundle, locale in samples:
        ix = search.open_index(store.index_dir(bundle, locale, store.current(bundle)[locale]))
        queries = queries_for(ix, rng) + [[q, {}] for q in UNSEEN.get((bundle, locale), [])]
        n, bad, _, _ = run_parity(page, data, bundle, locale, queries)
        check(bad, n, f"{bundle}/{locale}: ")
        total += n

    questions = medquad_questions(corpus_site["subset"], 150) + consumer_questions()
    ix = search.open_index(store.index_dir("medquad", "en", 1))
    medquad = queries_for(ix, rng, questions) + [[q, {}] for q in UNSEEN[("medquad", "en")]]
    n, bad, _, ix = run_parity(page, data, "medquad", "en", medquad)
    check(bad, n, "medquad/en: ")
    total += n
    assert total >= 1000

    # A few articles change and one goes: one small segment and tombstones, same ranking.
    summaries = sorted((bundles / "medquad" / "summaries").glob("*.md"))
    for path in summaries[:5]:
        path.write_text(path.read_text() + "\n\nFurther reading on tingling hands and zymurgy.\n")
    summaries[5].unlink()
    build(bundles, data, ["medquad"], preview=True)
    search_entry = store.manifest("medquad", "en", 2)["search"]
    assert [s["docs"] for s in search_entry["segments"]] == [MEDQUAD_DOCS, 5]
    assert sum(len(t["ids"]) for t in search_entry["tombstones"]) == 6
    medquad += [["zymurgy", {}], ["tingling hands", {}], ["zymur", {}]]
    n, bad, _, ix = run_parity(page, data, "medquad", "en", medquad)
    check(bad, n, "medquad/en after the update: ")

    # Another small update: its segment takes in the small one before it, never the base.
    for path in summaries[6:9]:
        path.write_text(path.read_text() + "\n\nSee also zymurgy.\n")
    build(bundles, data, ["medquad"], preview=True)
    small = store.manifest("medquad", "en", 3)["search"]
    assert small["segments"][0] == search_entry["segments"][0]
    assert [s["docs"] for s in small["segments"]] == [MEDQUAD_DOCS, 8]
    n, bad, _, ix = run_parity(page, data, "medquad", "en", medquad)
    check(bad, n, "medquad/en after merging small segments: ")

    # Past the threshold (10 % of the documents), the next publish merges into a new base.
    for path in summaries[6:120]:
        path.write_text(path.read_text() + "\n\nReviewed again for zymurgy.\n")
    build(bundles, data, ["medquad"], preview=True)
    merged = store.manifest("medquad", "en", 4)["search"]
    assert [s["docs"] for s in merged["segments"]] == [MEDQUAD_DOCS - 1]
    assert merged["tombstones"] == []
    n, bad, _, ix = run_parity(page, data, "medquad", "en", medquad)
    check(bad, n, "medquad/en after the merge: ")


@pytest.mark.parametrize(
    "bundle, locale, abbreviation, long_form, article",
    [
        ("caregiving", "en", "COPD", "chronic obstructive pulmonary disease", "lung-rehab-at-home"),
        ("caregiving", "es", "EPOC", "enfermedad pulmonar obstructiva", "lung-rehab-at-home"),
        ("staying-well", "zh", "ITN", "用杀虫剂处理过的蚊帐", "bed-nets-and-malaria"),
    ],
)
def test_an_abbreviation_finds_its_article_first_on_the_device(
    page, corpus_site, bundle, locale, abbreviation, long_form, article
):
    """The sample summaries that define an abbreviation, in English, Spanish and Chinese
    (a Latin short form in text without capitals): the abbreviation alone finds it first,
    and the device ranks it and the long form like the server."""
    page.goto(corpus_site["url"] + "/")
    queries = [[abbreviation, {}], [abbreviation.lower(), {}], [long_form, {}]]
    n, bad, _, ix = run_parity(page, corpus_site["data"], bundle, locale, queries)
    check(bad, n, f"{bundle}/{locale}: ")
    assert abbreviation in ix.abbreviations
    assert expected(ix, abbreviation, {})["ids"][0] == [bundle, article]


@pytest.fixture(scope="module")
def title_site(tmp_path_factory):
    """Same-titled reference articles in English and Spanish (``TREATED``), and a French
    title with an elided article (``ELISION``)."""
    root = tmp_path_factory.mktemp("derived-forms")
    bundles, data = root / "bundles", root / "data"
    for locale, (_, articles) in TREATED.items():
        write_references(bundles, f"refs-{locale}", locale, articles)
    write(bundles, "refs-fr", "fr", ELISION)
    build(bundles, data)
    url, stop = serve(create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles)}))
    yield {"data": data, "url": url}
    stop()


@pytest.mark.parametrize(
    "locale, question, first",
    [(locale, question, ["asthma-care", "asthma-school"]) for locale, (question, _) in
     TREATED.items()] + [("fr", "asthme", ["asthme", "saisons"])],
)  # fmt: skip
def test_derived_forms_and_elided_articles_rank_on_the_device_as_on_the_server(
    page, title_site, locale, question, first
):
    """ "how is asthma treated", in English and Spanish: the device too puts the article
    with a section on treatment first (derived forms score in headings); French "asthme"
    names "L'asthme" (its elided "l'" is no title word). The server's order and scores, and
    the same for the question's last word twice over, or alone."""
    word = question.split()[-1]
    page.goto(title_site["url"] + "/")
    queries = [[question, {}], [f"{question} {word}", {}], [word, {}], ["l'asthme", {}]]
    queries += [["vitamine d'asthme", {}], ["vitamine d", {}]]  # "d'" elided, "d" a title word
    bundle = f"refs-{locale}"
    n, bad, _, ix = run_parity(page, title_site["data"], bundle, locale, queries)
    check(bad, n, f"{bundle}/{locale}: ")
    assert expected(ix, question, {})["ids"] == [[bundle, article] for article in first]


def test_every_bundle_at_once_ranks_like_the_server(page, corpus_site):
    """Bundles searched as one: one merged ranking, the same ids, bundles, order and scores on
    the device as on the server, for each locale the sample bundles share."""
    page.goto(corpus_site["url"] + "/")
    rng = random.Random(11)
    store = Store(corpus_site["data"])
    questions = medquad_questions(corpus_site["subset"], 60)
    for locale, bundles in (("en", ["caregiving", "medquad", "ms-research"]), ("es", None)):
        bundles = bundles or [b for b in store.bundles() if locale in store.current(b)]
        assert len(bundles) >= 2
        ix = search.open_collection(
            [(b, store.index_dir(b, locale, store.current(b)[locale])) for b in bundles]
        )
        queries = queries_for(ix, rng, questions if locale == "en" else ())
        n, bad, _, _ = run_parity(page, corpus_site["data"], bundles, locale, queries)
        check(bad, n, f"{'+'.join(bundles)}/{locale}: ")
        merged = {tuple(hit) for q, _ in queries[:80] for hit in expected(ix, q, {}).get("ids", [])}
        assert {bundle for bundle, _ in merged} == set(bundles)  # every bundle has hits


def test_unseen_inflections_find_the_articles_of_their_stem_on_both_sides(page, corpus_site):
    """An inflection absent from the corpus is stemmed on the device as on the server, not
    taken for a typo: the same articles, found through the stem's term."""
    page.goto(corpus_site["url"] + "/")
    store = Store(corpus_site["data"])
    for (bundle, locale), words in UNSEEN.items():
        path = store.index_dir(bundle, locale, store.current(bundle)[locale])
        ix = search.open_collection([(bundle, path)])
        for word in words:
            (form,) = analysis.forms(word, ix.lang)
            term = analysis.stem(ix.lang, form)
            assert form not in ix.forms and ix.df(term) > 0, (bundle, locale, word)
            want = expected(ix, word, {})
            assert want["total"] > 0 and want["suggestion"] is None, (bundle, locale, word)
        queries = [[word, {}] for word in words]
        n, bad, _, _ = run_parity(page, corpus_site["data"], bundle, locale, queries)
        check(bad, n, f"{bundle}/{locale} unseen inflections: ")


def test_a_word_absent_from_the_corpus_finds_nothing_without_error(page, corpus_site):
    page.goto(corpus_site["url"] + "/")
    n, bad, _, _ = run_parity(page, corpus_site["data"], "ms-research", "en", [["qwxzvbn", {}]])
    assert not bad
    found = page.evaluate(
        """async () => {
            const engine = await import("/static/lib/search-engine.js");
            const bundle = await (await fetch("/api/v1/bundles/ms-research/en")).json();
            const get = async (s) => (await fetch(`/api/v1/objects/${s.object}`)).arrayBuffer();
            const buffers = await Promise.all(bundle.search.segments.map(get));
            const ix = await engine.openIndex([{bundle: "ms-research", buffers, tombstones: []}]);
            return engine.search(ix, "qwxzvbn");
        }"""
    )
    assert (found["total"], found["hits"], found["suggestion"]) == (0, [], None)


def test_search_runs_in_a_worker_and_the_page_keeps_responding(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    install(page, "Caring for someone: what research says")
    install(page, "MS research explained")
    install(page, "Staying well at home")  # every bundle: the device answers
    page.get_by_role("link", name="Search", exact=True).click()
    box = page.get_by_label("Search for a word or a symptom")
    box.press_sequentially("exhaus", delay=30)  # results while typing: the prefix finds them
    expect(page.locator("#status")).to_contain_text("for “exhaus”")
    assert any(w.url.endswith("/static/lib/search-worker.js") for w in page.workers)
    # While the worker searches, the page's thread still takes every keystroke.
    box.press_sequentially("ted", delay=30)
    expect(box).to_have_value("exhausted")
    expect(page.locator("#status")).to_contain_text("for “exhausted”")
    expect(page.locator(".results .card").first).to_be_visible()
