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

import copy
import difflib
import functools
import gettext
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from textwrap import TextWrapper

import polib
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message, get_close_matches
from babel.messages.extract import extract_from_dir

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


def interface_locales(store) -> list[str]:
    """The locales the app's interface speaks in ``store``: English, and each catalog's."""
    return sorted({UI_SOURCE_LOCALE, *store.ui_locales()})


def locale_listing(store, pointers: dict[str, dict[str, int]], interface: list[str]) -> list[dict]:
    """Every locale of ``interface`` (those with an interface catalog) or with a bundle of
    ``pointers`` (bundle → locale → version) published in ``store``: its names,
    direction, whether the interface speaks it, and each bundle's version and coverage in
    it. The list of languages, ``locales.json``, as GET /api/v1/locales answers it."""
    by_locale: dict[str, dict] = {code: {} for code in interface}
    for bundle, versions in pointers.items():
        for code, version in versions.items():
            coverage = store.manifest(bundle, code, version).get("coverage", 1.0)
            by_locale.setdefault(code, {})[bundle] = {"version": version, "coverage": coverage}
    listing = []
    for code, bundles in sorted(by_locale.items()):
        locale = parse_locale(code)
        listing.append(
            {
                "code": code,
                "name": locale.english_name,
                "native_name": locale.display_name,
                "direction": locale.text_direction,
                "interface": code in interface,
                "bundles": bundles,
            }
        )
    return listing


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


PO_WIDTH = 78  # what gettext's tools and Poedit wrap at, near enough to keep diffs small


def read_catalog(path: Path) -> polib.POFile:
    """A PO or POT file, ``#| msgid`` (the source a fuzzy translation was written for) kept."""
    try:
        return polib.pofile(str(path), wrapwidth=PO_WIDTH)
    except (OSError, LookupError, UnicodeDecodeError, ValueError) as exc:
        problem = str(exc) if str(path) in str(exc) else f"{path}: {exc}"  # polib names it
        raise CatalogError(
            f"{problem}. Fix the file in a PO editor (msgfmt --check {path} shows the "
            "problem); until then nothing from it can be read."
        ) from exc


DATE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)


def write_catalog(path: Path, catalog: polib.POFile) -> bool:
    """Write ``catalog`` unless only its header dates would change; True if written."""
    data = str(catalog).encode(catalog.encoding)
    if path.exists() and DATE_HEADER.sub(b"", path.read_bytes()) == DATE_HEADER.sub(b"", data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def project_name(domain: str) -> str:
    return "Satchel" if domain == UI_DOMAIN else f"Satchel {domain}"


def new_catalog(domain: str, locale: str | None = None) -> polib.POFile:
    """An empty catalog (a template without ``locale``) with the header Babel writes:
    the locale's name, and its plural forms from CLDR."""
    babel = Catalog(locale=locale, domain=domain, project=project_name(domain), fuzzy=False)
    wrapper = TextWrapper(width=PO_WIDTH, subsequent_indent="# ", break_long_words=False)
    lines = [part for line in babel.header_comment.splitlines() for part in wrapper.wrap(line)]
    catalog = polib.POFile(wrapwidth=PO_WIDTH)
    catalog.header = "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines)
    catalog.metadata = {name: value.strip() for name, value in babel.mime_headers}
    return catalog


def plural_rule(catalog: polib.POFile, locale: Locale | None = None) -> tuple[int, str]:
    """``(number of forms, C expression)``: the catalog's Plural-Forms, else CLDR's for
    ``locale`` (default: the catalog's Language)."""
    rules = Catalog(locale=locale or try_locale(catalog.metadata.get("Language", "")))
    if "Plural-Forms" in catalog.metadata:
        rules.mime_headers = [("Plural-Forms", catalog.metadata["Plural-Forms"])]
    return rules.num_plurals, rules.plural_expr


def live(catalog: polib.POFile) -> list[polib.POEntry]:
    """The entries in use: not obsolete (``#~``)."""
    return [entry for entry in catalog if not entry.obsolete]


def forms(entry: polib.POEntry) -> list[str]:
    """The translation, one string per plural form (one for a singular entry)."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def template_entry(msgid, context, comments, locations) -> polib.POEntry:
    """A template entry; ``msgid`` is a string or, plural, ``(singular, plural)``;
    flags such as ``python-brace-format`` are the ones Babel finds."""
    singular, plural = (msgid, "") if isinstance(msgid, str) else msgid[:2]
    return polib.POEntry(
        msgctxt=context,
        msgid=singular,
        msgid_plural=plural,
        msgstr_plural={0: "", 1: ""} if plural else {},
        occurrences=[(path, str(line)) for path, line in sorted(set(locations))],
        comment="\n".join(comments),
        flags=sorted(Message(msgid, context=context).flags),
    )


def content_template(bundle_id: str, segments, root: Path) -> polib.POFile:
    """The template of a bundle's text. References name files relative to ``root`` (the
    content root), not to the current folder: an update run from any folder rewrites none."""
    catalog = new_catalog(bundle_id)
    for segment in segments:
        path = Path(os.path.relpath(os.path.abspath(segment.path), root)).as_posix()
        catalog.append(
            template_entry(segment.text, segment.context, [segment.comment], [(path, segment.line)])
        )
    return catalog


def ui_template(folders: dict[str, Path]) -> polib.POFile:
    """The interface's template, extracted from each of ``UI_SOURCES`` where ``folders``
    puts it (side by side in a checkout; a wheel has static/ inside the package)."""
    # (msgid, msgctxt) → (message, msgctxt, comments) as first seen, and every location
    found: dict[tuple[str, str | None], tuple[object, str | None, list, list]] = {}
    for folder, method, pattern in UI_SOURCES:
        extracted = extract_from_dir(
            folders[folder],
            method_map=[(pattern, method)],
            keywords=UI_KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in extracted:
            key = (message if isinstance(message, str) else message[0], context)
            locations = found.setdefault(key, (message, context, comments, []))[3]
            locations.append((f"{folder}/{filename}", line))
    catalog = new_catalog(UI_DOMAIN)
    catalog.extend(template_entry(*sighting) for sighting in found.values())
    return catalog


def _source(entry: polib.POEntry) -> tuple[str | None, str, str]:
    """What an entry's translation translates."""
    return entry.msgctxt, entry.msgid, entry.msgid_plural


