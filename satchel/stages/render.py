"""The *render* stage: Markdown to HTML that is safe to insert into the app, and
the list of translatable segments each text is made of.

markdown-it-py renders CommonMark with raw HTML disabled (it is shown as text,
never passed through); nh3 then keeps only an allow-list of tags, attributes and
URL schemes. Both layers stay: the translate stage re-renders the same Markdown
with translated segments through this module, and a translator's msgstr is as
untrusted as an author's file.

A *segment* is the inline text of one paragraph, list item, heading or table
cell, kept as Markdown so links and emphasis travel with it. Segments are
numbered from 1 in document order within their text; that number is part of
the stable ``msgctxt`` translators see (``<summary>/<section>/<n>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from .cache import NO_CACHE
from .parallel import SERIAL, Workers
from .source import AboutPage, SourceFile
from .validate import Summary, ValidBundle

# h2: the headings of about pages (a summary's body has none: its ## headings start sections).
TEXT_BLOCKS = {"p", "li", "h2", "h3", "h4", "th", "td"}
ALLOWED_TAGS = TEXT_BLOCKS | {
    "ul", "ol", "strong", "em", "a", "code", "pre", "blockquote", "br", "hr", "table",
    "thead", "tbody", "tr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {tag: {"lang", "dir"} for tag in TEXT_BLOCKS} | {
    "a": {"href", "title", "rel"},
    "span": {"lang", "dir"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer"
SECTION_TITLES = {
    "takeaway": "Key takeaway",
    "findings": "What they found",
    "who_should_care": "Who should care and why",
    "considerations": "Important considerations",
}

# (segment number, source Markdown) → (replacement Markdown, attributes for its
# block such as {"lang": "en"}), or None to keep the source as it is.
Substitute = Callable[[int, str], tuple[str, dict[str, str]] | None]


def _is_external(href: str) -> bool:
    return urlsplit(href).scheme in {"http", "https"}


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    if _is_external(token.attrGet("href") or ""):
        token.attrSet("rel", EXTERNAL_REL)
    return self.renderToken(tokens, idx, options, env)


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
_markdown.add_render_rule("link_open", _link_open)


def sanitise(html: str) -> str:
    """Keep only allow-listed markup; anything else is dropped, its text kept."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _segment_text(token) -> str:
    return " ".join(line.strip() for line in token.content.splitlines())


def _block_of(tokens, index: int):
    """The element a segment's attributes belong on: its paragraph, or the list
    item when the paragraph is hidden (tight lists render no <p>)."""
    opening = tokens[index - 1]
    if not opening.hidden:
        return opening
    return next(
        t for t in reversed(tokens[: index - 1])
        if t.type == "list_item_open" and t.level == opening.level - 1
    )  # fmt: skip


def _segments(tokens) -> list[tuple[str, int]]:
    """``(segment Markdown, line offset within the text)`` for every segment."""
    return [
        (_segment_text(token), token.map[0] if token.map else 0)
        for token in tokens
        if token.type == "inline"
    ]


def _html(tokens) -> str:
    return sanitise(_markdown.renderer.render(tokens, _markdown.options, {})).strip()


