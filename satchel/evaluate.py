"""``make eval``: how well search finds the right MedQuAD document for questions as
people ask them, short and long, side by side with a plain Whoosh baseline.

Imports ``../shared/corpus/medquad/docs.jsonl`` into ``instance/eval/`` (never
committed), builds it with the normal build, and asks these sets of questions
through ``GET /api/v1/search`` (the app's own view, without a response cache,
and without ``bundle``: every bundle in the locale, as the app asks):

- *templates*: MedQuAD's dev template questions ("What are the symptoms of X ?"),
  also reported as *short* (at most ``SHORT_WORDS`` words) and *long*;
- *templates, one typo*: the same, two adjacent inner letters of the longest
  word swapped (fixed seed);
- *consumer, full*: the real consumer questions of
  ``../shared/corpus/consumer/questions-dev.jsonl`` as people sent them (1 to
  150 words, chatty, misspelt);
- *consumer, short*: the short rewrites of those that have one;
- *extra, short* and *extra, long*: ``questions-extra-dev.jsonl``, whose short
  questions are the voice-assistant ones (source ``…-alexa``) and whose long
  ones the consumer messages (its README);
- *all short typed* (consumer short and extra short) and *all full messages*
  (consumer full and extra long): the two kinds the targets are set for.

A question is answered when a relevant document (the template's ``doc_id``;
any of the consumer question's ``rel``) is in the first ten. Reported per set:
R@1, R@10, MRR@10, the share of questions with no result, and the 95th
percentile of the time to answer. The baseline is Whoosh with the Snowball
English analyzer on title and body (title boost 2), OR grouping, no thesaurus
and no typo handling, over the same documents.

*Ablations*: each rule of ``engine.ABLATIONS`` turned off in turn
(``engine.Rules.without``, a parameter of ``engine.search``), the same
questions asked of the engine directly (the collection the view opens), on
every set but the templates' ``ABLATION_TEMPLATES`` of them (fixed sample): the
difference each rule makes, for short and long questions apart. Prints the
tables; writes ``bench/results/eval.json``.

    python -m satchel.evaluate [--reuse] [--sample N] [--no-baseline] [--no-ablations]
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
from .search import engine
from .settings import PROJECT_ROOT
from .stages.pipeline import build
from .stages.source import slugify
from .store import Store

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
MEDQUAD = CORPUS / "medquad"
CONSUMER = CORPUS / "consumer" / "questions-dev.jsonl"
EXTRA = CORPUS / "consumer" / "questions-extra-dev.jsonl"
SHORT_SOURCE = "alexa"  # the extra set's short questions: its README
SHORT_WORDS = 8
ABLATION_TEMPLATES = 500
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


def read_jsonl(path: Path) -> list[dict]:
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def question_sets(sample: int = 0) -> dict[str, list[tuple[str, set[str]]]]:
    """Each set: ``[(question, relevant document ids)]``."""
    templates = read_jsonl(MEDQUAD / "questions-dev.jsonl")
    if sample:
        templates = random.Random(1).sample(templates, sample)
    rng = random.Random(SEED)
    consumer, extra = read_jsonl(CONSUMER), read_jsonl(EXTRA)

    def asked(questions, text="question"):
        return [(q[text], {slugify(r) for r in q["rel"]}) for q in questions if q[text]]

    return {
        "templates": [(q["question"], {slugify(q["doc_id"])}) for q in templates],
        "templates, one typo": [
            (with_typo(q["question"], rng), {slugify(q["doc_id"])}) for q in templates
        ],
        "consumer, full": asked(consumer),
        "consumer, short": asked(consumer, "short"),
        "extra, short": asked(q for q in extra if SHORT_SOURCE in q["source"]),
        "extra, long": asked(q for q in extra if SHORT_SOURCE not in q["source"]),
    }


def short(question: str) -> bool:
    return len(question.split()) <= SHORT_WORDS


# Sets reported beside the asked ones: name → (sets, which of their questions).
DERIVED = {
    "templates: short": (["templates"], short),
    "templates: long": (["templates"], lambda q: not short(q)),
    "all short typed": (["consumer, short", "extra, short"], None),
    "all full messages": (["consumer, full", "extra, long"], None),
}


def with_derived(sets: dict, answers: dict) -> dict[str, list]:
    """The answers of every set, asked and derived (``DERIVED``), by set name."""
    found = dict(answers)
    for name, (parts, keep) in DERIVED.items():
        found[name] = [
            answer
            for part in parts
            for (question, _), answer in zip(sets[part], answers[part], strict=True)
            if keep is None or keep(question)
        ]
    return found


def ask_engine(collection, questions, rules) -> list:
    """The questions asked of the engine with ``rules``, as the view asks them."""
    answers = []
    for q, rel in questions:
        started = time.perf_counter()
        ranked = engine.search(collection, q, limit=10, with_highlights=False, rules=rules)
        found = [hit["id"] for hit in ranked["hits"]]
        answers.append((found, rel, time.perf_counter() - started))
    return answers


def ablations(data: Path, sets: dict) -> dict[str, dict]:
    """For each rule of ``engine.ABLATIONS``: every set's metrics with the rule off."""
    store = Store(data)
    version = store.current("medquad")["en"]
    collection = engine.open_collection([("medquad", store.index_dir("medquad", "en", version))])
    sampled = dict(sets)
    for name in ("templates", "templates, one typo"):
        if len(sets[name]) > ABLATION_TEMPLATES:
            sampled[name] = random.Random(SEED).sample(sets[name], ABLATION_TEMPLATES)
    found = {}
    for rule in ("none", *engine.ABLATIONS):
        rules = engine.RULES if rule == "none" else engine.RULES.without(rule)
        answers = {name: ask_engine(collection, qs, rules) for name, qs in sampled.items()}
        found[rule] = {
            name: metrics(a) for name, a in with_derived(sampled, answers).items()
        }
    return found


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


