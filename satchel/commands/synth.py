"""``satchel synth``: a deterministic synthetic bundle of N valid summaries.

For benchmarks and load tests at sizes no real bundle has yet. Sentences are
drawn at run time from a corpus of real health text (MedQuAD's ``docs.jsonl``,
outside the project: nothing from it is committed), so lengths, vocabulary and
compressibility are realistic; the same corpus, count and seed always give the
same files. Without the corpus a small built-in vocabulary is used instead.
"""

from __future__ import annotations

import functools
import json
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import click

from ..settings import PROJECT_ROOT
from ..stages.schemas import SECTION_IDS

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "medquad" / "docs.jsonl"
MARKER = ".synthetic"  # a folder holding this file was written here and may be replaced

# Sentences made only of these characters cannot be read as Markdown or HTML markup.
PLAIN_SENTENCE = re.compile(r"[A-Z][A-Za-z0-9 ,.;:'()%/-]{38,218}[a-z0-9)][.]")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")

JOURNALS = (
    "The Lancet",
    "BMJ",
    "JAMA",
    "New England Journal of Medicine",
    "Cochrane Database of Systematic Reviews",
    "PLOS Medicine",
    "Annals of Internal Medicine",
    "Nature Medicine",
)
STUDY_TYPES = (
    "randomised controlled trial",
    "cohort study",
    "systematic review",
    "case-control study",
    "cross-sectional study",
)
TOPICS = (
    "treatment",
    "causes",
    "prevention",
    "diagnosis",
    "genetics",
    "outlook",
    "symptoms",
    "research",
)
SYMPTOMS = ("fatigue", "pain", "fever", "cough", "headache", "dizziness", "nausea", "weakness")
FALLBACK_WORDS = (
    "people patients study researchers found treatment doctors risk years group care health "
    "symptoms disease blood heart brain children adults women men trial results medicine daily "
    "weeks months lower higher fewer more common rare early later test signs support family"
).split()
TITLE_TEMPLATES = (
    "What a new study says about {}",
    "{}: who benefits from treatment",
    "Living with {}: what helps",
    "{} and everyday risk",
    "New findings on {}",
)


@functools.lru_cache(maxsize=2)
def load_corpus(corpus: Path) -> tuple[list[str], list[str]]:
    """(topic titles, plain sentences) from a MedQuAD-style ``docs.jsonl``."""
    titles: list[str] = []
    sentences: list[str] = []
    seen: set[str] = set()
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            title = re.sub(r"[^A-Za-z0-9 '-]", "", doc["title"]).strip()
            if 3 <= len(title) <= 60:
                titles.append(title)
            for section in doc["sections"]:
                for paragraph in section["text"].split("\n\n"):
                    for sentence in SENTENCE_SPLIT.split(paragraph.strip()):
                        if PLAIN_SENTENCE.fullmatch(sentence) and sentence not in seen:
                            seen.add(sentence)
                            sentences.append(sentence)
    return titles, sentences


