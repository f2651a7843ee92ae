"""Gettext catalogs: extracting templates, merging them into translations,
and deciding which translations are safe to show.

Two kinds of catalog live under ``translations/``:

* ``messages``: the interface, extracted with Babel from ``satchel/`` (Python)
  and ``static/`` (JavaScript) — calls of ``_``, ``gettext`` and ``ngettext``;
* ``<bundle>``: one per bundle, one entry per segment (see ``render``), with a
  stable ``msgctxt`` such as ``ebv-and-ms-risk/findings/2``.

Templates are ``translations/<domain>.pot``; translations are
``translations/<ll_CC>/LC_MESSAGES/<domain>.po`` (gettext's folder naming, which
Poedit and Weblate expect; the API speaks BCP 47, ``pt-BR``).

**Safety rules.** A content translation is shown only if it is translated, not
fuzzy, written for the current source text (same msgid), and passes every
check in ``translation_problems``: the same ``{placeholders}``, the same link
targets, no markup the source lacks (HTML, emphasis, code), every number of the
source present (in either the source's or the locale's number format), a
negation where the source has one and none where it has none, and every drug
name the bundle declares kept as written. Anything else is *withheld* and the
reader sees the fallback chain's text instead (``pt-BR`` → ``pt`` → source).
"""

from __future__ import annotations

import difflib
import functools
import gettext
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import normalize, read_po, unescape, write_po

from ..errors import SatchelError

UI_DOMAIN = "messages"
UI_SOURCE_LOCALE = "en"
UI_SOURCES = (("satchel", "python", "**.py"), ("static", "javascript", "**.js"))
UI_KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
MARKUP = re.compile(r"\*\*|__|\*|`")
NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c\u00a0\u202f ]\d+)*")
NEGATIONS = {
    "en": r"\b(?:not|no|never|nothing|none|nobody|neither|nor|without|cannot|\w+n['’]t)\b",
    "es": r"\b(?:no|nunca|jamás|nada|ningun[oa]?|ningún|nadie|ni|sin|tampoco)\b",
    "pt": r"\b(?:não|nunca|jamais|nada|nenhum[a]?|ninguém|nem|sem)\b",
    "fr": r"\b(?:ne|n['’]|pas|jamais|aucun[e]?|rien|personne|sans|ni)\b",
    "ar": r"(?:^|\s)[وف]?(?:لا|لم|لن|ليس|ليست|غير|بدون|دون|أبدا|أبداً)(?=\s|$|[،.؟!])",
}


class CatalogError(SatchelError):
    """A catalog or locale problem the translator or maintainer can fix."""


