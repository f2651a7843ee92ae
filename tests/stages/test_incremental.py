"""A rebuild that reuses the published index and the build cache publishes exactly
what a build from scratch would: the same objects and manifests, the same search
results (ids, order, scores) and the same live device index.

One bundle goes through a series of changes (an edit, an addition, a removal, a
withdrawal, a Spanish translation). After each, three data folders are built
through ``satchel build``: one incrementally, one whose build cache is
deleted or corrupted before every build, and a fresh one built from scratch.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from satchel import create_app
from satchel.commands.synth import FALLBACK_WORDS, edit_summaries, synthesize
from satchel.manifest import PUBLISHED_MEMBERS, object_names
from satchel.search import engine
from satchel.stages import index as index_stage
from satchel.stages.device_export import Source, decode_segment, encode_segment
from satchel.stages.index import INDEX_CODE, STATE_FILE
from satchel.stages.publish import compress
from satchel.store import Store

from ..helpers.translating import translate

BUNDLE = "synthetic"
COUNT = 60  # a tenth (the merge ratio) is more than one step changes, not than all of them
# Words of the synthetic corpus, the sentence every edit adds, a phrase, an exclusion,
# a typo and a prefix (search as you type), so statistics of every kind score.
QUERIES = [
    "syndrome",
    "genetic changes",
    "treatment of pain",
    "blood pressure",
    "children symptoms",
    "a later check of the data confirmed this",
    '"later check"',
    "confirmed -syndrome",
    "syndorme",
    "inherit",
    "brain damage risk",
    # A long message: more distinct words than the term cap keeps.
    " ".join(FALLBACK_WORDS),
]


def run_build(bundles: Path, data: Path, translations: Path, preview: bool = True) -> str:
    """``satchel bundles build`` without the first-install packs, which no test here compares
    (brotli at its highest quality took a fifth of the time of these tests), and, unless a
    test weighs the objects' brotli copies, as a preview build (brotli at a fast quality)."""
    app = create_app(
        {
            "TESTING": True,
            "BUNDLES_DIR": str(bundles),
            "DATA_DIR": str(data),
            "TRANSLATIONS_DIR": str(translations),
            "PRUNE_GRACE_SECONDS": 0,
        }
    )
    preview_flag = ["--preview"] if preview else []
    result = app.test_cli_runner().invoke(
        args=["bundles", "build", "--no-compress-packs", *preview_flag]
    )
    assert result.exit_code == 0, result.output
    return result.output


def search_results(data: Path, locale: str, titles: list[str]) -> dict:
    client = create_app({"TESTING": True, "DATA_DIR": str(data)}).test_client()
    found = {}
    for query in QUERIES + titles:
        for page in (1, 2):  # every article: a page holds at most 50
            response = client.get(
                "/api/v1/search",
                query_string={
                    "bundle": BUNDLE,
                    "locale": locale,
                    "q": query,
                    "limit": 50,
                    "page": page,
                },
            )
            assert response.status_code == 200, response.json
            body = response.json
            del body["version"]  # numbered per data folder, as the searched bundles are
            body["bundles"] = [{**b, "version": None} for b in body["bundles"]]
            found[query, page] = body
    return found


def device_view(store: Store, manifest: dict) -> dict:
    """What a device holding every segment searches: live postings, forms, statistics."""
    entry = manifest["search"]
    dead = {(t["segment"], i) for t in entry["tombstones"] for i in t["ids"]}
    postings: dict[tuple[str, str], list] = {}
    forms: dict[str, str] = {}
    header = {}
    for k, segment in enumerate(entry["segments"]):
        decoded = decode_segment(store.object_path(segment["object"]).read_bytes())
        for term, by_field in decoded["postings"].items():
            for field, items in by_field.items():
                live = [item for item in items if (k, item[0]) not in dead]
                postings.setdefault((term, field), []).extend(live)
        for form in decoded["header"]["forms_removed"]:
            forms.pop(form, None)
        forms.update(decoded["forms"])
        header = decoded["header"]
    kept = {key: sorted(items) for key, items in postings.items() if items}
    newest = {key: header[key] for key in ("live", "thesaurus", "stemmer", "rules")}
    return {"postings": kept, "forms": forms, "newest": newest}


def snapshot(data: Path) -> dict:
    """Per locale: the manifest without version, date and segment list; every object it
    names; search results; the device's live index."""
    store = Store(data)
    view = {}
    for locale, version in store.current(BUNDLE).items():
        manifest = store.manifest(BUNDLE, locale, version)
        titles = [entry["title"] for entry in manifest["articles"][::7]]
        body = {k: v for k, v in manifest.items() if k not in PUBLISHED_MEMBERS + ("keys",)}
        body["search"] = {
            k: v for k, v in manifest["search"].items() if k not in ("segments", "tombstones")
        }
        view[locale] = {
            "manifest": body,
            "objects": {
                name: store.object_path(name).read_bytes()
                for name in object_names(manifest, search=False)
            },
            "search": search_results(data, locale, titles),
            "device": device_view(store, manifest),
            "commonness": index_meta(store, locale, version)["commonness"],
        }
    return view


