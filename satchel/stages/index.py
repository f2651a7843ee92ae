"""The *index* stage: one Whoosh search index per bundle × locale, which *publish*
puts in place beside its version.

``index_pack`` runs after *pack*: it reads the pack's article objects (the same
canonical JSON a device stores), turns their sanitised HTML back into text and
writes a Whoosh index into a scratch folder, analysed by ``engine.analyze``
(every search rule lives in ``satchel.search.engine``). It also records what the index was
built with (rules version, locale, thesaurus terms, abbreviations) in the pack's manifest
under ``search``, so a thesaurus edit or a rule change publishes a new version.

``publish`` then puts each index in place as ``index/<version>`` before it flips
``current.json`` (``publish.publish_index``), so a reader that follows the pointer
always finds the index of that very version.

Beside Whoosh's files each index holds ``search.json``: the rules version,
locale and language, the thesaurus and the abbreviations (``abbreviations``
stage) of the locale, the table of every word
form → term, which typo and prefix matching use (and the device export will),
and ``live``: the number of live documents and the exact total length of each
field, which BM25's average field length is taken from.

Incremental
-----------
Rebuilding 10,000 articles' index for one edited summary would cost most of a
build, so a new version starts from the published version's index: its Whoosh
files are hard-linked (Whoosh never rewrites a file, it only adds new ones),
the old copies of changed and removed articles are deleted and the new copies
added. Whoosh keeps a deleted document's terms, lengths and count until a
merge, so nothing that scores is read from Whoosh's own statistics: the live
count and field totals come from ``search.json`` and document frequencies
from postings (which skip deleted documents). ``state.json`` holds what the
next update needs: how many live documents hold each word form (a form leaves
the table with its last document) and a digest of the code that decides the
index's content (that of the build that wrote its documents). The index is built whole
when there is no usable previous index, when deleted copies would exceed
``MERGE_RATIO`` of the live documents, or when that code changed and the new version
holds other articles or search rules. When only the code changed, the published index
is kept as it is, its code with it: the version stays the same, and publish never
replaces a published version's index, so a whole index built then would be thrown away
by every build until the content changes. The documents added or changed are
also written as an index of their own (``BuiltIndex.delta``), from which the
device export encodes its new segment.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import fields, index
from whoosh.filedb.filestore import FileStorage

from .. import code
from ..search import analysis, engine
from ..store import Published, Store, link_or_copy
from .bidi import scrub_controls
from .parallel import SERIAL, Workers

if TYPE_CHECKING:  # for annotations only: the index's code key leaves the pack out
    from .pack import PackedLocale

META_FILE = "search.json"
STATE_FILE = "state.json"
# Files of ours in an index folder: written anew for every version, never linked.
OWN_FILES = {META_FILE, STATE_FILE, "MAIN_WRITELOCK"}
MERGE_RATIO = 0.10


def _index_code() -> str:
    """A digest of the code that decides what an index holds and of the word list its
    commonness comes from: an update never mixes two versions of them."""
    hasher = code.digest(__name__)
    hasher.update(f"wordfreq {version('wordfreq')}".encode())
    return hasher.hexdigest()


INDEX_CODE = _index_code()
# Whoosh's posting pool before it spills a sorted run to disk: 128 MB held a quarter of
# a 3,000-summary build's peak memory; 32 gives the same index, 53 MiB lower at its peak.
WRITER_MB = 32
# An index built whole is written as Whoosh segments of consecutive documents, each by a
# writer of its own (on a worker process when the build has them): at most
# ``WHOLE_SEGMENTS``, of at least ``SEGMENT_DOCUMENTS`` documents. The split depends on
# the documents only, so a build on one process writes the same segments.
WHOLE_SEGMENTS = 4
SEGMENT_DOCUMENTS = 1000
WHOOSH_NAME = "MAIN"  # the index name Whoosh gives an index's files unless told
SEGMENT_FILE = index.TOC._segment_pattern(WHOOSH_NAME)
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
    analyzer = analysis.SatchelTokenizer(lang)

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


def article_of(pack: PackedLocale, name: str) -> dict:
    return json.loads(pack.objects[name].data)


def live_objects(manifest: dict) -> dict[str, str]:
    """Object name of every published article by id (withdrawn ones have no object)."""
    return {entry["id"]: entry["object"] for entry in manifest["articles"] if entry["object"]}


@dataclass
class Contribution:
    """What one document adds to the index's statistics and form table."""

    lengths: dict[str, int]  # field → number of terms (Whoosh's exact field length)
    forms: set[str]

    @classmethod
    def of(cls, doc: dict, lang: str) -> Contribution:
        return cls.of_forms(field_forms(doc, lang))

    @classmethod
    def of_forms(cls, forms: dict[str, list[str]]) -> Contribution:
        """The contribution of a document whose fields have ``forms`` (``field_forms``)."""
        return cls(
            {name: len(found) for name, found in forms.items()}, set().union(*forms.values())
        )


