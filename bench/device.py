"""Device search figures: our engine (``static/lib/search-engine.js``) against MiniSearch and
Lunr indexing the same text, in one Chromium run.

Two corpora: the whole MedQuAD corpus imported as a bundle, and the synthetic bundle of
the bench's larger size (``--sizes``; 10,000 summaries by default), the one
``build_section`` built, else built here. The text every engine
indexes is each article's index document (``satchel.stages.index.document_fields``), field by
field with the server's boosts. MiniSearch and Lunr are npm packages installed under
``bench/node_modules`` for this section only (``npm ci`` from ``bench/package-lock.json``).

For each engine and corpus:

- index size: gzip of the segments (ours) or of ``JSON.stringify`` of the serialised
  index, in bytes per KiB of indexed text (UTF-8);
- load: from the bytes in memory to ready to query (``openIndex``, ``MiniSearch.loadJSON``,
  ``lunr.Index.load(JSON.parse(…))``), median of ``LOAD_RUNS``;
- heap: the JS heap after garbage collection with the loaded index held, less the heap
  before loading; ours adds the segment bytes, which its index keeps (outside the JS heap);
- query p50/p95 over ``QUERIES`` queries: corpus words, MedQuAD dev questions, lay terms of
  the thesaurus, misspelled words and prefixes, after ``WARM_UP`` others;
- typo found@10: a title with one word misspelled (one edit) finds its article in the top 10;
- prefix found@10: the title typed as far as its rarest long word and stopped in that word
  (its first 60 %), as when results update while typing, finds its article in the top 10.

MiniSearch searches with ``fuzzy: 0.2, prefix: true``; Lunr with its defaults, fuzzy
(edit distance 1) terms for typo queries and a trailing wildcard on a prefix.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import statistics
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .commands import timed_build

if TYPE_CHECKING:
    from .run import Bench

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
MIB = 1024 * 1024
ENGINE = PROJECT_ROOT / "static" / "lib" / "search-engine.js"
ORIGIN = "http://127.0.0.1:9"  # never contacted: Playwright answers every request
LOAD_RUNS = 5
QUERIES = 1000
WARM_UP = 50
FOUND_CASES = 200
ENGINES = ("ours", "minisearch", "lunr")
PAGE = (
    '<!doctype html><meta charset="utf-8">'
    '<script src="/node_modules/lunr/lunr.js"></script>'
    '<script type="module" src="/device.js"></script>'
)
# Cross-origin isolation gives performance.now() 5 µs steps instead of 100 µs.
ISOLATED = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cache-Control": "no-store",
}


# -- the corpora ------------------------------------------------------------------------


def medquad_questions() -> list[str]:
    """MedQuAD's dev questions, in the file's order (repeats kept)."""
    from satchel.evaluate import MEDQUAD

    with (MEDQUAD / "questions-dev.jsonl").open() as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def medquad_data(bench: Bench) -> Path:
    from satchel.commands.importer import import_corpus
    from satchel.evaluate import MEDQUAD

    bundles, data = bench.workdir / "bundles-medquad", bench.workdir / "data-medquad"
    if not data.is_dir():
        import_corpus(MEDQUAD / "docs.jsonl", "medquad", "medquad", bundles)
        timed_build(bundles, data, bench.workdir / "build.log")
    return data


def synthetic_data(bench: Bench, size: int | None = None) -> Path:
    """The synthetic bundle of ``size`` summaries (the larger of ``--sizes`` by default) that
    ``build_section`` built (with its update segments), else one built here (or by a run
    before in the same ``--workdir``), with the seed ``build_section`` gives that size."""
    size = size or bench.sizes[-1]
    if size in bench.state:
        return bench.state[size]["data"]
    from satchel.commands.synth import synthesize

    bundles = bench.workdir / f"bundles-{size}"
    data = bench.workdir / f"data-{size}"
    if not data.is_dir():
        synthesize(bundles, size, seed=(*bench.sizes, *bench.growth_sizes).index(size) + 1)
        timed_build(bundles, data, bench.workdir / "build.log")
    return data


def misspelled(word: str, rng: random.Random) -> str:
    """``word`` with one edit after its first letter: swap, deletion, change or insertion."""
    i = rng.randrange(1, len(word) - 1)
    letter = rng.choice("aeiourstln".replace(word[i], ""))
    return rng.choice(
        (
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
            word[:i] + word[i + 1 :],
            word[:i] + letter + word[i + 1 :],
            word[:i] + letter + word[i:],
        )
    )


def typo_of(word: str, forms: dict, rng: random.Random) -> str:
    """A misspelling that is no word of the corpus (else it would not be a typo to find)."""
    for _ in range(20):
        typo = misspelled(word, rng)
        if typo not in forms and typo != word:
            return typo
    return typo


def prefix_of(word: str) -> str:
    return word[: max(4, math.ceil(len(word) * 0.6))]


class Corpus:
    """One published bundle: its segments, its articles' text and the queries to run."""

    def __init__(self, label: str, data: Path, bundle: str, rng: random.Random, questions):
        from satchel.search import engine as search
        from satchel.stages.index import document_fields
        from satchel.store import Store

        store = Store(data)
        locale = "en"
        version = store.current(bundle)[locale]
        manifest = store.manifest(bundle, locale, version)
        self.label = label
        self.tombstones = manifest["search"]["tombstones"]
        self.segments = [
            store.object_path(s["object"]).read_bytes() for s in manifest["search"]["segments"]
        ]
        self.docs = []
        for article in manifest["articles"]:
            if article["object"]:
                raw = store.object_path(article["object"]).read_bytes()
                fields = document_fields(json.loads(raw))
                self.docs.append({"id": fields["id"], **{f: fields[f] for f in search.FIELDS}})
        self.text_bytes = sum(len(d[f].encode()) for d in self.docs for f in search.FIELDS)
        folder = store.index_dir(bundle, locale, version)
        meta = json.loads((folder / "search.json").read_text())
        ix = search.open_index(folder)
        self.cases = self._cases(ix, meta, rng)
        self.queries = self._queries(meta, rng, questions, WARM_UP + QUERIES)

    def _cases(self, ix, meta: dict, rng: random.Random) -> dict[str, list]:
        from satchel.search import analysis

        lang, forms = meta["lang"], meta["forms"]
        typos, prefixes = [], []
        for doc in rng.sample(self.docs, min(FOUND_CASES, len(self.docs))):
            title = doc["title"]
            words = [w for w in analysis.forms(title, lang) if len(w) >= 5 and w.isalpha()]
            if not words:
                continue
            word = rng.choice(words)
            start = title.lower().find(word)
            typo = typo_of(word, forms, rng)
            query = title[:start] + typo + title[start + len(word) :] if start >= 0 else typo
            typos.append(["typo", query, doc["id"]])
            long = [w for w in words if len(w) >= 6]
            if long:
                rarest = min(long, key=lambda w: (ix.df(forms.get(w, w)), -len(w), w))
                cut = title.lower().find(rarest)
                typed = title[:cut] if cut >= 0 else ""
                prefixes.append(["prefix", typed + prefix_of(rarest), doc["id"]])
        return {"typo": typos, "prefix": prefixes}

    def _queries(self, meta: dict, rng: random.Random, questions, count: int) -> list:
        forms = sorted(f for f in meta["forms"] if f.isalpha())
        long = [f for f in forms if len(f) >= 6]
        lay = sorted({e for entries in meta["thesaurus"].values() for e in entries})
        share = count // 20  # in twentieths: words 6, questions 5, lay 2, typos 3.5, prefixes 3.5
        queries = [["words", f] for f in rng.sample(forms, 6 * share)]
        queries += [["question", q] for q in rng.sample(questions, 5 * share)]
        queries += [["lay", lay[i % len(lay)]] for i in range(2 * share)] if lay else []
        typos = count - len(queries) - (count - len(queries)) // 2
        queries += [["typo", typo_of(f, meta["forms"], rng)] for f in rng.sample(long, typos)]
        queries += [["prefix", prefix_of(f)] for f in rng.sample(long, count - len(queries))]
        rng.shuffle(queries)
        return queries


