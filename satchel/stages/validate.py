"""The *validate* stage: check loaded sources against the schemas and the rules
that span files, and collect every problem as ``path:line: field: message``.

Errors stop the build; warnings (``severity="warning"``) stop it only in
``--strict`` mode.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from marshmallow import ValidationError

from ..errors import Problem
from .cache import NO_CACHE
from .reference import ReferenceSchema, is_reference, reference_problems
from .schemas import SECTION_IDS, BundleSchema, SummarySchema
from .source import BundleSource, SourceFile
from .thesaurus import Thesaurus

if TYPE_CHECKING:  # for annotations only: render builds on validate
    from .render import RenderedText, Segment

TEASER_MAX = 200

FRIENDLIER = {
    "Missing data for required field.": "is required; add it",
    "Not a valid date.": "must be a real date written YYYY-MM-DD",
    "Not a valid string.": "must be text",
    "Not a valid integer.": "must be a whole number",
    "Not a valid list.": "must be a list, e.g. [a, b]",
    "Invalid input type.": "must be a group of 'key: value' lines",
    "Shorter than minimum length 1.": "must not be empty",
}


@dataclass(frozen=True)
class Summary:
    """One summary on its way through the build: made by *validate*, then extended
    (``dataclasses.replace``) by *render* and *translate* with what they made of it."""

    source: SourceFile  # the file, as *load* read it
    data: dict  # its front matter as the schema loaded it; title and teaser translated
    # render: section id → its text in the source locale (empty when withdrawn), and
    # the title and teaser as translators see them
    sections: dict[str, RenderedText] = field(default_factory=dict)
    fields: list[Segment] = field(default_factory=list)
    # translate: section id → HTML in the locale, and how much of it is translated
    html: dict[str, str] = field(default_factory=dict)
    translation: dict = field(default_factory=dict)

    @property
    def segments(self) -> list[Segment]:
        """What translators translate of it: title, teaser, then every section's text."""
        return self.fields + [s for text in self.sections.values() for s in text.segments]


@dataclass
class ValidBundle:
    """A bundle that passed validation: schema-loaded data next to its sources."""

    source: BundleSource
    config: dict
    summaries: list[Summary]
    thesaurus: Thesaurus | None = None


