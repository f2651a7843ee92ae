"""A bundle's lay-term thesaurus: ``bundles/<bundle>/thesaurus.yaml`` (optional).

Each concept names its clinical term and the everyday words people use for it::

    paresthesia:
      clinical: paresthesia
      lay: [pins and needles, tingling, numbness]

A query holding any of these terms is expanded with all of them, at a lower
weight than the words typed (the rules are in ``search``). The terms are in
the bundle's source locale; other locales get theirs from ``translations``
(locale → concept → list of terms), which the translation stage fills from
the bundle's PO catalog (one entry per concept, ``thesaurus/<concept>``,
its terms separated by commas). A locale without translations has no thesaurus.
The terms of a locale are part of its manifest (``search.thesaurus``), so an
edit publishes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate

from ..errors import Problem
from .schemas import SLUG, StrictSchema
from .source import SourceFile, display_path, parse_yaml, read_text

FILE_NAME = "thesaurus.yaml"


def term():
    return fields.String(
        validate=validate.Length(min=1, max=80, error="must be 1 to 80 characters")
    )


class ConceptSchema(StrictSchema):
    clinical = fields.String(required=True, validate=validate.Length(min=1, max=80))
    lay = fields.List(term(), required=True, validate=validate.Length(min=1))


class _SlugOnly(Schema):
    slug = fields.String(validate=SLUG)


@dataclass
class Thesaurus:
    source_locale: str
    concepts: dict[str, dict] = field(default_factory=dict)
    display: str = ""  # the file, and each concept's line in it, for translators
    lines: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def split(text: str) -> list[str]:
        """A translated entry, "term, term, …", as its terms."""
        return [term.strip() for term in text.split(",") if term.strip()]

    @staticmethod
    def join(terms: list[str]) -> str:
        return ", ".join(terms)

    def for_locale(
        self, locale: str, translated: dict[str, list[str]]
    ) -> dict[str, list[str]]:
        """Concept → terms (clinical first) for ``locale``, whose ``translated`` terms the
        translate stage found (none for the source locale); sorted, without duplicates."""
        if locale == self.source_locale:
            terms = {c: [d["clinical"], *d["lay"]] for c, d in self.concepts.items()}
        else:
            terms = translated
        return {
            concept: list(dict.fromkeys(t.strip() for t in values if t.strip()))
            for concept, values in sorted(terms.items())
            if values
        }


def load_thesaurus(root: Path, source_locale: str) -> tuple[Thesaurus, list[Problem]]:
    """Read and check ``root/thesaurus.yaml``; an absent file is an empty thesaurus."""
    thesaurus = Thesaurus(source_locale)
    path = root / FILE_NAME
    if not path.exists():
        return thesaurus, []
    problems: list[Problem] = []
    source = SourceFile(path=path, display=display_path(path))
    text = read_text(path, problems)
    if text is None:
        return thesaurus, problems
    parse_yaml(text, source, offset=0, problems=problems)
    thesaurus.display = source.display
    for concept, value in source.data.items():
        concept = str(concept)
        thesaurus.lines[concept] = source.line_of(concept)
        try:
            _SlugOnly().load({"slug": concept})
        except ValidationError as exc:
            problems.append(
                Problem(source.display, source.line_of(concept), concept, exc.messages["slug"][0])
            )
            continue
        try:
            thesaurus.concepts[concept] = ConceptSchema().load(value)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
            for name, found in messages.items():
                if isinstance(found, dict):  # a list item: {index: [messages]}
                    found = [m for ms in found.values() for m in ms]
                dotted = f"{concept}.{name}".rstrip(".")
                message = "; ".join(found) if isinstance(found, list) else str(found)
                message = {
                    "Missing data for required field.": "is required; add it",
                    "Unknown field.": "is not a known field; use 'clinical' and 'lay'",
                    "Invalid input type.": "must be a group with 'clinical' and 'lay'",
                    "Not a valid list.": "must be a list, e.g. [tired, worn out]",
                }.get(message, message)
                problems.append(Problem(source.display, source.line_of(dotted), dotted, message))
    return thesaurus, problems