def field_forms(doc: dict, lang: str) -> dict[str, list[str]]:
    """The word forms of each text field of an index document, in order."""
    return {name: analysis.forms(doc[name], lang) for name in engine.FIELDS}


def analysed_document(job: tuple[bytes, str]) -> tuple[dict, Contribution]:
    """The index document of an article object's bytes in language ``lang``, its text
    fields analysed (``analysis.Analysed``, each stored as the plain text), and what it
    adds to the statistics: ``(data, lang)``, for ``Workers.imap``."""
    data, lang = job
    doc = document_fields(json.loads(data))
    forms = field_forms(doc, lang)
    for name, found in forms.items():
        doc[f"_stored_{name}"] = doc[name]
        doc[name] = analysis.Analysed.of(doc[name], analysis.terms_of(found, lang))
    return doc, Contribution.of_forms(forms)


@dataclass
class Statistics:
    """The live documents' count, field totals and word forms (with documents per form)."""

    documents: int
    field_totals: Counter
    form_docs: Counter

    @classmethod
    def empty(cls) -> Statistics:
        return cls(0, Counter(dict.fromkeys(engine.FIELDS, 0)), Counter())

    def merge(self, other: Statistics) -> None:
        """Add the documents ``other`` counted (none of them counted here)."""
        self.documents += other.documents
        self.field_totals.update(other.field_totals)
        self.form_docs.update(other.form_docs)

    def add(self, contribution: Contribution, sign: int = 1) -> None:
        self.documents += sign
        for name, length in contribution.lengths.items():
            self.field_totals[name] += sign * length
        for form in contribution.forms:
            self.form_docs[form] += sign
            if not self.form_docs[form]:
                del self.form_docs[form]


@dataclass
class PreviousIndex:
    """The published index a new version can start from, and the articles it holds."""

    folder: Path
    objects: dict[str, str]  # id → object name of every document it holds
    meta: dict
    statistics: Statistics
    deleted: int  # copies Whoosh still keeps of deleted documents
    code: str | None  # the ``INDEX_CODE`` of the build that wrote its documents


def previous_index(
    store: Store, published: Published, pack: PackedLocale, lang: str
) -> PreviousIndex | None:
    """The current version's index when an update of it gives what a whole build would."""
    manifest = published.manifest(pack.bundle, pack.locale)
    if manifest is None:
        return None
    version = published.version(pack.bundle, pack.locale)
    try:
        folder = store.index_dir(pack.bundle, pack.locale, version)
        meta = json.loads((folder / META_FILE).read_text())
        state = json.loads((folder / STATE_FILE).read_text())
        objects = live_objects(manifest)
        ix = index.open_dir(str(folder))
        try:
            deleted = ix.doc_count_all() - ix.doc_count()
        finally:
            ix.close()
    except Exception:  # whatever is damaged or missing, building whole repairs it
        return None
    if meta.get("lang") != lang or "live" not in meta:
        return None
    live = meta["live"]
    statistics = Statistics(
        live["documents"], Counter(live["field_totals"]), Counter(state["form_docs"])
    )
    return PreviousIndex(folder, objects, meta, statistics, deleted, state.get("code"))


def _old_document(store: Store, name: str) -> dict | None:
    """A published article object as its index document; None when damaged or gone."""
    data = store.read_intact(name)
    return None if data is None else document_fields(json.loads(data))