@functools.lru_cache(maxsize=512)  # parsed for every tag of every Accept-Language header
def try_locale(code: str) -> Locale | None:
    """The Babel Locale for ``pt-BR`` or ``pt_BR``; None if Babel has no such locale."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError, TypeError):
        return None


@functools.cache
def _locale_index() -> tuple[dict[str, str], dict[str, str]]:
    from babel.localedata import locale_identifiers

    known = {ident.lower(): ident for ident in locale_identifiers()}
    names = {
        (Locale.parse(i).english_name or "").lower(): i for i in known.values() if "_" not in i
    }
    return known, names


def parse_locale(code: str) -> Locale:
    """Like ``try_locale``, but an unknown code is an error that lists close matches."""
    locale = try_locale(code)
    if locale is not None:
        return locale
    known, names = _locale_index()
    wanted = code.replace("-", "_").lower()
    close = (
        [names[wanted]]
        if wanted in names
        else [known[c] for c in difflib.get_close_matches(wanted, list(known), n=5, cutoff=0.5)]
    )
    hint = f" Did you mean: {', '.join(c.replace('_', '-') for c in close)}?" if close else ""
    raise CatalogError(f"'{code}' is not a locale Babel knows.{hint}")


def bcp47(locale: Locale | str) -> str:
    return str(locale).replace("_", "-")


def po_folder(code: str) -> str:
    return str(parse_locale(code))


def catalog_path(translations: Path, code: str, domain: str) -> Path:
    return translations / po_folder(code) / "LC_MESSAGES" / f"{domain}.po"


def template_path(translations: Path, domain: str) -> Path:
    return translations / f"{domain}.pot"


def catalog_locales(translations: Path, domain: str) -> list[str]:
    """BCP 47 codes of every locale with a catalog for ``domain``."""
    return sorted(bcp47(p.parts[-3]) for p in translations.glob(f"*/LC_MESSAGES/{domain}.po"))


PREVIOUS_MSGID = re.compile(
    r'^#\| msgid ("(?:[^"\\]|\\.)*")\n((?:#\| "(?:[^"\\]|\\.)*"\n)*)'
    r'(?:#.*\n)*msgctxt ("(?:[^"\\]|\\.)*")',
    re.M,
)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a PO file, keeping the ``#| msgid`` of fuzzy entries (Babel drops it)."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, abort_invalid=False)
    text = path.read_text(encoding="utf-8")
    previous = {
        unescape(context): "".join(
            unescape(part) for part in [first, *re.findall(r'"(?:[^"\\]|\\.)*"', more)]
        )
        for first, more, context in PREVIOUS_MSGID.findall(text)
    }
    for message in catalog:
        if message.context in previous:
            message.previous_id = [previous[message.context]]
    return catalog


PO_WIDTH = 78


def _po_bytes(catalog: Catalog) -> bytes:
    """The catalog as PO text, with ``#| msgid`` written the way msgmerge does.

    (Babel folds a long previous msgid into broken comment lines, so it is
    written here: one ``#|`` line per string line, before the entry's keywords.)
    """
    buffer = BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, include_previous=False, sort_output=False)
    blocks = buffer.getvalue().decode("utf-8").split("\n\n")
    for index, message in enumerate(list(catalog)[1:], start=1):
        if message.previous_id and index < len(blocks):
            lines = blocks[index].split("\n")
            keyword = next(
                i for i, line in enumerate(lines) if line.startswith(("msgctxt", "msgid"))
            )
            previous = "#| msgid " + normalize(message.previous_id[0], prefix="#| ", width=PO_WIDTH)
            blocks[index] = "\n".join([*lines[:keyword], previous, *lines[keyword:]])
    return "\n\n".join(blocks).encode("utf-8")


DATE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` unless only its header dates would change; True if written."""
    data = _po_bytes(catalog)
    if path.exists() and DATE_HEADER.sub(b"", path.read_bytes()) == DATE_HEADER.sub(b"", data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def content_template(bundle_id: str, segments) -> Catalog:
    catalog = Catalog(project=f"Satchel {bundle_id}", domain=bundle_id, fuzzy=False)
    for segment in segments:
        catalog.add(
            segment.text,
            context=segment.context,
            locations=[(segment.path, segment.line)],
            auto_comments=[segment.comment],
        )
    return catalog


def ui_template(folders: dict[str, Path]) -> Catalog:
    """The interface's template, extracted from each of ``UI_SOURCES`` where ``folders``
    puts it (side by side in a checkout; a wheel has static/ inside the package)."""
    catalog = Catalog(project="Satchel", domain=UI_DOMAIN, fuzzy=False)
    for folder, method, pattern in UI_SOURCES:
        extracted = extract_from_dir(
            folders[folder],
            method_map=[(pattern, method)],
            keywords=UI_KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in extracted:
            location = (f"{folder}/{filename}", line)
            existing = catalog.get(message, context)
            if existing:
                existing.locations.append(location)
            else:
                catalog.add(message, locations=[location], auto_comments=comments, context=context)
    return catalog


def merge_content(catalog: Catalog, template: Catalog) -> Catalog:
    """``catalog`` brought up to ``template``, matched by msgctxt (the segment's path).

    Same path, same source: kept. Same path, new source: the old translation is
    kept but marked fuzzy, with the old source as ``#| msgid``. New path:
    untranslated. Path gone: obsolete. (Babel's own update matches by msgid
    similarity across all entries, which would pair unrelated segments.)
    """
    old = {message.context: message for message in catalog if message.id}
    merged = Catalog(
        locale=catalog.locale, domain=catalog.domain, project=catalog.project, fuzzy=False
    )
    merged.mime_headers = catalog.mime_headers
    for entry in template:
        if not entry.id:
            continue
        message = Message(
            entry.id,
            context=entry.context,
            locations=entry.locations,
            auto_comments=entry.auto_comments,
        )
        previous = old.pop(entry.context, None)
        if previous is not None:
            message.string = previous.string
            message.user_comments = previous.user_comments
            message.flags = set(previous.flags)
            if previous.id != entry.id:
                message.previous_id = [previous.id]
                if previous.string:
                    message.flags.add("fuzzy")
        merged[entry.id] = message
    merged.obsolete.update(catalog.obsolete)
    for message in old.values():
        merged.obsolete[(message.id, message.context)] = message
    return merged


def merge_ui(catalog: Catalog, template: Catalog) -> Catalog:
    catalog.update(template)
    return catalog


# ---- checks ---------------------------------------------------------------


def _numbers(text: str, locale: Locale | None) -> set[Decimal]:
    """Every number in ``text``, read in the source format and, if given, the locale's."""
    digits = "".join(
        str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text
    )
    formats = [(",", ".")]
    if locale is not None:
        symbols = locale.number_symbols.get("latn", {})
        formats.append((symbols.get("group", ","), symbols.get("decimal", ".")))
        formats.append(("\u066c", "\u066b"))
    values = set()
    for raw in NUMBER.findall(digits):
        for group, decimal in formats:
            cleaned = raw
            for separator in {group, "\u00a0", "\u202f", " "}:
                cleaned = cleaned.replace(separator, "")
            cleaned = cleaned.replace(decimal, ".")
            try:
                values.add(Decimal(cleaned))
            except InvalidOperation:
                continue
    return values


def _negated(text: str, language: str) -> bool | None:
    pattern = NEGATIONS.get(language)
    return None if pattern is None else bool(re.search(pattern, text, re.I))


def translation_problems(
    source: str, translation: str, source_locale: str, locale: str, drug_names=()
) -> list[str]:
    """Why ``translation`` can't be shown for ``source``; empty when it can."""
    problems = []
    if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(translation)):
        problems.append("placeholders differ: keep every {name} exactly as in the source")
    if Counter(LINK_TARGET.findall(source)) != Counter(LINK_TARGET.findall(translation)):
        problems.append("links differ: keep every link target [text](…) as in the source")
    if HTML_TAG.search(translation) and not HTML_TAG.search(source):
        problems.append("contains HTML; use plain text and Markdown only")
    if Counter(MARKUP.findall(source)) != Counter(MARKUP.findall(translation)):
        problems.append("Markdown markup differs: keep the same ** * and ` marks")
    target = parse_locale(locale)
    missing = sorted(_numbers(source, None) - _numbers(translation, target))
    if missing:
        problems.append(f"numbers differ: {', '.join(map(str, missing))} missing")
    source_negated = _negated(source, parse_locale(source_locale).language)
    target_negated = _negated(translation, target.language)
    if None not in (source_negated, target_negated) and source_negated != target_negated:
        problems.append(
            "negation differs: the source says "
            + ("'not/no/never'" if source_negated else "no 'not'")
            + ", the translation does not match"
        )
    folded = translation.casefold()
    lost = [
        name
        for name in drug_names
        if name.casefold() in source.casefold() and name.casefold() not in folded
    ]
    if lost:
        problems.append(f"drug name missing: keep {', '.join(lost)} as written")
    return problems


@dataclass(frozen=True)
class Withheld:
    context: str
    line: int
    problems: tuple[str, ...]


@dataclass
class ContentCatalog:
    """A locale's content catalog reduced to what the build may use."""

    locale: str
    path: Path
    usable: dict[str, str]  # msgctxt → translation, only entries safe to show
    withheld: list[Withheld]
    fuzzy: set[str]

    @classmethod
    def load(
        cls, path: Path, locale: str, source_locale: str, current: dict[str, str], drug_names=()
    ) -> ContentCatalog:
        """``current`` maps msgctxt → today's source text for every live segment."""
        usable, withheld, fuzzy = {}, [], set()
        for message in read_catalog(path, locale=po_folder(locale)):
            if not message.id or not message.string or message.context not in current:
                continue
            if message.fuzzy:
                fuzzy.add(message.context)
                continue
            problems = []
            if message.id != current[message.context]:
                problems.append(
                    "source changed since translation: run 'flask i18n update' and review the entry"
                )
            problems += translation_problems(
                current[message.context], message.string, source_locale, locale, drug_names
            )
            if problems:
                withheld.append(Withheld(message.context, message.lineno, tuple(problems)))
            else:
                usable[message.context] = message.string
        return cls(locale, path, usable, withheld, fuzzy)


# ---- the interface catalog, compiled for the app and the API ----------------

PLURAL_SAMPLES = [*range(0, 201), 1000, 10000, 100000, 1000000]


def plural_form_problems(source: str, form: str) -> list[str]:
    """A plural form may leave out ``{count}`` ("one article") but add nothing."""
    problems = []
    if not set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(source)):
        problems.append("placeholders differ: use only the {names} of the source")
    if HTML_TAG.search(form):
        problems.append("contains HTML; use plain text only")
    return problems


def plural_samples(locale: Locale) -> dict[str, int | None]:
    """An integer of each CLDR plural category of ``locale`` (None: only fractions)."""
    samples: dict[str, int | None] = {tag: None for tag in locale.plural_form.tags | {"other"}}
    for number in PLURAL_SAMPLES:
        tag = locale.plural_form(number)
        if samples.get(tag) is None:
            samples[tag] = number
    return samples


def compile_ui(catalog: Catalog, code: str) -> dict:
    """A UI catalog as the app and the API read it: plurals keyed by CLDR category.

    Gettext numbers its plural forms by the catalog's formula; CLDR names them.
    Each category takes the form gettext picks for a sample number of it; a
    category with only fractional samples takes the last form.
    """
    locale = parse_locale(code)
    choose = gettext.c2py(catalog.plural_expr)
    messages = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if message.pluralizable:
            forms = list(message.string)
            if all(forms) and not any(plural_form_problems(message.id[1], f) for f in forms):
                messages[message.id[0]] = {
                    tag: forms[min(choose(n), len(forms) - 1) if n is not None else -1]
                    for tag, n in sorted(plural_samples(locale).items())
                }
        elif not translation_problems(message.id, message.string, UI_SOURCE_LOCALE, code):
            messages[message.id] = message.string
    return {
        "locale": code,
        "direction": locale.text_direction,
        "plural_categories": sorted(plural_samples(locale)),
        "messages": messages,
    }
