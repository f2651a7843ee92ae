"""``make eval``: how well search finds the right MedQuAD document for questions as
people ask them, side by side with a plain Whoosh baseline.

Imports ``../shared/corpus/medquad/docs.jsonl`` into ``instance/eval/`` (never
committed), builds it with the normal build, and asks four sets of questions
through ``GET /api/v1/search`` (the app's own view, without a response cache,
and without ``bundle``: every bundle in the locale, as the app asks):

- *templates*: MedQuAD's dev template questions ("What are the symptoms of X ?");
- *templates, one typo*: the same, two adjacent inner letters of the longest
  word swapped (fixed seed);
- *consumer, full*: the real consumer questions of
  ``../shared/corpus/consumer/questions-dev.jsonl`` as people sent them (1 to
  150 words, chatty, misspelt);
- *consumer, short*: the short rewrites of those that have one.

A question is answered when a relevant document (the template's ``doc_id``;
any of the consumer question's ``rel``) is in the first ten. Reported per set:
R@1, R@10, MRR@10, the share of questions with no result, and the 95th
percentile of the time to answer. The baseline is Whoosh with the Snowball
English analyzer on title and body (title boost 2), OR grouping, no thesaurus
and no typo handling, over the same documents. Prints a table; writes
``bench/results/eval.json``.

    python -m satchel.evaluate [--reuse] [--sample N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
import warnings
from pathlib import Path

from .commands.importer import import_corpus
from .settings import PROJECT_ROOT
from .stages.pipeline import build
from .stages.source import slugify
from .store import Store

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
MEDQUAD = CORPUS / "medquad"
CONSUMER = CORPUS / "consumer" / "questions-dev.jsonl"
WORK = PROJECT_ROOT / "instance" / "eval"
RESULTS = PROJECT_ROOT / "bench" / "results" / "eval.json"
SEED = 20240601
WORD = re.compile(r"[A-Za-z]+")
BASELINE_TITLE_BOOST = 2.0


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


def question_sets(sample: int = 0) -> dict[str, list[tuple[str, set[str]]]]:
    """Each set: ``[(question, relevant document ids)]``."""
    templates = [json.loads(line) for line in open(MEDQUAD / "questions-dev.jsonl")]
    if sample:
        templates = random.Random(1).sample(templates, sample)
    rng = random.Random(SEED)
    consumer = [json.loads(line) for line in open(CONSUMER)]
    return {
        "templates": [(q["question"], {slugify(q["doc_id"])}) for q in templates],
        "templates, one typo": [
            (with_typo(q["question"], rng), {slugify(q["doc_id"])}) for q in templates
        ],
        "consumer, full": [(q["question"], {slugify(r) for r in q["rel"]}) for q in consumer],
        "consumer, short": [
            (q["short"], {slugify(r) for r in q["rel"]}) for q in consumer if q["short"]
        ],
    }


def metrics(answers: list[tuple[list[str], set[str], float]]) -> dict:
    """``answers``: ``(ids found, relevant ids, seconds)`` per question."""
    ranks = [
        next((k for k, i in enumerate(found, 1) if i in rel), None) for found, rel, _ in answers
    ]
    times = sorted(seconds for _, _, seconds in answers)
    n = len(answers) or 1
    return {
        "questions": len(answers),
        "recall@1": sum(r == 1 for r in ranks) / n,
        "recall@10": sum(1 for r in ranks if r and r <= 10) / n,
        "mrr@10": sum(1 / r for r in ranks if r and r <= 10) / n,
        "zero_results": sum(1 for found, _, _ in answers if not found) / n,
        "p95_ms": 1000 * times[max(0, -(-95 * len(times) // 100) - 1)] if times else 0.0,
    }


def ask_satchel(client, questions) -> list:
    answers = []
    for q, rel in questions:
        started = time.perf_counter()
        response = client.get("/api/v1/search", query_string={"q": q, "limit": 10})
        seconds = time.perf_counter() - started
        found = [hit["id"] for hit in response.json["hits"]] if response.status_code == 200 else []
        answers.append((found, rel, seconds))
    return answers


def baseline_index(folder: Path):
    """The baseline: Snowball English on title (boost 2) and body, one document a page."""
    from whoosh import fields, index
    from whoosh.analysis import LanguageAnalyzer

    if (folder / "_MAIN_1.toc").exists():
        return index.open_dir(str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    analyzer = LanguageAnalyzer("en")
    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer, field_boost=BASELINE_TITLE_BOOST),
        body=fields.TEXT(analyzer=analyzer),
    )
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=256)
    with open(MEDQUAD / "docs.jsonl") as handle:
        for line in handle:
            doc = json.loads(line)
            body = "\n\n".join(f"{s['heading']}\n{s['text']}" for s in doc["sections"])
            writer.add_document(id=slugify(doc["id"]), title=doc["title"], body=body)
    writer.commit(optimize=True)
    return ix


SYNTAX = re.compile(r"[?*():\"\[\]{}^~+\-]")


def ask_baseline(ix, questions) -> list:
    """Whoosh's parser, OR grouping; its syntax characters are blanked first (a bare "?"
    would be a wildcard over the whole lexicon)."""
    from whoosh import qparser

    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup)
    answers = []
    with ix.searcher() as searcher:
        for q, rel in questions:
            started = time.perf_counter()
            found = [
                hit["id"] for hit in searcher.search(parser.parse(SYNTAX.sub(" ", q)), limit=10)
            ]
            answers.append((found, rel, time.perf_counter() - started))
    return answers


def main(argv=None) -> int:
    from . import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse instance/eval if built")
    parser.add_argument("--sample", type=int, default=0, help="a fixed sample of N templates")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)

    started = time.monotonic()
    bundles, data = WORK / "bundles", WORK / "data"
    if not (args.reuse and Store(data).current("medquad")):
        import_corpus(MEDQUAD / "docs.jsonl", "medquad", "medquad", bundles)
        build(bundles, data, ["medquad"])
    built = time.monotonic()
    sets = question_sets(args.sample)
    with warnings.catch_warnings():  # flask-caching warns that NullCache caches nothing
        warnings.simplefilter("ignore", UserWarning)
        app = create_app(
            {"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles), "CACHE_TYPE": "NullCache"}
        )
    client = app.test_client()
    client.get("/api/v1/search", query_string={"q": "warm up"})  # opens the index
    rows = {}
    for name, questions in sets.items():
        rows[f"satchel: {name}"] = metrics(ask_satchel(client, questions))
    if not args.no_baseline:
        base = baseline_index(WORK / "baseline")
        for name, questions in sets.items():
            rows[f"baseline: {name}"] = metrics(ask_baseline(base, questions))
    finished = time.monotonic()

    print(f"{'':36} {'n':>5} {'R@1':>6} {'R@10':>6} {'MRR@10':>7} {'zero':>6} {'p95 ms':>7}")
    for name in sets:
        for engine in ("satchel", "baseline"):
            row = rows.get(f"{engine}: {name}")
            if row:
                print(
                    f"{engine + ': ' + name:36} {row['questions']:5} {row['recall@1']:6.3f} "
                    f"{row['recall@10']:6.3f} {row['mrr@10']:7.3f} {row['zero_results']:6.3f} "
                    f"{row['p95_ms']:7.1f}"
                )
    timing = {
        "import_and_build_s": round(built - started, 1),
        "questions_s": round(finished - built, 1),
    }
    print(" ".join(f"{k}={v}" for k, v in timing.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"seed": SEED, "results": rows, "timing": timing}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