def _merged(new: polib.POEntry, old: polib.POEntry | None, plurals: int) -> polib.POEntry:
    """Template entry ``new`` carrying ``old``'s translation and translator comments.

    The translation turns fuzzy when it was written for other text (or other plural
    forms), and a fuzzy entry keeps as ``#| msgid`` the source its translation was
    written for, through any number of updates, until a translator reviews it.
    """
    entry = polib.POEntry(
        msgctxt=new.msgctxt,
        msgid=new.msgid,
        msgid_plural=new.msgid_plural,
        occurrences=list(new.occurrences),
        comment=new.comment,
        flags=list(new.flags),
    )
    had = forms(old) if old is not None else []
    if new.msgid_plural:
        entry.msgstr_plural = dict(enumerate((had + [""] * plurals)[:plurals]))
    else:
        entry.msgstr = had[0] if had else ""
    if old is None:
        return entry
    entry.tcomment = old.tcomment
    changed = _source(old) != _source(new)
    reshaped = bool(old.msgid_plural) != bool(new.msgid_plural) or (
        new.msgid_plural and len(had) != plurals
    )
    fuzzy = old.fuzzy or (any(had) and (changed or reshaped))
    # As msgmerge: format flags describe the source, so they come from the template.
    kept = {flag for flag in old.flags if flag != "fuzzy" and not flag.endswith("-format")}
    entry.flags = sorted({*new.flags, *kept, *(["fuzzy"] if fuzzy else [])})
    if not fuzzy:
        return entry
    if old.fuzzy and old.previous_msgid is not None:
        entry.previous_msgctxt = old.previous_msgctxt
        entry.previous_msgid = old.previous_msgid
        entry.previous_msgid_plural = old.previous_msgid_plural
    elif changed:
        entry.previous_msgctxt = old.msgctxt if old.msgctxt != new.msgctxt else None
        entry.previous_msgid = old.msgid
        entry.previous_msgid_plural = old.msgid_plural or None
    return entry


def _merge(catalog: polib.POFile, template: polib.POFile, match) -> polib.POFile:
    """``catalog`` brought up to ``template``: each template entry takes the old entry
    ``match(entry)`` returns (or none); old entries no one took become obsolete."""
    plurals, _expression = plural_rule(catalog)
    merged = polib.POFile(wrapwidth=PO_WIDTH, encoding=catalog.encoding)
    merged.header = catalog.header
    merged.metadata = dict(catalog.metadata)
    merged.metadata_is_fuzzy = catalog.metadata_is_fuzzy
    if "POT-Creation-Date" in template.metadata:  # as msgmerge: the template's extraction date
        merged.metadata["POT-Creation-Date"] = template.metadata["POT-Creation-Date"]
    taken = set()
    for entry in template:
        old = match(entry)
        if old is not None:
            taken.add(id(old))
        merged.append(_merged(entry, old, plurals))
    obsolete = {(e.msgctxt, e.msgid): e for e in catalog if e.obsolete}
    for entry in live(catalog):
        if id(entry) not in taken:
            gone = copy.copy(entry)
            gone.obsolete = True
            obsolete[(entry.msgctxt, entry.msgid)] = gone
    merged.extend(obsolete.values())
    return merged


