"""A summary as one page: a self-contained HTML file that anyone can open offline in any
browser or a messaging app's viewer, and print on one or two A4 sheets.

The page is a pure function of the article object, the signed manifest it is listed in,
the interface catalog of the article's language, the day it was made and the address of
the library. ``static/lib/summary-page.js`` is the device's twin of this module and
``tests/static/test_summary_page.py`` checks that both write the same bytes: the API
(``GET …/articles/<id>/page``), ``satchel export --article`` and the app's "Send as a
page" make the same file for the same article on the same day.

``page_html`` is pure; ``stored_page`` reads the article's object from a published store.
No scripts, no external requests (its own Content-Security-Policy says so), inline CSS.
Written here rather than with a template engine: Jinja2 has no JavaScript twin that
would write the same bytes, and the page is a few dozen lines of markup.

The page names where it came from in ``<meta name="satchel-…">``: bundle, locale,
version, article id, the sha256 of the article object and the day it was made. To check
a page, a device takes the publisher's signed manifest of that version, finds the
article's entry, checks its object is the one named, writes the page again from that
object and compares the bytes (``static/lib/transfer.js``). The manifest's signature
covers its whole list of objects, so no per-article signature is needed (one would grow
every manifest by about 90 bytes an article); a changed letter anywhere in the page, in
the article's text or the labels around it, makes other bytes and is refused.
"""

from __future__ import annotations

import json
import re

from babel import Locale, UnknownLocaleError

from .errors import N_
from .store import Store

