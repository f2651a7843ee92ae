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

from marshmallow import fields, validate

from ..errors import Problem
from .schemas import SLUG, STATUSES, StrictSchema, slug_list, text
from .source import SourceFile

KIND = "reference"
TEASER_MAX = 200


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
    """The article object of a reference (``summary``: a translated ``validate.Summary``)."""
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
            for sid, html in summary.html.items()
        ],
        "topics": data["topics"],
        "symptoms": data["symptoms"],
        "related": data["related"],
        "translation": summary.translation,
    }