def _flatten(messages, prefix=""):
    """Marshmallow's nested error dict → (dotted field, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}{key}.")
    else:
        for message in messages:
            yield prefix.rstrip("."), message


def schema_problems(schema, source: SourceFile) -> tuple[dict | None, list[Problem]]:
    try:
        return schema.load(source.data), []
    except ValidationError as exc:
        problems = []
        for dotted, message in _flatten(exc.messages):
            parent, _, name = dotted.rpartition(".")
            if message == "Unknown field.":
                known = list(schema.fields) if not parent else _nested_fields(schema, parent)
                close = difflib.get_close_matches(name, known, n=1)
                message = (
                    f"is not a known field; did you mean '{close[0]}'?"
                    if close
                    else "is not a known field; remove it or check its spelling"
                )
            else:
                message = FRIENDLIER.get(message, message)
            field = ".".join(part for part in dotted.split(".") if not part.isdigit())
            problems.append(Problem(source.display, source.line_of(dotted), field, message))
        return None, problems


def _nested_fields(schema, dotted: str) -> list[str]:
    field = schema.fields.get(dotted.split(".")[0])
    nested = getattr(field, "schema", None) or getattr(
        getattr(field, "inner", None), "schema", None
    )
    return list(nested.fields) if nested else []


def section_problems(summary: SourceFile) -> list[Problem]:
    problems, seen = [], {}
    for section in summary.sections:
        if section.id not in SECTION_IDS:
            problems.append(
                Problem(
                    summary.display,
                    section.line,
                    "body",
                    f"unknown section '{{#{section.id}}}'; use one of "
                    + ", ".join(f"{{#{s}}}" for s in SECTION_IDS),
                )
            )
        elif section.id in seen:
            problems.append(
                Problem(
                    summary.display,
                    section.line,
                    "body",
                    f"section '{section.id}' appears twice (first on line "
                    f"{seen[section.id]}); merge them",
                )
            )
        elif not section.markdown:
            problems.append(
                Problem(
                    summary.display,
                    section.line,
                    "body",
                    f"section '{section.id}' is empty; write its text",
                )
            )
        seen.setdefault(section.id, section.line)
    for missing in (s for s in SECTION_IDS if s not in seen):
        problems.append(
            Problem(
                summary.display,
                summary.body_line,
                "body",
                f"section '{missing}' is missing; add a "
                f"'## ... {{#{missing}}}' heading with its text",
            )
        )
    return problems


def summary_problems(summary: SourceFile, data: dict, today: date) -> list[Problem]:
    problems = []
    stem = summary.path.stem
    if data["id"] != stem:
        problems.append(
            Problem(
                summary.display,
                summary.line_of("id"),
                "id",
                f"'{data['id']}' must equal the file name '{stem}'; rename one of them",
            )
        )
    if data["status"] == "published":
        problems.extend(section_problems(summary))
    if len(data["teaser"]) > TEASER_MAX:
        problems.append(
            Problem(
                summary.display,
                summary.line_of("teaser"),
                "teaser",
                f"is {len(data['teaser'])} characters; keep it under {TEASER_MAX}",
                "warning",
            )
        )
    if data["review_due"] < today:
        problems.append(
            Problem(
                summary.display,
                summary.line_of("review_due"),
                "review_due",
                f"{data['review_due']} has passed; review the summary and "
                "update 'reviewed' and 'review_due'",
                "warning",
            )
        )
    return problems


def related_problems(summaries: list[Summary]) -> list[Problem]:
    status = {s.data["id"]: s.data["status"] for s in summaries}
    problems = []
    for summary, data in ((s.source, s.data) for s in summaries):
        for index, target in enumerate(data["related"]):
            line = summary.line_of(f"related.{index}")
            if target == data["id"]:
                problems.append(
                    Problem(
                        summary.display, line, "related", "a summary cannot be related to itself"
                    )
                )
            elif target not in status:
                problems.append(
                    Problem(
                        summary.display,
                        line,
                        "related",
                        f"'{target}' is not a summary in this bundle",
                    )
                )
            elif status[target] != "published":
                problems.append(
                    Problem(
                        summary.display,
                        line,
                        "related",
                        f"'{target}' is withdrawn; remove it from related",
                    )
                )
    return problems


def duplicate_problems(summaries: list[Summary]) -> list[Problem]:
    first_seen: dict[str, SourceFile] = {}
    problems = []
    for summary, data in ((s.source, s.data) for s in summaries):
        if data["id"] in first_seen:
            problems.append(
                Problem(
                    summary.display,
                    summary.line_of("id"),
                    "id",
                    f"'{data['id']}' is already used by {first_seen[data['id']].display}",
                )
            )
        first_seen.setdefault(data["id"], summary)
    return problems


SUMMARY_SCHEMA = SummarySchema()
REFERENCE_SCHEMA = ReferenceSchema()


def validate_bundle(
    source: BundleSource,
    thesaurus: tuple[Thesaurus, list[Problem]],
    today: date | None = None,
    cache=NO_CACHE,
):
    """Return ``(ValidBundle | None, problems)``; None when any error was found.
    ``thesaurus``: the bundle's, and the problems ``load_thesaurus`` found in it."""
    today = today or date.today()
    problems = list(source.problems)
    config, config_problems = schema_problems(BundleSchema(), source.config)
    problems += config_problems
    if config and config["id"] != source.id:
        problems.append(
            Problem(
                source.config.display,
                source.config.line_of("id"),
                "id",
                f"'{config['id']}' must equal the folder name '{source.id}'",
            )
        )
    summaries = []
    cache.prefetch("schema", [summary.cache_key for summary in source.summaries])
    for summary in source.summaries:
        reference = is_reference(summary.data)
        schema = REFERENCE_SCHEMA if reference else SUMMARY_SCHEMA
        data, found = cache.memo(
            "schema",
            summary.cache_key,
            lambda summary=summary, schema=schema: schema_problems(schema, summary),
        )
        problems += found
        if data is not None:
            if reference:
                problems += reference_problems(summary, data)
                data = {**data, "section_titles": {x.id: x.heading for x in summary.sections}}
            else:
                problems += summary_problems(summary, data, today)
            summaries.append(Summary(summary, data))
    problems += duplicate_problems(summaries) + related_problems(summaries)
    problems += thesaurus[1]
    if any(p.severity == "error" for p in problems):
        return None, problems
    return ValidBundle(source, config, summaries, thesaurus[0]), problems