def render_markdown(markdown: str, substitute: Substitute | None = None) -> str:
    """Markdown → sanitised HTML, optionally with segments replaced (see Substitute)."""
    tokens = _markdown.parse(markdown)
    inline = [i for i, token in enumerate(tokens) if token.type == "inline"]
    for number, index in enumerate(inline if substitute else [], start=1):
        replacement = substitute(number, _segment_text(tokens[index]))
        if replacement is None:
            continue
        text, attributes = replacement
        tokens[index].content = text
        tokens[index].children = _markdown.parseInline(text)[0].children
        for name, value in attributes.items():
            _block_of(tokens, index).attrSet(name, value)
    return _html(tokens)


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of text a translator translates on its own.

    A build holds every summary's segments from render to pack, so each is kept small:
    slots, and a comment made when asked (from what its text is, shared by the text's
    segments, and its number) instead of held: a rendered summary takes a quarter less."""

    context: str  # stable msgctxt, e.g. "ebv-and-ms-risk/findings/2"
    text: str  # the source, Markdown for body text, plain for titles
    path: str
    line: int
    about: str  # what the text is (with ``number``), or the whole comment (without)
    number: int = 0  # the segment's paragraph or list item in its text, from 1

    def __reduce__(self):
        # Its fields in order, for the constructor: a rebuild reads every unchanged
        # summary's segments back from the build cache, and the ``__setstate__`` that
        # dataclasses gives a slotted class looks up its fields again for each one
        # (unpickling a rendered summary took twice as long).
        return Segment, (self.context, self.text, self.path, self.line, self.about, self.number)

    @property
    def comment(self) -> str:
        """What the segment is, for the translator."""
        if not self.number:
            return self.about
        return (
            f"{self.about}, paragraph or list item {self.number}. "
            "Keep links and **emphasis** marks."
        )


@dataclass
class RenderedText:
    """Markdown rendered in the source locale, with the segments it is made of."""

    markdown: str
    html: str
    segments: list[Segment]


def render_text(markdown: str, context: str, path: str, first_line: int, what: str):
    tokens = _markdown.parse(markdown)
    segments = [
        Segment(f"{context}/{n}", text, path, first_line + offset, what, n)
        for n, (text, offset) in enumerate(_segments(tokens), start=1)
    ]
    return RenderedText(markdown, _html(tokens), segments)


@dataclass
class RenderedAbout:
    page: AboutPage
    title: Segment
    text: RenderedText


@dataclass
class RenderedBundle:
    valid: ValidBundle
    summaries: list[Summary]  # with their sections and fields
    about: list[RenderedAbout]
    fields: list[Segment]  # the bundle's title and description

    @property
    def segments(self) -> list[Segment]:
        """Every segment of the bundle's texts, in a stable order (``translate`` adds
        the thesaurus's)."""
        about = [s for page in self.about for s in [page.title, *page.text.segments]]
        summaries = [s for r in self.summaries for s in r.segments]
        return self.fields + summaries + about


def field_segment(source: SourceFile, context: str, key: str, comment: str) -> Segment:
    text = source.data.get(key, "")  # a reference article may have no teaser
    return Segment(context, text, source.display, source.line_of(key), comment)


def render_summary(summary: Summary) -> Summary:
    source, data = summary.source, summary.data
    sid = data["id"]
    if data["status"] != "published":
        return summary
    sections = {
        s.id: render_text(s.markdown, f"{sid}/{s.id}", source.display, s.start_line,
                          f"Summary '{sid}', section “{SECTION_TITLES.get(s.id, s.heading)}”")
        for s in source.sections
    }  # fmt: skip
    fields = [
        field_segment(source, f"{sid}/title", "title", f"Title of the summary '{sid}'."),
        field_segment(
            source,
            f"{sid}/teaser",
            "teaser",
            f"Teaser of '{sid}': one plain sentence shown in lists.",
        ),
    ]
    return replace(summary, sections=sections, fields=fields)


def rendered_parts(summary: Summary) -> tuple:
    """What the build cache keeps of a rendered summary: its sections and fields."""
    rendered = render_summary(summary)
    return rendered.sections, rendered.fields


def render_bundle(
    bundle: ValidBundle, progress=lambda: None, cache=NO_CACHE, workers: Workers = SERIAL
) -> RenderedBundle:
    """Render every published summary's sections and every about page.

    ``progress`` is called once per summary so the CLI can draw its bar;
    unchanged summaries come from ``cache`` (see buildcache), the others are rendered
    by ``workers``.
    """
    keys = [summary.source.cache_key for summary in bundle.summaries]

    def render_changed(positions: list[int]) -> list:
        for _unchanged in range(len(keys) - len(positions)):
            progress()
        changed = [bundle.summaries[position] for position in positions]
        return workers.map(rendered_parts, changed, progress)

    summaries = [
        replace(summary, sections=sections, fields=fields)
        for summary, (sections, fields) in zip(
            bundle.summaries, cache.memo_all("render", keys, render_changed), strict=True
        )
    ]
    config = bundle.source.config
    about = []
    for index, page in enumerate(bundle.source.about):
        title = Segment(
            f"about/{page.id}/title",
            page.title,
            config.display,
            config.line_of(f"about.{index}.title"),
            f"Title of the page '{page.id}'.",
        )
        text = render_text(
            page.markdown, f"about/{page.id}", page.display, 1, f"Page “{page.title}”"
        )
        about.append(RenderedAbout(page, title, text))
    fields = [
        field_segment(config, "bundle/title", "title", "Name of the collection of articles."),
        field_segment(
            config,
            "bundle/description",
            "description",
            "One or two sentences describing the collection.",
        ),
    ]
    return RenderedBundle(bundle, summaries, about, fields)
