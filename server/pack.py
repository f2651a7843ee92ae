"""Stage 4, *pack*: turn a validated, rendered bundle into content-addressed
objects and the manifest that lists them.

Every article and about page becomes one canonical JSON document (sorted keys,
UTF-8, no insignificant whitespace) named by the sha256 of its bytes, so equal
content always has an equal name and building twice gives identical bytes. The
manifest body built here has no version or date: ``publish`` adds those only
when the body differs from the published one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .reference import is_reference, reference_document
from .render import RenderedBundle
from .schemas import SECTION_IDS


def canonical_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ContentObject:
    data: bytes
    name: str

    @classmethod
    def of(cls, value) -> ContentObject:
        data = canonical_json(value)
        return cls(data, hashlib.sha256(data).hexdigest())


@dataclass
class Pack:
    """One bundle × locale, ready to publish."""

    bundle: str
    locale: str
    manifest_body: dict
    objects: dict[str, ContentObject] = field(default_factory=dict)
    index: Path | None = None  # the search index built for it (stage ``index``)

    def add(self, document: dict) -> ContentObject:
        obj = ContentObject.of(document)
        self.objects[obj.name] = obj
        return obj


def article_document(data: dict, sections: dict[str, str], locale: str, summaries: dict) -> dict:
    related = [
        {key: summaries[rid][key] for key in ("id", "title", "teaser", "published")}
        for rid in data["related"]
    ]
    return {
        "kind": "summary",
        "id": data["id"],
        "lang": locale,
        "title": data["title"],
        "teaser": data["teaser"],
        "published": data["published"],
        "reviewed": data["reviewed"],
        "review_due": data["review_due"],
        "status": data["status"],
        "source": data["source"],
        "ratings": data["ratings"],
        "sections": [{"id": sid, "html": sections[sid]} for sid in SECTION_IDS],
        "topics": data["topics"],
        "symptoms": data["symptoms"],
        "related": related,
    }


def _as_json_dates(data: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


def pack_bundle(rendered: RenderedBundle) -> Pack:
    """Pack every rendered summary and about page of the source locale as objects."""
    config = rendered.valid.config
    locale = config["source_locale"]
    summaries = {r.data["id"]: _as_json_dates(r.data) for r in rendered.summaries}
    pack = Pack(config["id"], locale, {})
    entries = []
    for summary in rendered.summaries:
        data = summaries[summary.data["id"]]
        entry = {key: data[key] for key in ("id", "title", "teaser", "published", "status")}
        if data["status"] == "published":
            obj = pack.add(
                reference_document(data, summary, locale, summaries)
                if is_reference(data)
                else article_document(data, summary.sections, locale, summaries)
            )
            entry |= {"object": obj.name, "bytes": len(obj.data)}
        else:
            # Withdrawn: listed without a body so devices delete their copy on sync.
            entry |= {"object": None, "bytes": 0}
        entries.append(entry)
    about = []
    for page in rendered.about:
        obj = pack.add(
            {
                "kind": "about",
                "id": page.page.id,
                "lang": locale,
                "title": page.page.title,
                "html": page.html,
            }
        )
        about.append(
            {
                "id": page.page.id,
                "title": page.page.title,
                "object": obj.name,
                "bytes": len(obj.data),
            }
        )
    pack.manifest_body = {
        "bundle": config["id"],
        "locale": locale,
        "source_locale": config["source_locale"],
        "title": config["title"],
        "description": config["description"],
        "articles": sorted(entries, key=lambda e: e["id"]),
        "about": about,
        "total_bytes": sum(len(o.data) for o in pack.objects.values()),
    }
    if config.get("license"):
        pack.manifest_body["license"] = config["license"]
    return pack