def fallback_corpus(seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    titles = [f"{rng.choice(FALLBACK_WORDS).title()} condition {i}" for i in range(200)]
    sentences = []
    for _ in range(5000):
        words = [rng.choice(FALLBACK_WORDS) for _ in range(rng.randint(8, 24))]
        sentences.append(" ".join(words).capitalize() + ".")
    return titles, sentences


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "summary"


class Writer:
    def __init__(self, rng: random.Random, titles: list[str], sentences: list[str]):
        self.rng, self.titles, self.sentences = rng, titles, sentences

    def sentence(self) -> str:
        return self.rng.choice(self.sentences)

    def teaser(self) -> str:
        return next(s for s in iter(self.sentence, None) if len(s) <= 200)

    def paragraph(self, low: int = 2, high: int = 4) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def bullets(self, low: int, high: int) -> str:
        return "\n".join(f"- {self.sentence()}" for _ in range(self.rng.randint(low, high)))

    def body(self) -> str:
        rng = self.rng
        sections = {
            "takeaway": [self.paragraph(2, 3) for _ in range(rng.randint(1, 2))],
            "findings": [self.paragraph(2, 4), self.bullets(3, 6)],
            "who_should_care": [self.paragraph(2, 4)],
            "considerations": [self.bullets(2, 4), self.paragraph(1, 2)],
        }
        headings = {
            "takeaway": "Key takeaway",
            "findings": "What they found",
            "who_should_care": "Who should care and why",
            "considerations": "Important considerations",
        }
        return "\n".join(
            f"## {headings[sid]} {{#{sid}}}\n\n" + "\n\n".join(sections[sid]) + "\n"
            for sid in SECTION_IDS
        )


def quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def summary_text(writer: Writer, summary_id: str, topic: str, seed: int, index: int, related):
    rng = writer.rng
    published = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
    reviewed = published + timedelta(days=rng.randrange(365))
    doi = f"10.5555/synth.{seed}.{index}"
    front = [
        "---",
        f"id: {summary_id}",
        f"title: {quoted(rng.choice(TITLE_TEMPLATES).format(topic))}",
        f"teaser: {quoted(writer.teaser())}",
        f"published: {published.isoformat()}",
        f"reviewed: {reviewed.isoformat()}",
        f"review_due: {(reviewed + timedelta(days=365 * 12)).isoformat()}",
        "status: published",
        "source:",
        f"  journal: {quoted(rng.choice(JOURNALS))}",
        f"  title: {quoted(writer.sentence()[:-1])}",
        f"  url: https://doi.org/{doi}",
        f"  doi: {doi}",
        f"  study_type: {rng.choice(STUDY_TYPES)}",
        "ratings:",
        f"  credibility: {rng.randint(1, 5)}",
        f"  interest: {rng.randint(1, 5)}",
        f"topics: [{', '.join(sorted(rng.sample(TOPICS, rng.randint(1, 3))))}]",
        f"symptoms: [{', '.join(sorted(rng.sample(SYMPTOMS, rng.randint(0, 2))))}]",
        f"related: [{', '.join(related)}]",
        "---",
        "",
    ]
    return "\n".join(front) + writer.body()


BUNDLE_YAML = """\
id: {id}
title: Synthetic bundle of {count} summaries
description: Generated by satchel synth (seed {seed}) for benchmarks and load tests.
source_locale: en
about:
  - id: understanding-research
    title: Understanding research
    file: about/understanding-research.md
"""


def synthesize(
    out: Path, count: int, seed: int = 0, bundle_id: str = "synthetic", corpus: Path | None = None
) -> Path:
    """Write bundle ``bundle_id`` with ``count`` summaries under ``out``; return its folder."""
    corpus = DEFAULT_CORPUS if corpus is None else corpus
    titles, sentences = load_corpus(corpus) if corpus.is_file() else fallback_corpus(seed)
    folder = out / bundle_id
    if folder.exists():
        if not (folder / MARKER).exists():
            raise click.ClickException(
                f"{folder} exists and was not written by 'bundles synth'; choose another --out"
            )
        shutil.rmtree(folder)
    (folder / "summaries").mkdir(parents=True)
    (folder / "about").mkdir()
    (folder / MARKER).write_text(f"count={count} seed={seed}\n")
    (folder / "bundle.yaml").write_text(BUNDLE_YAML.format(id=bundle_id, count=count, seed=seed))
    rng = random.Random(seed)
    writer = Writer(rng, titles, sentences)
    (folder / "about" / "understanding-research.md").write_text(
        "## Kinds of study\n\n" + writer.paragraph(3, 5) + "\n\n" + writer.paragraph(3, 5) + "\n"
    )
    topics = [rng.choice(titles) for _ in range(count)]
    ids = [f"{slugify(topic)}-{i:05d}" for i, topic in enumerate(topics)]
    for index, summary_id in enumerate(ids):
        others = rng.sample(range(count), min(count, rng.randint(0, 3)))
        related = [ids[i] for i in sorted(others) if i != index]
        text = summary_text(writer, summary_id, topics[index], seed, index, related)
        (folder / "summaries" / f"{summary_id}.md").write_text(text)
    return folder


def edit_summaries(folder: Path, count: int, seed: int = 0) -> list[str]:
    """Change one finding in ``count`` summaries of a synthetic bundle; return their ids."""
    rng = random.Random(f"edit-{seed}")
    paths = sorted((folder / "summaries").glob("*.md"))
    chosen = rng.sample(paths, count)
    for path in chosen:
        text = path.read_text()
        text = text.replace(
            "## What they found {#findings}\n\n",
            "## What they found {#findings}\n\nA later check of the data confirmed this. ",
            1,
        )
        path.write_text(text)
    return sorted(path.stem for path in chosen)


@click.command("synth")
@click.option("--count", type=click.IntRange(min=1), required=True, help="Number of summaries.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same files.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the bundle folder into (use it as BUNDLES_DIR).",
)
@click.option("--bundle", "bundle_id", default="synthetic", show_default=True, help="Bundle id.")
@click.option(
    "--corpus",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CORPUS,
    # The path itself differs per checkout; the docs and --help name it relative.
    show_default="../shared/corpus/medquad/docs.jsonl beside the project",
    help="MedQuAD docs.jsonl to draw sentences from (a built-in vocabulary if missing).",
)
def synth_command(count, seed, out, bundle_id, corpus):
    """Write a deterministic synthetic bundle of COUNT valid summaries into OUT/<bundle>."""
    folder = synthesize(out, count, seed, bundle_id, corpus)
    source = corpus if corpus.is_file() else "built-in vocabulary"
    click.echo(f"wrote {count} summaries to {folder} (seed {seed}, sentences from {source})")