# -- the browser run -------------------------------------------------------------------


def ensure_npm_packages() -> None:
    if not (BENCH_DIR / "node_modules" / "minisearch").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH_DIR, check=True)


def serve(corpora: list[Corpus]):
    """Answer the page's requests from the project, bench/ and the corpora in memory."""
    docs = [json.dumps(c.docs).encode() for c in corpora]

    def handle(route):
        path = route.request.url.removeprefix(ORIGIN)
        body, kind = None, "text/javascript"
        if path == "/":
            body, kind = PAGE.encode(), "text/html"
        elif path == "/device.js":
            body = (BENCH_DIR / "device.js").read_bytes()
        elif path.startswith("/static/"):
            body = (PROJECT_ROOT / path.lstrip("/")).read_bytes()
        elif path.startswith("/node_modules/"):
            body = (BENCH_DIR / path.lstrip("/")).read_bytes()
        elif path.startswith("/corpus/"):
            _, _, index, what, *rest = path.split("/")
            corpus = int(index)
            if what == "docs.json":
                body, kind = docs[corpus], "application/json"
            else:
                body, kind = corpora[corpus].segments[int(rest[0])], "application/octet-stream"
        if body is None:
            route.fulfill(status=404, body=b"")
        else:
            route.fulfill(status=200, body=body, content_type=kind, headers=ISOLATED)

    return handle


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def measure(page, cdp, index: int, corpus: Corpus, engines: tuple[str, ...] = ENGINES) -> dict:
    """Each of ``engines``' figures on ``corpus`` (the page's ``index``-th); MiniSearch and
    Lunr are built only when asked for."""
    from satchel.search import engine as search

    def heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"]

    sizes = page.evaluate(
        "(job) => window.bench.prepare(job)",
        {
            "corpus": index,
            "segments": list(range(len(corpus.segments))),
            "tombstones": corpus.tombstones,
            "fields": list(search.FIELDS),
            "boosts": [search.FIELD_BOOSTS[f] for f in search.FIELDS],
            "peers": engines != ("ours",),
        },
    )
    results = {}
    warm_up, timed = corpus.queries[:WARM_UP], corpus.queries[WARM_UP:]
    for name in engines:
        before = heap()
        loads = page.evaluate("(job) => window.bench.load(job)", {"name": name, "runs": LOAD_RUNS})
        held = heap() - before + (sizes["bytes"]["ours"] if name == "ours" else 0)
        page.evaluate("(job) => window.bench.time(job)", {"name": name, "queries": warm_up})
        times = page.evaluate("(job) => window.bench.time(job)", {"name": name, "queries": timed})
        found = {
            kind: page.evaluate("(job) => window.bench.found(job)", {"name": name, "cases": cases})
            / max(len(cases), 1)
            for kind, cases in corpus.cases.items()
        }
        page.evaluate("window.bench.release()")
        results[name] = {
            "bytes_per_kib": sizes["gzipped"][name] / (corpus.text_bytes / 1024),
            "gzipped": sizes["gzipped"][name],
            "load_ms": statistics.median(loads),
            "heap_mib": held / MIB,
            "p50_ms": percentile(times, 0.50),
            "p95_ms": percentile(times, 0.95),
            "typo_found": found["typo"],
            "prefix_found": found["prefix"],
        }
    return results


