"""The *translate* stage: the rendered bundle in every locale that has a catalog.

For each segment the locale's chain is tried in order — the locale itself
(``pt-BR``), its language (``pt``) when that has a catalog, then the source —
and the first translation the catalog rules allow (see ``catalogs``) is used.
A segment shown in another language than the article's carries ``lang`` (and
``dir`` where the direction differs) on its element, so screen readers switch
voice; a title or teaser that falls back is listed in
``translation.fallback``, and so are the titles of about pages and the bundle's
title and description (``fallback``: field → language), so the app can tag them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from babel import Locale

from ..i18n.catalogs import ContentCatalog, catalog_locales, catalog_path, parse_locale
from .cache import NO_CACHE
from .render import RenderedBundle, RenderedText, Segment, render_markdown
from .thesaurus import Thesaurus
from .validate import Summary


def direction(code: str) -> str:
    return parse_locale(code).text_direction


@dataclass
class LocalisedAbout:
    id: str
    title: str
    html: str
    fallback: dict[str, str] = field(default_factory=dict)  # "title" → its language


@dataclass
class LocalisedBundle:
    bundle: str
    locale: str
    source_locale: str
    title: str
    description: str
    summaries: list[Summary]  # title, teaser and ``html`` in this locale
    about: list[LocalisedAbout]
    coverage: float = 1.0  # share of article segments shown in this locale
    # The locale's search thesaurus: concept → terms, clinical first (see ``Thesaurus.for_locale``).
    thesaurus: dict[str, list[str]] = field(default_factory=dict)
    license: dict | None = None  # the corpus's licence and attribution, when it has one
    fallback: dict[str, str] = field(default_factory=dict)  # title, description → language


@dataclass
class Chain:
    """Where each segment of one locale comes from, and how much is translated."""

    locale: str
    source_locale: str
    catalogs: list[ContentCatalog]
    translated: int = 0
    total: int = 0
    fallback: dict[str, str] = field(default_factory=dict)
    cache: object = NO_CACHE

    def start(self) -> None:
        """Begin counting for a new article."""
        self.translated, self.total, self.fallback = 0, 0, {}

    @property
    def coverage(self) -> float:
        return self.translated / self.total if self.total else 1.0

    def pick(self, context: str, source: str) -> tuple[str, str]:
        """``(text, language of that text)`` for one segment."""
        self.total += 1
        for catalog in self.catalogs:
            if context in catalog.usable:
                self.translated += 1
                return catalog.usable[context], catalog.locale
        if self.locale == self.source_locale:
            self.translated += 1
        return source, self.source_locale

    def attributes(self, language: str) -> dict[str, str]:
        if language == self.locale:
            return {}
        attributes = {"lang": language}
        if direction(language) != direction(self.locale):
            attributes["dir"] = direction(language)
        return attributes

    def field(self, context: str, source: str, name: str) -> str:
        text, language = self.pick(context, source)
        if language != self.locale:
            self.fallback[name] = language
        return text

    def html(self, text: RenderedText) -> str:
        replacements = [
            (translated, self.attributes(language))
            for translated, language in (self.pick(s.context, s.text) for s in text.segments)
        ]
        if self.locale == self.source_locale:
            return text.html  # picked only to be counted: nothing to replace
        key = json.dumps([text.markdown, replacements], ensure_ascii=False)
        return self.cache.memo(
            "translate",
            key,
            lambda: render_markdown(
                text.markdown, lambda number, _source: replacements[number - 1]
            ),
        )


def chain_for(
    locale: str, source_locale: str, catalogs: dict[str, ContentCatalog], cache=NO_CACHE
) -> Chain:
    language = Locale.parse(parse_locale(locale).language).language
    order = [locale] + ([language] if language != locale else [])
    return Chain(locale, source_locale, [catalogs[c] for c in order if c in catalogs], cache=cache)


def translation_status(coverage: float) -> str:
    return "complete" if coverage == 1.0 else "source" if coverage == 0.0 else "partial"


def localise(rendered: RenderedBundle, chain: Chain) -> LocalisedBundle:
    config = rendered.valid.config
    summaries, segments, translated = [], 0, 0
    for summary in rendered.summaries:
        data = dict(summary.data)
        if data["status"] != "published":
            summaries.append(summary)
            continue
        sid = data["id"]
        chain.start()
        data["title"] = chain.field(f"{sid}/title", data["title"], "title")
        data["teaser"] = chain.field(f"{sid}/teaser", data["teaser"], "teaser")
        sections = {key: chain.html(text) for key, text in summary.sections.items()}
        segments, translated = segments + chain.total, translated + chain.translated
        info = {
            "status": translation_status(chain.coverage),
            "coverage": round(chain.coverage, 4),
        }
        if chain.fallback:
            info["fallback"] = dict(chain.fallback)
        summaries.append(replace(summary, data=data, html=sections, translation=info))
    about = []
    for page in rendered.about:
        chain.fallback = {}
        title = chain.field(page.title.context, page.title.text, "title")
        about.append(LocalisedAbout(page.page.id, title, chain.html(page.text), chain.fallback))
    chain.fallback = {}
    title = chain.field("bundle/title", config["title"], "title")
    description = chain.field("bundle/description", config["description"], "description")
    thesaurus_terms = {}  # the concepts translated into this locale
    for segment in thesaurus_segments(rendered.valid.thesaurus):
        text, language = chain.pick(segment.context, segment.text)
        if language != chain.source_locale:
            thesaurus_terms[segment.context.split("/", 1)[1]] = Thesaurus.split(text)
    return LocalisedBundle(
        bundle=config["id"],
        locale=chain.locale,
        source_locale=config["source_locale"],
        title=title,
        description=description,
        summaries=summaries,
        about=about,
        coverage=round(translated / segments, 4) if segments else 1.0,
        thesaurus=rendered.valid.thesaurus.for_locale(chain.locale, thesaurus_terms),
        license=config.get("license"),
        fallback=chain.fallback,
    )


def thesaurus_segments(thesaurus: Thesaurus | None) -> list[Segment]:
    """A segment per concept of the thesaurus: its terms, clinical first, comma-separated."""
    if not thesaurus:
        return []
    return [
        Segment(
            f"thesaurus/{concept}",
            thesaurus.join([terms["clinical"], *terms["lay"]]),
            thesaurus.display,
            thesaurus.lines.get(concept, 1),
            f"Search words for '{concept}': the medical term first, then the everyday "
            "words people type, separated by commas. Use the words readers in your "
            "language would search with; any number of them.",
        )
        for concept, terms in sorted(thesaurus.concepts.items())
    ]


def translation_segments(rendered: RenderedBundle) -> list[Segment]:
    """Every translatable segment of the bundle, in a stable order: the catalogs'
    entries, and what a translator's template lists."""
    return rendered.segments + thesaurus_segments(rendered.valid.thesaurus)


def load_catalogs(translations: Path, rendered: RenderedBundle) -> dict[str, ContentCatalog]:
    """Every locale's catalog for this bundle, checked against today's source."""
    config = rendered.valid.config
    current = {segment.context: segment.text for segment in translation_segments(rendered)}
    return {
        locale: ContentCatalog.load(
            catalog_path(translations, locale, config["id"]),
            locale,
            config["source_locale"],
            current,
            config["drug_names"],
        )
        for locale in catalog_locales(translations, config["id"])
        if locale != config["source_locale"]
    }


def translate_bundle(
    rendered: RenderedBundle, catalogs: dict[str, ContentCatalog], cache=NO_CACHE
) -> list[LocalisedBundle]:
    """The bundle in its source locale first, then in every locale with a catalog;
    a text rendered with the same replacements before comes from ``cache``."""
    source = rendered.valid.config["source_locale"]
    locales = [source] + sorted(code for code in catalogs if code != source)
    return [
        localise(rendered, chain_for(code, source, catalogs if code != source else {}, cache))
        for code in locales
    ]