def merge_content(catalog: polib.POFile, template: polib.POFile) -> polib.POFile:
    """``catalog`` brought up to ``template``, matched by msgctxt (the segment's path).

    Same path, same source: kept. Same path, new source: the old translation is
    kept but marked fuzzy, with the old source as ``#| msgid``. New path:
    untranslated. Path gone: obsolete. (Matching by msgid similarity across all
    entries, as msgmerge and Babel do, would pair unrelated segments.)
    """
    old = {entry.msgctxt: entry for entry in live(catalog)}
    return _merge(catalog, template, lambda entry: old.get(entry.msgctxt))


def merge_ui(catalog: polib.POFile, template: polib.POFile) -> polib.POFile:
    """``catalog`` brought up to ``template`` as Babel's ``Catalog.update`` does.

    Same msgid and msgctxt: kept. A new msgid takes, fuzzy, the translation of the
    most similar translated old msgid (difflib ratio at least 0.6, msgctxt ignored),
    which may serve several new msgids. Old msgids nothing took: obsolete.
    """
    old = {(entry.msgid, entry.msgctxt): entry for entry in live(catalog)}
    similar = {e.msgid.lower().strip(): e for e in old.values() if any(forms(e))}

    def match(entry):
        if (entry.msgid, entry.msgctxt) in old:
            return old[(entry.msgid, entry.msgctxt)]
        close = get_close_matches(entry.msgid.lower().strip(), list(similar), 1)
        return similar[close[0]] if close else None

    return _merge(catalog, template, match)


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
    lines: dict[str, int] = field(default_factory=dict)  # msgctxt → line of its entry

    @classmethod
    def load(
        cls, path: Path, locale: str, source_locale: str, current: dict[str, str], drug_names=()
    ) -> ContentCatalog:
        """``current`` maps msgctxt → today's source text for every live segment."""
        usable, withheld, fuzzy, lines = {}, [], set(), {}
        for entry in live(read_catalog(path)):
            if not entry.msgstr or entry.msgctxt not in current:
                continue
            lines[entry.msgctxt] = entry.linenum
            if entry.fuzzy:
                fuzzy.add(entry.msgctxt)
                continue
            problems = []
            if entry.msgid != current[entry.msgctxt]:
                problems.append(
                    "source changed since translation: run 'flask i18n update' and review the entry"
                )
            problems += translation_problems(
                current[entry.msgctxt], entry.msgstr, source_locale, locale, drug_names
            )
            if problems:
                withheld.append(Withheld(entry.msgctxt, entry.linenum, tuple(problems)))
            else:
                usable[entry.msgctxt] = entry.msgstr
        return cls(locale, path, usable, withheld, fuzzy, lines)


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


def compile_ui(catalog: polib.POFile, code: str) -> dict:
    """A UI catalog as the app and the API read it: plurals keyed by CLDR category.

    Gettext numbers its plural forms by the catalog's formula; CLDR names them.
    Each category takes the form gettext picks for a sample number of it; a
    category with only fractional samples takes the last form.
    """
    locale = parse_locale(code)
    choose = gettext.c2py(plural_rule(catalog, locale)[1])
    messages = {}
    for entry in live(catalog):
        if entry.fuzzy:
            continue
        if entry.msgid_plural:
            plural = forms(entry)
            if all(plural) and not any(plural_form_problems(entry.msgid_plural, f) for f in plural):
                messages[entry.msgid] = {
                    tag: plural[min(choose(n), len(plural) - 1) if n is not None else -1]
                    for tag, n in sorted(plural_samples(locale).items())
                }
        elif entry.msgstr and not translation_problems(
            entry.msgid, entry.msgstr, UI_SOURCE_LOCALE, code
        ):
            messages[entry.msgid] = entry.msgstr
    return {
        "locale": code,
        "direction": locale.text_direction,
        "plural_categories": sorted(plural_samples(locale)),
        "messages": messages,
    }


@functools.cache
def source_ui_catalog() -> dict:
    """The interface in its source language: the msgids themselves, compiled once."""
    return compile_ui(polib.POFile(), UI_SOURCE_LOCALE)