ABLATION_COLUMNS = (
    "templates",
    "templates, one typo",
    "all short typed",
    "all full messages",
    "consumer, short",
    "extra, short",
)


def print_results(rows: dict, names: list[str]) -> None:
    print(f"{'':38} {'n':>5} {'R@1':>6} {'R@10':>6} {'MRR@10':>7} {'zero':>6} {'p95 ms':>7}")
    for name in names:
        for engine_name in ("satchel", "baseline"):
            row = rows.get(f"{engine_name}: {name}")
            if row:
                print(
                    f"{engine_name + ': ' + name:38} {row['questions']:5} {row['recall@1']:6.3f} "
                    f"{row['recall@10']:6.3f} {row['mrr@10']:7.3f} {row['zero_results']:6.3f} "
                    f"{row['p95_ms']:7.1f}"
                )


def print_ablations(found: dict) -> None:
    """MRR@10 (R@10) with every rule on, then the change with each one off."""
    print("\nAblations: MRR@10 (R@10) with every rule on; then the change with one rule off")
    print(f"{'':30}" + "".join(f"{name[:19]:>20}" for name in ABLATION_COLUMNS))
    on = found["none"]
    for rule, sets in found.items():
        cells = []
        for name in ABLATION_COLUMNS:
            mrr, r10 = sets[name]["mrr@10"], sets[name]["recall@10"]
            if rule != "none":
                mrr, r10 = mrr - on[name]["mrr@10"], r10 - on[name]["recall@10"]
                cells.append(f"{mrr:+.3f} ({r10:+.3f})")
            else:
                cells.append(f"{mrr:.3f} ({r10:.3f})")
        label = "all rules" if rule == "none" else f"without {rule}"
        print(f"{label:30}" + "".join(f"{cell:>20}" for cell in cells))


def main(argv=None) -> int:
    from . import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse instance/eval if built")
    parser.add_argument("--sample", type=int, default=0, help="a fixed sample of N templates")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-ablations", action="store_true")
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
    answers = {name: ask_satchel(client, questions) for name, questions in sets.items()}
    rows = {f"satchel: {n}": metrics(a) for n, a in with_derived(sets, answers).items()}
    if not args.no_baseline:
        base = baseline_index(WORK / "baseline")
        answers = {name: ask_baseline(base, questions) for name, questions in sets.items()}
        rows |= {f"baseline: {n}": metrics(a) for n, a in with_derived(sets, answers).items()}
    asked = time.monotonic()
    found = {} if args.no_ablations else ablations(data, sets)
    finished = time.monotonic()

    print_results(rows, [*sets, *DERIVED])
    if found:
        print_ablations(found)
    timing = {
        "import_and_build_s": round(built - started, 1),
        "questions_s": round(asked - built, 1),
        "ablations_s": round(finished - asked, 1),
    }
    print(" ".join(f"{k}={v}" for k, v in timing.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"seed": SEED, "results": rows, "ablations": found, "timing": timing}, indent=2
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