# -- the rows ----------------------------------------------------------------------------

# measure, key, unit, scale, target text, target test, lower is better
MEASURES = (
    ("index, gzipped, per KiB of text", "bytes_per_kib", "B/KiB", 1, "≤ 0.5× MiniSearch", None),
    ("load, bytes in memory → ready", "load_ms", "ms", 1, "≤ 50 ms", lambda v: v <= 50),
    ("JS heap after load", "heap_mib", "MiB", 1, "≤ 20 MiB", lambda v: v <= 20),
    (f"query p50, {QUERIES:,} queries", "p50_ms", "ms", 1, "", None),
    (f"query p95, {QUERIES:,} queries", "p95_ms", "ms", 1, "≤ 2 ms", lambda v: v <= 2),
    ("typo found@10, misspelled titles", "typo_found", "%", 100, "≥ 95%", lambda v: v >= 95),
    ("prefix found@10, title words typed", "prefix_found", "%", 100, "≥ 90%", lambda v: v >= 90),
)


def add_rows(bench: Bench, corpus: Corpus, results: dict) -> None:
    ours, mini, lunr = (results[name] for name in ENGINES)
    for measure, key, unit, scale, target, meets in MEASURES:
        value = ours[key] * scale
        ratio = ours[key] / mini[key] if mini[key] else None
        lunr_ratio = f" ({ours[key] / lunr[key]:.2f}×)" if lunr[key] else ""
        met = ratio <= 0.5 if key == "bytes_per_kib" else meets(value) if meets else None
        bench.row(
            f"{measure}, {corpus.label}",
            round(value, 3),
            unit,
            peer=round(mini[key] * scale, 3),
            ratio=ratio,
            target=target,
            met=met,
            note=f"peer MiniSearch; Lunr {lunr[key] * scale:,.3f} {unit}{lunr_ratio}",
        )