def counted(analysed: Iterable[tuple[dict, Contribution]], statistics: Statistics) -> Iterator:
    """The documents of ``analysed``, each one's contribution added to ``statistics`` as
    it goes by: the writer takes each document as it comes, and the build never holds
    every article's analysis at once."""
    for doc, contribution in analysed:
        statistics.add(contribution)
        yield doc


def commonness_of(forms: dict[str, str], lang: str, previous: dict | None) -> dict[str, int]:
    """How common each of ``forms`` is in everyday language, for those above 0
    (``analysis.commonness_table``); a form the ``previous`` index held keeps its figure
    from that index's ``search.json``, so an update that brings no new form never loads
    the word list (a second and 60 MiB)."""
    if previous is None or "commonness" not in previous:
        previous = {"forms": {}, "commonness": {}}
    known, figures = previous["forms"], previous["commonness"]
    everyday = analysis.commonness_table(lang) if any(f not in known for f in forms) else {}
    found = {f: figures.get(f, 0) if f in known else everyday.get(f, 0) for f in forms}
    return {form: figure for form, figure in found.items() if figure > 0}


def _write_documents(folder: Path, lang: str, documents: Iterable[dict]) -> None:
    ix = index.create_in(str(folder), schema(lang))
    writer = ix.writer(limitmb=WRITER_MB)
    for doc in documents:
        writer.add_document(**doc)
    writer.commit(optimize=True)
    ix.close()


