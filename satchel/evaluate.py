"""``make eval``: how well search finds the right MedQuAD document.

Imports ``../shared/corpus/medquad/docs.jsonl`` into ``instance/eval/`` (never
committed), builds it with the normal build, then asks every question of
``questions-dev.jsonl`` through ``search.search`` (the function the API view
calls) and reports Recall@1, Recall@10 and MRR@10 against the question's
``doc_id`` (only that exact document counts). The same questions go to a
Whoosh index with Whoosh's defaults (one text field, StandardAnalyzer,
BM25F, the default query parser) over the same documents. Both are run
again with one typo per question: two adjacent inner letters of the longest
word swapped (fixed seed). Prints a table; writes ``bench/results/eval.json``.

    python -m satchel.evaluate [--reuse] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from .build.importer import import_corpus
from .build.pipeline import build
from .build.source import slugify
from .search.engine import SearchError, open_index
from .search.engine import search as run_search
from .settings import PROJECT_ROOT
from .store import Store

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "medquad"
WORK = PROJECT_ROOT / "instance" / "eval"
RESULTS = PROJECT_ROOT / "bench" / "results" / "eval.json"
SEED = 20240601
WORD = re.compile(r"[A-Za-z]+")


def with_typo(question: str, rng: random.Random) -> str:
    """Swap two adjacent inner letters (never the first or last) of the longest word."""
    words = [m for m in WORD.finditer(question) if len(m.group(0)) >= 4]
    if not words:
        return question
    longest = max(words, key=lambda m: len(m.group(0)))  # the first of the longest
    word = longest.group(0)
    spots = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
    if not spots:
        return question
    i = rng.choice(spots)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return question[: longest.start()] + swapped + question[longest.end() :]


def metrics(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {
        "questions": len(ranks),
        "recall@1": sum(r == 1 for r in ranks if r) / n,
        "recall@10": sum(1 for r in ranks if r and r <= 10) / n,
        "mrr@10": sum(1 / r for r in ranks if r and r <= 10) / n,
    }


def rank_of(found: list[str], wanted: str) -> int | None:
    return found.index(wanted) + 1 if wanted in found else None


def ours(ix, questions) -> list[int | None]:
    ranks = []
    for q in questions:
        try:
            hits = run_search(ix, q["question"], limit=10, with_highlights=False)["hits"]
        except SearchError:
            hits = []
        ranks.append(rank_of([h["id"] for h in hits], slugify(q["doc_id"])))
    return ranks


def baseline_index(folder: Path):
    """Whoosh defaults over the same documents: title and sections in one field."""
    from whoosh import fields, index

    if (folder / "_MAIN_1.toc").exists():
        return index.open_dir(str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), fields.Schema(id=fields.ID(stored=True), content=fields.TEXT))
    writer = ix.writer(limitmb=256)
    with open(CORPUS / "docs.jsonl") as handle:
        for line in handle:
            doc = json.loads(line)
            text = "\n".join(
                [doc["title"]] + [f"{s['heading']}\n{s['text']}" for s in doc["sections"]]
            )
            writer.add_document(id=slugify(doc["id"]), content=text)
    writer.commit(optimize=True)
    return ix


SYNTAX = re.compile(r"[?*():\"\[\]{}^~+\-]")


def baseline(ix, questions, group) -> list[int | None]:
    """Whoosh's query parser with the given grouping; its syntax characters are
    blanked first (a bare "?" would be a wildcard over the whole lexicon)."""
    from whoosh import qparser

    parser = qparser.QueryParser("content", ix.schema, group=group)
    ranks = []
    with ix.searcher() as searcher:
        for q in questions:
            query = parser.parse(SYNTAX.sub(" ", q["question"]))
            found = [hit["id"] for hit in searcher.search(query, limit=10)]
            ranks.append(rank_of(found, slugify(q["doc_id"])))
    return ranks


def baseline_rows(questions, typos) -> dict:
    """Whoosh defaults with AND (its default) and OR grouping, clean and with a typo.

    The baseline depends only on the corpus and the questions, so its figures
    are kept in instance/eval/ and reused while those files are unchanged.
    """
    from whoosh.qparser import AndGroup, OrGroup

    key = [
        [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(CORPUS.glob("*.jsonl"))],
        SEED,
        [q["qid"] for q in questions],
    ]
    key = json.loads(json.dumps(key))  # tuples → lists, as read back
    saved = WORK / "baseline.json"
    if saved.is_file():
        found = json.loads(saved.read_text())
        if found["key"] == key:
            return found["rows"]
    base = baseline_index(WORK / "whoosh-defaults")
    rows = {}
    for label, group in (("AND", AndGroup), ("OR", OrGroup)):
        rows[f"whoosh defaults {label}"] = metrics(baseline(base, questions, group))
        rows[f"whoosh defaults {label}, typo"] = metrics(baseline(base, typos, group))
    saved.write_text(json.dumps({"key": key, "rows": rows}))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse instance/eval if built")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--sample", type=int, default=0, help="a fixed random sample of N")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)

    started = time.monotonic()
    bundles, data = WORK / "bundles", WORK / "data"
    store = Store(data)
    if not (args.reuse and store.current("medquad")):
        import_corpus(CORPUS / "docs.jsonl", "medquad", "medquad", bundles)
        build(bundles, data, ["medquad"])
    built = time.monotonic()
    version = store.current("medquad")["en"]
    ix = open_index(store.index_dir("medquad", "en", version))

    questions = [json.loads(line) for line in open(CORPUS / "questions-dev.jsonl")]
    if args.limit:
        questions = questions[: args.limit]
    if args.sample:
        questions = random.Random(1).sample(questions, args.sample)
    rng = random.Random(SEED)
    typos = [{**q, "question": with_typo(q["question"], rng)} for q in questions]

    rows = {}
    rows["satchel"] = metrics(ours(ix, questions))
    rows["satchel, one typo"] = metrics(ours(ix, typos))
    searched = time.monotonic()
    if not args.no_baseline:
        rows |= baseline_rows(questions, typos)
    finished = time.monotonic()

    print(f"{len(questions):,} questions, {ix.n:,} documents")
    print(f"{'':28} {'R@1':>6} {'R@10':>6} {'MRR@10':>7}")
    for name, row in rows.items():
        print(f"{name:28} {row['recall@1']:6.3f} {row['recall@10']:6.3f} {row['mrr@10']:7.3f}")
    timing = {
        "import_and_build_s": round(built - started, 1),
        "satchel_queries_s": round(searched - built, 1),
        "baseline_s": round(finished - searched, 1),
        "ms_per_query": round(1000 * (searched - built) / (2 * len(questions) or 1), 2),
    }
    print(" ".join(f"{k}={v}" for k, v in timing.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"documents": ix.n, "seed": SEED, "results": rows, "timing": timing}, indent=2)
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
