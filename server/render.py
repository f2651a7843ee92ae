"""Stage 3, *render*: Markdown to HTML that is safe to insert into the app.

markdown-it-py renders CommonMark with raw HTML disabled (it is shown as text,
never passed through); nh3 then keeps only an allow-list of tags, attributes and
URL schemes. Both layers stay: translated text (a later stage) goes through this
same function, and a translator's msgstr is as untrusted as an author's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from .source import AboutPage, SourceFile
from .validate import ValidBundle

ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "br",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "span": {"lang", "dir"},
    "p": {"lang", "dir"},
    "li": {"lang", "dir"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer"


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


def render_markdown(markdown: str) -> str:
    """Markdown → sanitised HTML fragment."""
    return sanitise(_markdown.render(markdown)).strip()


@dataclass
class RenderedSummary:
    source: SourceFile
    data: dict
    sections: dict[str, str]  # section id → HTML; empty for withdrawn summaries


@dataclass
class RenderedAbout:
    page: AboutPage
    html: str


@dataclass
class RenderedBundle:
    valid: ValidBundle
    summaries: list[RenderedSummary]
    about: list[RenderedAbout]


def render_bundle(bundle: ValidBundle, progress=lambda: None) -> RenderedBundle:
    """Render every published summary's sections and every about page.

    ``progress`` is called once per summary so the CLI can draw its bar.
    """
    summaries = []
    for source, data in bundle.summaries:
        sections = (
            {s.id: render_markdown(s.markdown) for s in source.sections}
            if data["status"] == "published"
            else {}
        )
        summaries.append(RenderedSummary(source, data, sections))
        progress()
    about = [RenderedAbout(page, render_markdown(page.markdown)) for page in bundle.source.about]
    return RenderedBundle(bundle, summaries, about)