def shipped_engine_bytes() -> int:
    """search-engine.js's own code as a phone receives it: minified by esbuild as
    ``satchel build-app`` minifies it, gzipped (its imports are modules of their own). The
    source's comments, which no phone downloads, had counted too."""
    from satchel.commands.build_app import TARGETS, esbuild

    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / ENGINE.name
        esbuild(
            ENGINE.relative_to(PROJECT_ROOT / "static").as_posix(),
            f"--target={TARGETS}",
            "--format=esm",
            f"--outfile={out}",
        )
        return len(gzip.compress(out.read_bytes(), compresslevel=9))


def device_section(bench: Bench) -> None:
    """Our device engine against MiniSearch and Lunr on MedQuAD and the larger bundle (Chromium)."""
    engine_gz = shipped_engine_bytes()
    bench.row(
        "engine (search-engine.js), minified as the app ships it, gzipped",
        engine_gz,
        "B",
        target="≤ 10 KB",
        met=engine_gz <= 10 * 1024,
    )
    rng = random.Random(7)
    questions = medquad_questions()
    corpora = [
        Corpus("MedQuAD", medquad_data(bench), "medquad", rng, questions),
        Corpus(
            f"synthetic {bench.sizes[-1]:,}", synthetic_data(bench), "synthetic", rng, questions
        ),
    ]
    for corpus in corpora:
        bench.row(
            f"indexed text, {corpus.label}",
            corpus.text_bytes / MIB,
            "MiB",
            note=f"{len(corpus.docs):,} articles, {len(corpus.segments)} segment(s)",
        )
    with engine_page(corpora) as (page, cdp):
        for index, corpus in enumerate(corpora):
            results = measure(page, cdp, index, corpus)
            bench.state.setdefault("device", {})[corpus.label] = results
            add_rows(bench, corpus, results)


@contextmanager
def engine_page(corpora: list[Corpus]):
    """The bench page (``device.js``) in Chromium serving ``corpora``, ready: (page, CDP)."""
    from .chromium import chromium

    ensure_npm_packages()  # the page loads MiniSearch and Lunr, whichever engines it times
    with chromium() as browser:
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve(corpora))
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("window.ready === true")
        if not page.evaluate("crossOriginIsolated"):
            raise RuntimeError("the bench page is not cross-origin isolated: coarse timers")
        yield page, page.context.new_cdp_session(page)
