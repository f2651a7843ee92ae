"""Stage 6, *index*: one Whoosh search index per bundle × locale, published with its version.

``index_pack`` runs after *pack*: it reads the pack's article objects (the same
canonical JSON a device stores), turns their sanitised HTML back into text and
writes a Whoosh index into a scratch folder, analysed by ``search.analyze``
(every search rule lives in ``search``). It also records what the index was
built with (rules version, locale, thesaurus terms) in the pack's manifest
under ``search``, so a thesaurus edit or a rule change publishes a new version.

``publish`` then calls ``publish_index`` for each pack before it flips
``current.json``: the index is copied into ``bundles/<bundle>/<locale>/index/
.partial-…``, synced, and renamed to ``index/<version>``, so a reader that
follows the pointer always finds the index of that very version.
``prune_indexes`` removes partial folders and the indexes of versions whose
manifest is gone (pruned or never published).

Beside Whoosh's files each index holds ``search.json``: the rules version,
locale and language, the thesaurus of the locale and the table of every word
form → term, which typo and prefix matching use (and the device export will).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from whoosh import fields, index

from . import search
from .pack import Pack
from .render import scrub_controls
from .store import Store

PARTIAL_PREFIX = ".partial-"
BLOCK_TAGS = {"p", "li", "h3", "h4", "br", "tr", "blockquote", "pre", "hr", "ul", "ol", "table"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Sanitised HTML → plain text, one line per block, entities decoded."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def schema(lang: str) -> fields.Schema:
    analyzer = search.SatchelTokenizer(lang)

    def text(stored=False):
        return fields.TEXT(analyzer=analyzer, phrase=True, stored=stored)

    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=text(stored=True),
        headings=text(),
        teaser=text(stored=True),
        takeaway=text(stored=True),
        body=text(stored=True),
        topics=text(),
        symptoms=text(),
        topic_ids=fields.STORED(),
        symptom_ids=fields.STORED(),
        published=fields.STORED(),
        credibility=fields.STORED(),
    )


def document_fields(article: dict) -> dict:
    """The index document of an article object (summary or reference)."""
    takeaway, body, headings = [], [], []
    for section in article["sections"]:
        text = html_to_text(section["html"])
        if section["id"] == "takeaway" and article["kind"] == "summary":
            takeaway.append(text)
        else:
            body.append(text)
        if section.get("title"):
            headings.append(section["title"])
    return {
        "id": article["id"],
        "title": article["title"],
        "headings": "\n".join(headings),
        "teaser": article.get("teaser") or "",
        "takeaway": "\n".join(takeaway),
        "body": "\n".join(body),
        "topics": " ".join(t.replace("-", " ") for t in article.get("topics", [])),
        "symptoms": " ".join(s.replace("-", " ") for s in article.get("symptoms", [])),
        "topic_ids": " ".join(article.get("topics", [])),
        "symptom_ids": " ".join(article.get("symptoms", [])),
        "published": article.get("published"),
        "credibility": (article.get("ratings") or {}).get("credibility"),
    }


def articles_of(pack: Pack) -> list[dict]:
    """Published articles of the pack, by id (withdrawn ones have no object)."""
    found = []
    for obj in pack.objects.values():
        document = json.loads(obj.data)
        if document.get("kind") in ("summary", "reference") and document["status"] == "published":
            found.append(document)
    return sorted(found, key=lambda d: d["id"])


def index_pack(pack: Pack, thesaurus: dict[str, list[str]], scratch: Path) -> Path:
    """Build the pack's index under ``scratch``; set ``pack.index`` and the manifest entry."""
    lang = search.language(pack.locale)
    folder = Path(tempfile.mkdtemp(prefix=f"{pack.bundle}-{pack.locale}-", dir=scratch))
    ix = index.create_in(str(folder), schema(lang))
    writer = ix.writer(limitmb=128)
    forms: dict[str, str] = {}
    for article in articles_of(pack):
        doc = document_fields(article)
        for name in search.FIELDS:
            for form in search.forms(doc[name], lang):
                if form not in forms:
                    forms[form] = search.stem(lang, form)
        writer.add_document(**doc)
    writer.commit(optimize=True)
    ix.close()
    meta = {
        "rules": search.RULES_VERSION,
        "locale": pack.locale,
        "lang": lang,
        "thesaurus": thesaurus,
        "forms": dict(sorted(forms.items())),
    }
    (folder / "search.json").write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True))
    pack.manifest_body["search"] = scrub_controls(
        {"rules": search.RULES_VERSION, "thesaurus": thesaurus}
    )
    pack.index = folder
    return folder


def index_dir(store: Store, bundle: str, locale: str, version: int | None = None) -> Path:
    folder = store.bundles_dir / bundle / locale / "index"
    return folder if version is None else folder / str(version)


def _sync_tree(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_index(store: Store, pack: Pack, version: int, new: bool) -> None:
    """Put the pack's index in place as ``index/<version>``.

    An existing index of a published version is kept (it was built from the
    same manifest); for a ``new`` version anything there is debris and replaced.
    """
    target = index_dir(store, pack.bundle, pack.locale, version)
    if pack.index is None or (target.is_dir() and not new):
        return
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=target.parent))
    try:
        shutil.copytree(pack.index, partial, dirs_exist_ok=True)
        _sync_tree(partial)
        partial.chmod(0o755)  # mkdtemp makes it private; readers may be another user
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def prune_indexes(store: Store) -> None:
    """Remove partial index folders and indexes whose manifest no longer exists."""
    for folder in store.bundles_dir.glob("*/*/index"):
        locale_dir = folder.parent
        for entry in folder.iterdir():
            keep = entry.name.isdigit() and (locale_dir / f"{entry.name}.json").is_file()
            if not keep:
                shutil.rmtree(entry, ignore_errors=True)
