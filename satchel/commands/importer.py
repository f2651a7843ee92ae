"""``satchel import PATH --format medquad --bundle ID --out DIR``.

Turns a corpus of health documents into a bundle source tree under
``DIR/<ID>/``: ``bundle.yaml`` (with the corpus licence and attribution) and one
``summaries/<slug of the document id>.md`` per document, of ``kind:
reference``. Nothing is invented: the title, URL, collection and titled
sections are the document's own; the teaser is the opening sentence of its
first section (cut at a word, with "…", when longer than 200 characters).
The file is streamed, one document at a time, with a progress bar; the tree
it writes is build input, never something to commit.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
import yaml

from ..stages.reference import KIND
from ..stages.source import slugify

MEDQUAD_BUNDLE = {
    "title": "MedQuAD: health topics from NIH and CDC",
    "description": "Reference pages about diseases, conditions and genetics from U.S. "
    "government health sites (NIH, NLM, CDC, NCI), collected by MedQuAD.",
    "source_locale": "en",
    "retain_versions": 2,
    "license": {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
        "attribution": "Contains data from MedQuAD (Ben Abacha & Demner-Fushman, 'A "
        "question-entailment approach to question answering', BMC Bioinformatics 2019; "
        "https://github.com/abachaa/MedQuAD), licensed CC BY 4.0; original content from "
        "NIH/NLM/CDC/NCI websites. Modified: converted from XML to JSONL, subsets without "
        "answers dropped, and converted to Satchel reference articles.",
    },
}
TEASER_MAX = 200
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.S)


def teaser_of(text: str) -> str:
    first = text.strip().split("\n\n")[0].strip()
    match = FIRST_SENTENCE.match(first)
    sentence = " ".join((match.group(1) if match else first).split())
    if len(sentence) <= TEASER_MAX:
        return sentence
    return sentence[: TEASER_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def markdown_text(text: str) -> str:
    """Corpus text → Markdown that reads the same: no line may start a heading."""
    return "\n".join(
        "\\" + line if line.lstrip().startswith("#") else line for line in text.splitlines()
    )


def medquad_article(document: dict) -> tuple[str, str]:
    """``(file name, file text)`` of one MedQuAD document."""
    article_id = slugify(document["id"])
    sections = [s for s in document["sections"] if s["text"].strip()]
    front = {
        "kind": KIND,
        "id": article_id,
        # Three CDC pages have no title upstream; say so rather than make one up.
        "title": " ".join(document["title"].split())
        or f"Untitled {document['source']} page {document['id']}",
        "teaser": teaser_of(sections[0]["text"]) if sections else "",
        "source": {"url": document["url"], "collection": document["source"]},
    }
    body = "\n\n".join(f"## {s['heading']}\n\n{markdown_text(s['text'])}" for s in sections)
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    return f"{article_id}.md", f"---\n{head}---\n\n{body}\n"


FORMATS = {"medquad": (MEDQUAD_BUNDLE, medquad_article)}


def import_corpus(path: Path, fmt: str, bundle_id: str, out: Path, progress=None) -> int:
    """Write the bundle tree; return the number of articles. ``progress(bytes)``."""
    config, convert = FORMATS[fmt]
    folder = out / bundle_id
    summaries = folder / "summaries"
    summaries.mkdir(parents=True, exist_ok=True)
    for old in summaries.glob("*.md"):
        old.unlink()
    head = {"id": bundle_id, **config}
    (folder / "bundle.yaml").write_text(
        yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=1000)
    )
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            if progress:
                progress(len(line))
            if not line.strip():
                continue
            name, text = convert(json.loads(line))
            (summaries / name).write_text(text)
            count += 1
    return count


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True, help="Corpus format."
)
@click.option("--bundle", "bundle_id", required=True, metavar="ID", help="Id of the new bundle.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="DIR",
    help="Folder to write the bundle into (DIR/ID/); use it as BUNDLES_DIR.",
)
def import_command(path, fmt, bundle_id, out):
    """Turn a corpus file (JSON Lines) into a bundle of reference articles."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", bundle_id):
        raise click.BadParameter("must be a slug, e.g. 'medquad'", param_hint="--bundle")
    with click.progressbar(
        length=path.stat().st_size, label=f"Importing {path.name}", file=sys.stderr
    ) as bar:
        count = import_corpus(path, fmt, bundle_id, out, bar.update)
    click.echo(f"{count:,} articles written to {out / bundle_id}")