def index_meta(store: Store, locale: str, version: int) -> dict:
    return json.loads((store.index_dir(BUNDLE, locale, version) / "search.json").read_text())


# Each data folder has its own publisher key, and a signature covers the publication time.
UNCOMPARED = re.compile(rb'"(published_at":"[^"]*"|keys":\[[^\]]*\]|signature":\{[^}]*\})')


def published_files(data: Path) -> dict[str, bytes]:
    """Objects and manifests (without their publication time, keys and signature) as bytes."""
    files = {}
    for path in sorted(data.rglob("*")):
        relative = str(path.relative_to(data))
        manifest = re.fullmatch(r"bundles/[^/]+/(current|[^/]+/\d+)\.json", relative)
        if path.is_file() and (relative.startswith("objects/") or manifest):
            files[relative] = UNCOMPARED.sub(b"", path.read_bytes())
    return files


def unreferenced(folder: Path) -> list[str]:
    """Published summaries no other summary lists as related (safe to remove or withdraw)."""
    texts = {p.stem: p.read_text() for p in sorted((folder / "summaries").glob("*.md"))}
    related = set()
    for text in texts.values():
        listed = re.search(r"^related: \[(.*)\]$", text, re.M)[1]
        related |= {i.strip() for i in listed.split(",")}
    return [i for i, text in texts.items() if i not in related and "status: published" in text]


def edit(folder: Path, translations: Path) -> str:
    return f"edited {edit_summaries(folder, 3, seed=1)}"