def segment_parts(objects: list[bytes]) -> list[list[bytes]]:
    """The article objects of an index built whole, split into its segments' documents."""
    count = max(1, min(WHOLE_SEGMENTS, len(objects) // SEGMENT_DOCUMENTS))
    bounds = [len(objects) * k // count for k in range(count + 1)]
    return [objects[start:end] for start, end in pairwise(bounds)]


def written_part(job: tuple[str, str, list[bytes]]) -> Statistics:
    """Write the article objects of ``(folder, lang, objects)`` as an index of one segment
    in ``folder`` (on any process: ``Workers.each``); the statistics of its documents."""
    folder, lang, objects = job
    statistics = Statistics.empty()
    analysed = (analysed_document((data, lang)) for data in objects)
    _write_documents(Path(folder), lang, counted(analysed, statistics))
    return statistics


def _write_whole(folder: Path, lang: str, objects: list[bytes], workers: Workers) -> Statistics:
    """Write the index of ``objects`` in ``folder``: its segments written apart
    (``written_part``), then moved in and listed in order in one table of contents.
    The statistics of its documents."""
    chunks = segment_parts(objects)
    parts = [tempfile.mkdtemp(prefix=f"{folder.name}-part-", dir=folder.parent) for _ in chunks]
    statistics, segments = Statistics.empty(), []
    jobs = [(part, lang, chunk) for part, chunk in zip(parts, chunks, strict=True)]
    for part, found in zip(parts, workers.each(written_part, jobs), strict=True):
        statistics.merge(found)
        segments += _moved_segments(Path(part), folder)
    index.TOC(schema(lang), segments, 0).write(FileStorage(str(folder)), WHOOSH_NAME)
    return statistics


def _moved_segments(part: Path, folder: Path) -> list:
    """The segments of the index in ``part``, their files moved into ``folder``."""
    segments = index.TOC.read(FileStorage(str(part)), WHOOSH_NAME).segments
    for path in part.iterdir():
        if SEGMENT_FILE.match(path.name):
            path.rename(folder / path.name)
    shutil.rmtree(part)
    return segments


@dataclass
class Update:
    """How the published index becomes the new version's."""

    previous: PreviousIndex
    changed: list[str]  # ids of the articles added or changed: indexed anew
    stale: list[str]  # ids whose copy in the previous index is deleted
    old_documents: list[dict]  # the index documents of those copies


def plan_update(
    store: Store, published: Published, pack: PackedLocale, lang: str, live: dict[str, str]
) -> Update | None:
    """The update of the published index to ``live`` articles; None: build it whole."""
    previous = previous_index(store, published, pack, lang)
    if previous is None:
        return None
    stale = sorted(i for i, name in previous.objects.items() if live.get(i) != name)
    changed = sorted(i for i, name in live.items() if previous.objects.get(i) != name)
    if previous.code != INDEX_CODE and (
        stale or changed or previous.meta.get("rules") != engine.RULES_VERSION
    ):
        return None  # other code wrote it, and a new version will publish what this builds
    if previous.deleted + len(stale) > MERGE_RATIO * max(len(live), 1):
        return None  # building whole is how deleted copies are merged away
    old_documents = [_old_document(store, previous.objects[i]) for i in stale]
    if None in old_documents:
        return None
    return Update(previous, changed, stale, old_documents)


def _update(folder: Path, update: Update, documents: Iterable[dict], delta: Path) -> None:
    """Make ``folder`` the previous index without the stale copies, plus ``documents``,
    which are also written on their own as the index ``delta``."""
    _write_documents(delta, update.previous.meta["lang"], documents)
    for path in update.previous.folder.iterdir():
        if path.name not in OWN_FILES:
            link_or_copy(path, folder / path.name)
    if not update.stale and not update.changed:
        return
    ix = index.open_dir(str(folder))
    writer = ix.writer(limitmb=WRITER_MB)
    for doc_id in update.stale:
        writer.delete_by_term("id", doc_id)
    added = index.open_dir(str(delta))
    with added.reader() as reader:
        writer.add_reader(reader)
    writer.commit()
    added.close()
    ix.close()


@dataclass(frozen=True)
class BuiltIndex:
    """What the index stage made of one pack."""

    folder: Path  # the Whoosh index, in the build's scratch folder until published
    meta: dict  # its ``search.json``, as written
    # When it updated the published index: an index of just the articles it added.
    delta: Path | None
    manifest_entry: dict  # the manifest's ``search`` members this stage decides


def index_pack(
    pack: PackedLocale,
    thesaurus: dict[str, list[str]],
    abbreviations: dict[str, list[str]],
    scratch: Path,
    store: Store,
    published: Published,
    workers: Workers = SERIAL,
) -> BuiltIndex:
    """Build the pack's index under ``scratch``, from the published one when it can;
    ``workers`` read the articles into their documents."""
    lang = analysis.language(pack.locale)
    folder = Path(tempfile.mkdtemp(prefix=f"{pack.bundle}-{pack.locale}-", dir=scratch))
    live = live_objects(pack.listing)
    update = plan_update(store, published, pack, lang, live)
    if update:
        statistics, known_forms = update.previous.statistics, update.previous.meta["forms"]
        for doc in update.old_documents:
            statistics.add(Contribution.of(doc, lang), -1)
    else:
        statistics, known_forms = Statistics.empty(), {}
    delta = None
    if update:
        jobs = [(pack.objects[live[i]].data, lang) for i in update.changed]
        documents = counted(workers.imap(analysed_document, jobs), statistics)
        delta = Path(tempfile.mkdtemp(prefix=f"{pack.bundle}-{pack.locale}-delta-", dir=scratch))
        _update(folder, update, documents, delta)
    else:
        objects = [pack.objects[live[i]].data for i in sorted(live)]
        statistics = _write_whole(folder, lang, objects, workers)
    forms = {
        form: known_forms.get(form) or analysis.stem(lang, form)
        for form in sorted(statistics.form_docs)
    }
    meta = {
        "rules": engine.RULES_VERSION,
        "locale": pack.locale,
        "lang": lang,
        "thesaurus": thesaurus,
        "abbreviations": abbreviations,
        "forms": forms,
        "commonness": commonness_of(forms, lang, update.previous.meta if update else None),
        "live": {
            "documents": statistics.documents,
            "field_totals": dict(sorted(statistics.field_totals.items())),
        },
    }
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True))
    code = update.previous.code if update else INDEX_CODE
    state = {"code": code, "form_docs": dict(sorted(statistics.form_docs.items()))}
    (folder / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, sort_keys=True))
    entry = scrub_controls(
        {"rules": engine.RULES_VERSION, "thesaurus": thesaurus, "abbreviations": abbreviations}
    )
    return BuiltIndex(folder, meta, delta, entry)
