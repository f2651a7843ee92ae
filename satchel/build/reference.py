"""The second kind of article: ``kind: reference``.

A reference article is a page of health information (for example an imported
MedQuAD document), not a summary of one study: it has a title, where it comes
from (``source: {url, collection}``), optionally a teaser, topics and symptoms,
and a body of freely titled ``## Heading`` sections. It has no ratings, no
review dates and no fixed sections. It goes through the same stages as a
summary (load, validate, render, pack) and becomes the article object::

    {"kind": "reference", "id", "lang", "title", "teaser", "published", "status",
     "source": {"url", "collection"}, "sections": [{"id", "title", "html"}],
     "topics", "symptoms", "related"}

Section ids are the slug of the heading (``who-is-at-risk``), made unique with
``-2``, ``-3``… when a heading repeats.
"""

from __future__ import annotations

import re
import unicodedata

from marshmallow import fields, validate

from .errors import Problem
from .schemas import SLUG, STATUSES, StrictSchema, slug_list, text
from .source import ANY_HEADING, FENCE, Section, SourceFile

KIND = "reference"
TEASER_MAX = 200
FREE_HEADING = re.compile(r"^##[ \t]+(?P<heading>.+?)[ \t#]*$")


class ReferenceSourceSchema(StrictSchema):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        error_messages={"invalid": "must be a full http:// or https:// link to the page"},
    )
    collection = text()


class ReferenceSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.Equal(KIND))
    id = fields.String(required=True, validate=SLUG)
    title = text()
    teaser = fields.String(load_default="")
    published = fields.Date(load_default=None)
    status = fields.String(
        load_default="published",
        validate=validate.OneOf(STATUSES, error="must be one of: published, withdrawn"),
    )
    source = fields.Nested(ReferenceSourceSchema, required=True)
    topics = slug_list()
    symptoms = slug_list()
    related = slug_list()


def is_reference(data: dict) -> bool:
    return isinstance(data, dict) and data.get("kind") == KIND


def slugify(heading: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def split_free_sections(source: SourceFile, problems: list[Problem]) -> None:
    """Cut the body at each ``## Heading`` line (ignoring fenced code)."""
    current: Section | None = None
    chunks: list[str] = []
    in_fence = False
    used: dict[str, int] = {}

    def close() -> None:
        if current is not None:
            current.markdown = "\n".join(chunks).strip()
            source.sections.append(current)

    for index, line_text in enumerate(source.body.splitlines()):
        line = source.body_line + index
        if FENCE.match(line_text):
            in_fence = not in_fence
        match = None if in_fence else FREE_HEADING.match(line_text)
        if match:
            close()
            heading = match["heading"]
            base = slugify(heading) or f"section-{len(source.sections) + 1}"
            used[base] = used.get(base, 0) + 1
            section_id = base if used[base] == 1 else f"{base}-{used[base]}"
            current = Section(section_id, heading, line, "")
            chunks = []
        elif not in_fence and ANY_HEADING.match(line_text):
            problems.append(
                Problem(source.display, line, "body", "use '## Heading' for sections, not '#'")
            )
        elif current is None:
            if line_text.strip():
                problems.append(
                    Problem(
                        source.display,
                        line,
                        "body",
                        "text before the first section; start the body with a '## Heading'",
                    )
                )
        else:
            chunks.append(line_text)
    close()


def reference_problems(source: SourceFile, data: dict) -> list[Problem]:
    problems = []
    if data["id"] != source.path.stem:
        problems.append(
            Problem(
                source.display,
                source.line_of("id"),
                "id",
                f"'{data['id']}' must equal the file name '{source.path.stem}'; rename one of them",
            )
        )
    if data["status"] == "published":
        if not source.sections:
            problems.append(
                Problem(
                    source.display,
                    source.body_line,
                    "body",
                    "has no sections; add at least one '## Heading' with its text",
                )
            )
        for section in source.sections:
            if not section.markdown:
                problems.append(
                    Problem(
                        source.display,
                        section.line,
                        "body",
                        f"section '{section.heading}' is empty; write its text",
                    )
                )
    if len(data["teaser"]) > TEASER_MAX:
        problems.append(
            Problem(
                source.display,
                source.line_of("teaser"),
                "teaser",
                f"is {len(data['teaser'])} characters; keep it under {TEASER_MAX}",
                "warning",
            )
        )
    return problems


def reference_document(summary, locale: str, articles: dict) -> dict:
    """The article object of a localised reference (``summary``: a LocalisedSummary)."""
    data = articles[summary.data["id"]]
    return {
        "kind": KIND,
        "id": data["id"],
        "lang": locale,
        "title": data["title"],
        "teaser": data["teaser"],
        "published": data["published"],
        "status": data["status"],
        "source": data["source"],
        "sections": [
            {"id": sid, "title": data["section_titles"][sid], "html": html}
            for sid, html in summary.sections.items()
        ],
        "topics": data["topics"],
        "symptoms": data["symptoms"],
        "related": data["related"],
        "translation": summary.translation,
    }