def edit_in_place(folder: Path, translations: Path) -> str:
    """An edit that keeps the file's size and modification time, as some tools do: the
    build must not take the file for one it has parsed already."""
    path = sorted((folder / "summaries").glob("*.md"))[5]
    before = path.stat()
    path.write_text(path.read_text().replace(" the ", " THE ", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    return f"edited {path.stem} in place"


def add(folder: Path, translations: Path) -> str:
    source = sorted((folder / "summaries").glob("*.md"))[0]
    text = source.read_text().replace(f"id: {source.stem}", "id: added-summary-00001", 1)
    (folder / "summaries" / "added-summary-00001.md").write_text(text)
    return "added one"


def remove(folder: Path, translations: Path) -> str:
    victim = unreferenced(folder)[0]
    (folder / "summaries" / f"{victim}.md").unlink()
    return f"removed {victim}"


def withdraw(folder: Path, translations: Path) -> str:
    victim = unreferenced(folder)[1]
    path = folder / "summaries" / f"{victim}.md"
    path.write_text(path.read_text().replace("status: published", "status: withdrawn", 1))
    return f"withdrew {victim}"


def translate_one(folder: Path, translations: Path) -> str:
    sid = unreferenced(folder)[0]
    catalog = translations / "es" / "LC_MESSAGES" / f"{BUNDLE}.po"
    translate(catalog, {f"{sid}/title": "Un título traducido sobre la sangre"})
    return f"translated the title of {sid}"


CHANGES = [edit, edit_in_place, add, remove, withdraw, translate_one]


def built_once(root: Path, count: int, seed: int, languages: tuple[str, ...] = ()):
    """``count`` synthetic summaries with a catalog per language, built once: ``(where, a
    copy)``. Each test starts from the copy, in the same folder: the build cache knows
    files by their path."""
    work = root / "work"
    bundles, translations = work / "bundles", work / "translations"
    synthesize(bundles, count, seed=seed)
    app = create_app(
        {
            "TESTING": True,
            "BUNDLES_DIR": str(bundles),
            "DATA_DIR": str(root / "unused"),
            "TRANSLATIONS_DIR": str(translations),
        }
    )
    for language in languages:
        result = app.test_cli_runner().invoke(
            args=["i18n", "add-language", language, "--bundle", BUNDLE]
        )
        assert result.exit_code == 0, result.output
    run_build(bundles, work / "data", translations)
    shutil.copytree(work, root / "copy")
    return work, root / "copy"


def restored(built: tuple[Path, Path]) -> tuple[Path, Path, Path, Path]:
    """The bundles, the catalogs and the data folder they were built into once, as they
    were then: ``(bundles, the bundle's folder, translations, data)``."""
    work, copy = built
    shutil.rmtree(work)
    shutil.copytree(copy, work)
    bundles = work / "bundles"
    return bundles, bundles / BUNDLE, work / "translations", work / "data"


@pytest.fixture(scope="module")
def built_with_spanish(tmp_path_factory):
    return built_once(tmp_path_factory.mktemp("built-once"), COUNT, 3, ("es",))


@pytest.fixture
def sources(built_with_spanish):
    """The synthetic bundle with a Spanish catalog, as first built (see ``restored``)."""
    return restored(built_with_spanish)


@pytest.fixture(scope="module")
def built_200(tmp_path_factory):
    return built_once(tmp_path_factory.mktemp("built-200"), 200, 5)


@pytest.fixture
def sources_200(built_200):
    """200 synthetic summaries in English, as first built (see ``restored``): six edits of
    one summary each stay under the merge ratio (10 %)."""
    return restored(built_200)


def test_incremental_builds_publish_what_builds_from_scratch_would(sources, tmp_path):
    bundles, folder, translations, incremental = sources
    without_cache = tmp_path / "without-cache"
    shutil.copytree(incremental, without_cache)  # the same first build
    for step, change in enumerate(CHANGES):
        what = change(folder, translations)
        output = run_build(bundles, incremental, translations)
        assert "Rendered all" not in output, what
        cache = without_cache / ".cache" / "build.sqlite"
        if step % 2:
            cache.write_bytes(b"not a database")
        else:
            shutil.rmtree(cache.parent)
        run_build(bundles, without_cache, translations)
        scratch = tmp_path / f"scratch-{step}"
        run_build(bundles, scratch, translations)
        assert published_files(incremental) == published_files(without_cache), what
        assert snapshot(incremental) == snapshot(scratch), what


def test_unchanged_articles_are_not_indexed_again(sources):
    bundles, folder, translations, data = sources
    edit_summaries(folder, 1, seed=2)
    assert "Rendered 1 of" in run_build(bundles, data, translations)
    store = Store(data)
    assert store.current(BUNDLE) == {"en": 2, "es": 2}
    for locale in ("en", "es"):
        before, after = (store.index_dir(BUNDLE, locale, v) for v in (1, 2))
        # The new index holds the old one's Whoosh files (hard links), plus a new segment.
        shared = [p for p in after.iterdir() if p.suffix == ".seg" and (before / p.name).exists()]
        assert shared and all(os.path.samefile(p, before / p.name) for p in shared)
        segments = store.manifest(BUNDLE, locale, 2)["search"]["segments"]
        assert [s["docs"] for s in segments] == [COUNT, 1]


def brotli_bytes(store: Store, name: str) -> int:
    return store.object_path(name, "br").stat().st_size


def own_segment_bytes(store: Store, version: int, changed: list[str], forms_before: dict) -> int:
    """Brotli bytes of a segment of only the ``changed`` articles of ``version`` (en)."""
    folder = store.index_dir(BUNDLE, "en", version)
    meta = json.loads((folder / "search.json").read_text())
    added = {f: t for f, t in meta["forms"].items() if forms_before.get(f) != t}
    removed = [f for f in forms_before if f not in meta["forms"]]
    return len(compress(encode_segment(Source(folder, meta), changed, added, removed), "br"))


def test_small_updates_merge_small_segments_and_search_as_a_fresh_build(sources_200, tmp_path):
    """A phone updating after every edit never downloads the base again, nor more than a
    segment of the edited articles plus the smaller of that segment and the articles
    themselves; small segments merge; results stay exact."""
    bundles, folder, translations, data = sources_200
    store = Store(data)
    base = store.manifest(BUNDLE, "en", 1)["search"]["segments"][0]
    for version in range(2, 8):
        forms_before = device_view(store, store.manifest(BUNDLE, "en", version - 1))["forms"]
        changed = edit_summaries(folder, 1, seed=10 + version)
        run_build(bundles, data, translations, preview=False)  # weighs the segment's copy
        old, new = (store.manifest(BUNDLE, "en", v) for v in (version - 1, version))
        segments = new["search"]["segments"]
        assert segments[0] == base
        fetched = {s["object"] for s in segments} - {s["object"] for s in old["search"]["segments"]}
        (name,) = fetched
        own = own_segment_bytes(store, version, changed, forms_before)
        edited = [e["object"] for e in new["articles"] if e["id"] in changed]
        articles = sum(brotli_bytes(store, obj) for obj in edited)
        assert brotli_bytes(store, name) <= own + min(own, articles)
    # Six updates of one article each, merged into fewer segments after the base.
    assert 2 <= len(segments) < 7 and max(s["docs"] for s in segments[1:]) > 1
    scratch = tmp_path / "scratch"
    run_build(bundles, scratch, translations)
    assert snapshot(data) == snapshot(scratch)


def test_the_base_is_rewritten_once_a_tenth_of_the_documents_changed_not_before(sources_200):
    """An edit leaves a live copy in a later segment and a dead one in the base: one
    document, counted once against the merge ratio (10 % of 200: 20 documents)."""
    bundles, folder, translations, data = sources_200
    store = Store(data)
    base = store.manifest(BUNDLE, "en", 1)["search"]["segments"][0]
    edited = set(edit_summaries(folder, 12, seed=21))  # 24 copies, 12 documents
    run_build(bundles, data, translations)
    assert store.manifest(BUNDLE, "en", 2)["search"]["segments"][0] == base
    edited |= set(edit_summaries(folder, 12, seed=22))
    assert len(edited) > 20
    run_build(bundles, data, translations)
    search = store.manifest(BUNDLE, "en", 3)["search"]
    assert search["segments"][0] != base and len(search["segments"]) == 1


@pytest.mark.parametrize("damage", ["state", "whoosh", "manifest-object"])
def test_a_damaged_published_index_is_built_whole_with_the_same_result(sources, tmp_path, damage):
    bundles, folder, translations, data = sources
    store = Store(data)
    index = store.index_dir(BUNDLE, "en", 1)
    if damage == "state":
        (index / STATE_FILE).write_text("{")
    elif damage == "whoosh":
        for toc in index.glob("*.toc"):
            toc.unlink()
    else:  # the old copy of the article about to change is gone
        edited = edit_summaries(folder, 1, seed=4)[0]
        manifest = store.manifest(BUNDLE, "en", 1)
        name = next(a["object"] for a in manifest["articles"] if a["id"] == edited)
        store.object_path(name).unlink()
    if damage != "manifest-object":
        edit_summaries(folder, 1, seed=4)
    run_build(bundles, data, translations)
    before, after = (store.index_dir(BUNDLE, "en", v) for v in (1, 2))
    assert json.loads((after / STATE_FILE).read_text())["code"] == INDEX_CODE
    # Built whole: the inverse of test_unchanged_articles_are_not_indexed_again.
    new_segments, old_segments = list(after.glob("*.seg")), list(before.glob("*.seg"))
    assert new_segments and old_segments
    linked = [p.name for p in new_segments if any(os.path.samefile(p, o) for o in old_segments)]
    assert not linked
    scratch = tmp_path / "scratch"
    run_build(bundles, scratch, translations)
    assert snapshot(data) == snapshot(scratch)


def test_a_code_change_alone_keeps_the_published_index_until_an_article_changes(
    sources, monkeypatch
):
    """A new release whose index code differs, and no article changed: the version stays,
    so nothing is indexed (a whole index would be thrown away by every such build). The
    first edit builds it whole with the new code; the next one updates that."""
    bundles, folder, translations, data = sources
    store = Store(data)
    monkeypatch.setattr(index_stage, "INDEX_CODE", "the next release's")
    written, write_documents = [], index_stage._write_documents

    def counting(where, lang, documents):
        documents = list(documents)
        written.append(len(documents))
        write_documents(where, lang, documents)

    monkeypatch.setattr(index_stage, "_write_documents", counting)
    run_build(bundles, data, translations)
    assert store.current(BUNDLE) == {"en": 1, "es": 1} and sum(written) == 0
    for version in (2, 3):
        edit_summaries(folder, 1, seed=30 + version)
        run_build(bundles, data, translations)
        before, after = (store.index_dir(BUNDLE, "en", v) for v in (version - 1, version))
        assert json.loads((after / STATE_FILE).read_text())["code"] == "the next release's"
        linked = [p for p in after.glob("*.seg") if (before / p.name).exists()]
        assert bool(linked) == (version == 3)


def test_an_index_with_deleted_copies_ranks_terms_by_frequency_as_exact_counts_would(sources_200):
    """Whoosh counts the deleted copies an update leaves in a term's document frequency:
    the planner bounds each frequency from the term dictionary, and the terms the cap, the
    typo and the prefix rules choose from those bounds are those the exact counts give."""
    bundles, folder, translations, data = sources_200
    edit_summaries(folder, 8, seed=40)
    run_build(bundles, data, translations)
    index = Store(data).index_dir(BUNDLE, "en", 2)
    counted = engine.SearchIndex(index)
    terms = sorted(set(counted.forms.values()))
    exact = {term: counted.df(term) for term in terms}
    counted.close()
    bounded = engine.open_collection([(BUNDLE, index)])
    ranges = {term: bounded.df_range(term) for term in terms}
    assert all(least <= exact[term] <= most for term, (least, most) in ranges.items())
    assert any(least < most for least, most in ranges.values())
    rng = random.Random(3)
    for _ in range(100):
        ties = {term: rng.choice(terms) for term in rng.sample(terms, 60)}
        for commonest in (False, True):
            order = sorted(ties, key=lambda t: ((-1 if commonest else 1) * exact[t], ties[t]))
            chosen = engine.by_frequency(bounded, ties, engine.MAX_TERMS, commonest)
            assert chosen == order[: engine.MAX_TERMS]
    engine.close_indexes()
