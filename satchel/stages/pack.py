"""The *pack* stage: turn a translated bundle into content-addressed objects and
the manifest's listing of them.

Every article and about page becomes one canonical JSON document (sorted keys,
UTF-8, no insignificant whitespace) named by the sha256 of its bytes, so equal
content always has an equal name and building twice gives identical bytes. The
listing built here has no search entry, keys, version or date: ``publish`` adds
the version and date only when the rest differs from the published manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..manifest import canonical_json
from .bidi import has_controls, scrub_controls
from .reference import is_reference, reference_document
from .schemas import SECTION_IDS
from .translate import LocalisedBundle, direction
from .validate import Summary


@dataclass(frozen=True)
class HashedObject:
    """A content object as the build writes it: its bytes, and the sha256 naming them."""

    data: bytes
    name: str

    @classmethod
    def of(cls, value) -> HashedObject:
        data = canonical_json(value)
        return cls(data, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class PackedLocale:
    """One bundle × locale as content objects: the articles and about pages, and the
    manifest's listing of them (``manifest.manifest_body`` adds ``search`` and ``keys``)."""

    bundle: str
    locale: str
    listing: dict
    objects: dict[str, HashedObject]


def content_object(document: dict) -> HashedObject:
    obj = HashedObject.of(document)
    return HashedObject.of(scrub_controls(document)) if has_controls(obj.data) else obj


def _as_json_dates(data: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


def article_document(summary: Summary, locale: str, summaries: dict) -> dict:
    data = summaries[summary.data["id"]]
    return {
        "kind": "summary",
        "id": data["id"],
        "lang": locale,
        "dir": direction(locale),
        "title": data["title"],
        "teaser": data["teaser"],
        "published": data["published"],
        "reviewed": data["reviewed"],
        "review_due": data["review_due"],
        "status": data["status"],
        "source": data["source"],
        "ratings": data["ratings"],
        "sections": [{"id": sid, "html": summary.html[sid]} for sid in SECTION_IDS],
        "topics": data["topics"],
        "symptoms": data["symptoms"],
        # Ids only: the manifest already carries each article's title, teaser and date, so
        # a first install holds them once and an edited teaser changes one object, not
        # every article that links to it.
        "related": data["related"],
        "translation": summary.translation,
    }


def fallback_of(languages: dict[str, str] | None) -> dict:
    """``{"fallback": {field: language}}`` for fields shown in another language than the
    locale's (the app tags them with lang and dir), or nothing when there are none."""
    return {"fallback": dict(sorted(languages.items()))} if languages else {}


def pack_bundle(bundle: LocalisedBundle) -> PackedLocale:
    """Pack one locale of a bundle: an object per published article and about page."""
    locale = bundle.locale
    summaries = {s.data["id"]: _as_json_dates(s.data) for s in bundle.summaries}
    objects: dict[str, HashedObject] = {}

    def add(document: dict) -> HashedObject:
        obj = content_object(document)
        objects[obj.name] = obj
        return obj

    entries = []
    for summary in bundle.summaries:
        data = summaries[summary.data["id"]]
        entry = {key: data[key] for key in ("id", "title", "teaser", "published", "status")}
        if data["status"] == "published":
            obj = add(
                reference_document(summary, locale, summaries)
                if is_reference(data)
                else article_document(summary, locale, summaries)
            )
            entry |= {
                "object": obj.name,
                "bytes": len(obj.data),
                "translation": summary.translation["status"],
            } | fallback_of(summary.translation.get("fallback"))
        else:
            # Withdrawn: listed without a body so devices delete their copy on sync.
            entry |= {"object": None, "bytes": 0}
        entries.append(entry)
    about = []
    for page in bundle.about:
        obj = add(
            {"kind": "about", "id": page.id, "lang": locale, "title": page.title, "html": page.html}
            | fallback_of(page.fallback)
        )
        about.append(
            {"id": page.id, "title": page.title, "object": obj.name, "bytes": len(obj.data)}
            | fallback_of(page.fallback)
        )
    body = {
        "bundle": bundle.bundle,
        "locale": locale,
        "source_locale": bundle.source_locale,
        "direction": direction(locale),
        "title": bundle.title,
        "description": bundle.description,
        "coverage": bundle.coverage,
        "articles": sorted(entries, key=lambda e: e["id"]),
        "about": about,
        "total_bytes": sum(len(o.data) for o in objects.values()),
    } | ({"license": bundle.license} if bundle.license else {}) | fallback_of(bundle.fallback)
    # Scrubbing walks every entry of every article; looking for controls first is cheaper.
    body = scrub_controls(body) if has_controls(canonical_json(body)) else body
    return PackedLocale(bundle.bundle, locale, body, objects)