# The format of the page's meta members; a page of another format is not checked.
PAGE_FORMAT = 1
META = ("format", "bundle", "locale", "version", "article", "object", "made", "library")
SECTION_TITLES = {
    "takeaway": N_("Key takeaway"),
    "findings": N_("What they found"),
    "who_should_care": N_("Who should care and why"),
    "considerations": N_("Important considerations"),
}
REMINDER = N_("Never change or stop a treatment without talking to your doctor first.")
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;"
    "color:#111;background:#fff}h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem}"
    "h2{font-size:1.1rem;margin:1rem 0 .25rem}p,ul{margin:.25rem 0}.meta{color:#444}"
    ".ratings{list-style:none;padding:0}.takeaway{border-inline-start:4px solid #111;"
    "padding-inline-start:.75rem}.considerations,.source{border:1px solid #111;padding:.5rem}"
    ".reminder{font-weight:bold}a{color:#0645ad;overflow-wrap:anywhere}"
    "footer{border-top:1px solid #111;margin-top:1rem;font-size:.9rem}"
    "@page{size:A4;margin:14mm}@media print{body{font-size:10.5pt;padding:0}"
    ".considerations,.source{break-inside:avoid}h1,h2{break-after:avoid}}"
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def escape(text) -> str:
    """Text as HTML: ``&``, ``<``, ``>`` and ``"`` escaped, nothing else."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def direction(code: str) -> str:
    try:
        return Locale.parse(code.replace("-", "_")).text_direction
    except (ValueError, UnknownLocaleError):
        return "ltr"


def lang(code: str | None) -> str:
    """The ``lang`` and ``dir`` attributes of text in ``code``, as the app writes them."""
    return f' lang="{escape(code)}" dir="{direction(code)}"' if code else ""


def field_lang(code: str, fallback: dict | None, name: str) -> str:
    """Attributes of one field, in the language the build fell back to for it, if any."""
    return lang((fallback or {}).get(name) or code)


def translator(catalog: dict | None):
    """``_(msgid, **html)``: the catalog's text (the msgid if none), escaped, with each
    ``{name}`` replaced by the HTML given for it."""
    messages = (catalog or {}).get("messages") or {}

    def _(msgid: str, **html) -> str:
        text = messages.get(msgid)
        text = escape(text if isinstance(text, str) and text else msgid)
        return re.sub(r"\{(\w+)\}", lambda m: str(html.get(m[1], m[0])), text)

    return _


def element(tag: str, attributes: str, *children: str) -> str:
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


def rating(label: str, value: int) -> str:
    dots = "●" * value + "○" * (5 - value)
    return element("li", "", element("span", ' aria-hidden="true"', dots), " ", label)


def section(_, article: dict, part: dict) -> str:
    title = (
        escape(part["title"])
        if part.get("title")
        else _(SECTION_TITLES.get(part["id"], part["id"]))
    )
    reminder = element("p", ' class="reminder"', _(REMINDER))
    return element(
        "section",
        f' class="{escape(part["id"].replace("_", "-"))}"',
        element("h2", "", title),
        element("div", lang(article["lang"]), part["html"]),
        reminder if part["id"] == "considerations" else "",
    )


def source_section(_, source: dict | None, source_locale: str) -> str:
    if not source:
        return ""
    details = " · ".join(filter(None, [source.get("journal"), source.get("study_type")]))
    link = element("a", f' href="{escape(source["url"])}"', escape(source.get("title") or ""))
    return element(
        "section",
        ' class="source"',
        element("h2", "", _("Source study")),
        element("p", lang(source_locale), link, f" ({escape(source['url'])})"),
        element("p", ' class="meta"' + lang(source_locale), escape(details)) if details else "",
        element("p", ' class="meta"' + lang(source_locale), escape(f"DOI: {source['doi']}"))
        if source.get("doi")
        else "",
    )


def article_body(_, manifest: dict, article: dict) -> str:
    sections = {part["id"]: section(_, article, part) for part in article["sections"]}
    takeaway = sections.pop("takeaway", "")
    ratings = article.get("ratings")
    fallback = (article.get("translation") or {}).get("fallback")
    return element(
        "article",
        "",
        element("h1", field_lang(article["lang"], fallback, "title"), escape(article["title"])),
        element("p", ' class="meta"', _("Published {date}", date=escape(article["published"]))),
        element(
            "ul",
            f' class="ratings" aria-label="{_("Ratings")}"',
            rating(
                _("Credibility: {value} out of 5", value=ratings["credibility"]),
                ratings["credibility"],
            ),
            rating(_("Interest: {value} out of 5", value=ratings["interest"]), ratings["interest"]),
        )
        if ratings
        else "",
        takeaway,
        source_section(_, article.get("source"), manifest["source_locale"]),
        *sections.values(),
        element(
            "p",
            ' class="meta"',
            _(
                "Reviewed {reviewed}. Next review due {due}.",
                reviewed=escape(article["reviewed"]),
                due=escape(article["review_due"]),
            ),
        )
        if article.get("reviewed")
        else "",
    )


def licence_line(_, licence) -> str:
    if not licence:
        return ""
    if isinstance(licence, str):
        return element("p", "", _("Licence: {licence}", licence=escape(licence)))
    name = escape(licence.get("name") or licence.get("title") or licence.get("url") or "")
    if licence.get("url"):
        name = element("a", f' href="{escape(licence["url"])}"', name)
    if licence.get("attribution"):
        name = f"{escape(licence['attribution'])} · {name}"
    return element("p", "", _("Licence: {licence}", licence=name))


def footer(_, manifest: dict, article: dict, made: str, library: str) -> str:
    address = f"{library}#/read/{manifest['bundle']}/{manifest['locale']}/{article['id']}"
    bundle = element(
        "span",
        field_lang(manifest["locale"], manifest.get("fallback"), "title"),
        escape(manifest["title"]),
    )
    return element(
        "footer",
        "",
        element(
            "p",
            "",
            _(
                "From “{bundle}”, version {version}, published and signed by its publisher "
                "(key {key}).",
                bundle=bundle,
                version=manifest["version"],
                key=escape(manifest["signature"]["key_id"]),
            ),
        ),
        licence_line(_, manifest.get("license")),
        element(
            "p",
            "",
            _(
                "The whole library, to read and search without a connection: {link}. "
                "This page was made on {date}.",
                link=element("a", f' href="{escape(address)}" dir="ltr"', escape(address)),
                date=escape(made),
            ),
        ),
    )


def meta(name: str, value) -> str:
    return f'<meta name="satchel-{name}" content="{escape(value)}">'


def page_html(
    manifest: dict, article: dict, object_name: str, catalog: dict | None, made: str, library: str
) -> bytes:
    """The page of ``article`` (the object named ``object_name`` in the signed ``manifest``),
    its labels from the interface ``catalog`` of the article's language (English when
    None), made on ``made`` (YYYY-MM-DD), pointing to the library at ``library``."""
    _ = translator(catalog)
    ui = (catalog or {}).get("locale") or "en"
    values = (
        PAGE_FORMAT,
        manifest["bundle"],
        manifest["locale"],
        manifest["version"],
        article["id"],
        object_name,
        made,
        library,
    )
    head = "".join(
        [
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            *(meta(name, value) for name, value in zip(META, values, strict=True)),
            element("title", "", escape(article["title"])),
            element("style", "", STYLE),
        ]
    )
    body = element(
        "body",
        "",
        element("main", "", article_body(_, manifest, article)),
        footer(_, manifest, article, made, library),
    )
    page = f"<!DOCTYPE html>\n{element('html', lang(ui), element('head', '', head), body)}\n"
    return page.encode()


def file_name(manifest: dict, article_id: str) -> str:
    return f"{article_id}-{manifest['locale']}.html"


def stored_page(
    store: Store, manifest: dict, article_id: str, catalog, made, library
) -> bytes | None:
    """``page_html`` of an article of a published ``manifest`` (the caller has it parsed
    already, and a large one costs more to parse than the page to write), its object
    read from ``store``; None when the manifest does not list it with content
    (withdrawn, or another id)."""
    entry = next((a for a in manifest["articles"] if a["id"] == article_id), None)
    if not entry or not entry["object"]:
        return None
    article = json.loads(store.object_path(entry["object"]).read_bytes())
    return page_html(manifest, article, entry["object"], catalog, made, library)
