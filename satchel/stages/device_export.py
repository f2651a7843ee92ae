"""The *device export* stage: each bundle × locale's Whoosh index exported into
compact segments that ``static/lib/search-engine.js`` searches with the server's rules.

Manifest entry
--------------
``manifest["search"]`` keeps the server's ``rules``, ``thesaurus`` and ``abbreviations``
and adds::

    "format": 2,
    "segments": [{"object": sha256, "bytes": n, "docs": n}, ...],   # oldest (the base) first
    "tombstones": [{"segment": i, "ids": [id, ...]}, ...]           # dead copies in segment i

Segments are content objects like articles (``objects/…``, precompressed), so
``changes`` lists the new ones and counts their bytes, and prune keeps them.

Updates and merging
-------------------
A publish compares the live articles with the previous version's. When some
changed, it adds one segment holding the new and changed documents and
tombstones the older copies of changed and removed ones. That segment also
takes in the live documents of the newest segments after the base, newest
first, while what the merge adds to a segment of the changed documents alone
stays within the bytes of that segment and within those of the changed
articles (``MERGE_BUDGET`` times the smaller of the two), all compressed as
devices download them: the merged-away segments and their tombstones leave the
manifest. Small segments so merge into larger ones (a size-tiered policy whose
tiers the budget sets) and an update never costs a device more than its
articles and twice its own segment, nor more than twice its articles and
segment, so the update's metadata (a few kB) still fits in twice what changed;
the base is never rewritten for a few edits. Bounding by the segment alone let
an update of one article carry twice its segment (2.4× what changed, with the
metadata). A merge reads the small segments back, not
the whole index (``Documents``). When the documents with a copy in a later
segment or a dead copy (each counted once: an edit leaves both, a live copy and
a dead one) would exceed ``MERGE_RATIO`` (10 %) of the live documents, when
there would be more than ``MAX_SEGMENTS`` segments, or when the rules or the
format changed, it writes a new base instead: one segment of every live
document and no tombstones. Nothing changed: the previous entry is kept as it
is (no new version).

Why the ranking stays exact: the newest segment's header carries the live
index's statistics, the ones the server scores with (document count and the
exact total length of every field, from the index's ``search.json``), and the
device counts a term's document frequency per field over the live postings of
all segments, which is the server's ``df``: the server counts postings, which
skip the documents its index still keeps deleted. A document's field lengths
are stored as Whoosh stores them (one byte each), so ``dl`` is the server's too.

The new segment is encoded from ``BuiltIndex.delta``, an index of just the
added and changed articles, so a publish never reads the whole index back.

Segment layout (format 3)
-------------------------
All integers are unsigned LEB128 varints. ``text`` sections are UTF-8, one
entry a line; an entry's first character gives, as ``code point − 48``, how
many UTF-16 code units it shares with the previous entry (front coding), and
the rest is the suffix::

    "SXI1"                          magic, then varint header length
    header                          JSON (below)
    ids       text                  the segment's document ids, sorted
    norms     fields × docs bytes   Whoosh's length byte per field per document
    docs      per document: credibility (0 = none), #topics, topic slug numbers,
              #symptoms, symptom slug numbers, #title words, title word numbers
              (``analysis.title_words``: every token, stop words included; the
              number of a term in ``terms`` or ``len(terms) + k`` for
              ``header.extra_terms[k]``; ascending, delta-coded)
    terms     text                  the segment's terms (stems), sorted
    lengths   per term: byte length of its postings
    postings  per term: field mask (bit i = FIELDS[i]); per field in the mask:
              count, then count × (document delta, term frequency)
    forms     text                  word forms added by this segment, sorted
    formterms per form: the number of its term in ``terms``, or
              ``len(terms) + k`` for ``header.extra_terms[k]``
    commonness per form: one byte, how common the form is in everyday language
              (``search.json``'s ``commonness``, 0 when not listed)

Header: ``format, rules, lang, locale, stemmer`` (the language whose stemmer
the server uses, ``static/lib/stem/<stemmer>.js`` on the device, or null: no
stemming, also when ``DEVICE_STEMMERS`` has no port of it), ``fields, boosts,
constants`` (every search constant the engine uses), ``stop_words``,
``elided`` (``analysis.ELIDED``'s words of the language), ``derivation``
(``{endings, min_root}``: ``analysis.root``'s rule for the language),
``thesaurus`` (``[[concept, [[terms of an entry], …]], …]``
sorted, analysed), ``abbreviations`` (the same, a concept per short form: its
terms, then each long form's), ``length_table`` (Whoosh's byte → length), ``slugs``,
``docs, terms, forms`` (counts), ``extra_terms``, ``forms_removed`` (forms no
longer in the live index), ``sections`` (byte length of each section above, in
order) and
``live``: ``{"documents": N, "field_totals": {field: total}}``. The device
reads the statistics, rules, thesaurus and abbreviations of the newest segment only.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from whoosh.util.numeric import byte_to_length, length_to_byte

from ..search import analysis, engine
from ..store import SEGMENT_FORMAT, SEGMENT_MAGIC, Published, Store
from .index import META_FILE, BuiltIndex, live_objects
from .pack import HashedObject, PackedLocale
from .publish import compress

MERGE_RATIO = 0.10
MAX_SEGMENTS = 32
# An update's segment may merge the newest small segments while the merge adds at most this
# many times the smaller of its own documents' segment and its changed articles (brotli, as
# devices download them).
MERGE_BUDGET = 1
# The languages whose stemmer has a JavaScript port in static/lib/stem/: the engine imports
# ``stem/<name>.js`` for the header's stemmer, so naming any other would break the search.
DEVICE_STEMMERS = frozenset({"en", "es", "pt", "ar", "ru"})
# The stored fields of a document a segment carries (its text is in the postings).
SEGMENT_FIELDS = ("id", "title", "credibility", "topic_ids", "symptom_ids")
SECTIONS = tuple("ids norms docs terms lengths postings forms formterms commonness".split())
CONSTANTS = (
    "B K1 MAX_QUERY_CHARS MAX_TERMS TYPO_WEIGHT PREFIX_WEIGHT THESAURUS_WEIGHT ABBREVIATION_WEIGHT "
    "DERIVED_WEIGHT MAX_TYPO MAX_PREFIX MAX_THESAURUS TITLE_BONUS COORDINATION REPETITION "
    "ZIPF_COMMON ZIPF_RARE RARITY_FLOOR MIN_TYPO_LENGTH LONG_TYPO_LENGTH MIN_PREFIX_LENGTH "
    "HIGHLIGHTS HIGHLIGHT_CHARS"
).split()


# --- encoding -----------------------------------------------------------------------


def varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def front_coded(items: list[str]) -> bytes:
    lines, previous = [], ""
    for item in items:
        shared = 0
        limit = min(len(item), len(previous), 60)
        while shared < limit and item[shared] == previous[shared]:
            shared += 1
        lines.append(chr(48 + _utf16(item[:shared])) + item[shared:])
        previous = item
    return "\n".join(lines).encode()


def read_varints(data: bytes, pos: int, count: int) -> tuple[list[int], int]:
    values = []
    for _ in range(count):
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        values.append(value)
    return values, pos


def read_front_coded(data: bytes) -> list[str]:
    if not data:
        return []
    items, previous = [], ""
    for line in data.decode().split("\n"):
        shared = ord(line[0]) - 48
        # ``shared`` counts UTF-16 code units; rebuild in code points.
        prefix = previous.encode("utf-16-le")[: 2 * shared].decode("utf-16-le")
        previous = prefix + line[1:]
        items.append(previous)
    return items


# --- reading a Whoosh index ------------------------------------------------------


class Source:
    """The statistics and postings of the live documents of a Whoosh index, numbered
    in id order (an index updated in place adds documents after older ones).

    ``meta`` is the full index's ``search.json`` (as ``index_pack`` wrote it): the
    forms, thesaurus and live statistics, which a delta index (``BuiltIndex.delta``) shares.
    The postings stay in Whoosh's files and are read a term at a time as a segment is
    encoded (``term_postings``): held all at once, as Python lists, they were the build's
    peak memory at 10,000 summaries. Of the stored fields only what a segment carries is kept.
    """

    def __init__(self, folder: Path, meta: dict):
        self.meta, self.folder = meta, folder
        ix = _read_index(folder)
        with ix.reader() as reader:
            docs = sorted(
                ((_segment_fields(reader.stored_fields(d)), d) for d in reader.all_doc_ids()),
                key=lambda pair: pair[0]["id"],
            )
            self.ids = [fields["id"] for fields, _d in docs]
            self.stored = [fields for fields, _d in docs]
            self.whoosh_numbers = [d for _fields, d in docs]
            self.norms = {
                f: [length_to_byte(reader.doc_field_length(d, f, 0)) for _fields, d in docs]
                for f in engine.FIELDS
            }
        ix.close()
        self.lang = self.meta["lang"]
        self.live = self.meta["live"]
        self.doc_of = {doc_id: d for d, doc_id in enumerate(self.ids)}

    def title_words(self, d: int) -> list[str]:
        return analysis.title_words(self.stored[d]["title"] or "", self.lang)

    def term_postings(self, docs: list[int]) -> Iterator[tuple[str, dict]]:
        """``(term, {field: [(doc, tf)]})`` for every term of ``docs`` (ascending document
        numbers), in term order, each document numbered by its place in ``docs``."""
        local = {self.whoosh_numbers[d]: k for k, d in enumerate(docs)}
        ix = _read_index(self.folder)
        try:
            with ix.reader() as reader:
                # Whoosh's terms are UTF-8 bytes, whose order is the order of their text.
                # Each segment's own terms: asking every segment for every term cost
                # an index of four segments twice the time of one.
                lexicons = []
                for leaf, base in reader.leaf_readers():
                    indexed = set(leaf.indexed_field_names())
                    lexicons += [_lexicon(leaf, base, f) for f in engine.FIELDS if f in indexed]
                for raw, found_in in groupby(heapq.merge(*lexicons), key=itemgetter(0)):
                    by_field = {}
                    for _raw, fieldname, base, leaf in found_in:
                        items = leaf.postings(fieldname, raw).items_as("weight")
                        found = [(local[base + d], int(w)) for d, w in items if base + d in local]
                        by_field.setdefault(fieldname, []).extend(found)
                    by_field = {f: sorted(found) for f, found in by_field.items() if found}
                    if by_field:
                        yield raw.decode(), by_field
        finally:
            ix.close()

    def documents(self, wanted: set[str]) -> tuple[dict, dict]:
        """The documents ``wanted`` of this index as ``Documents`` takes them."""
        docs = sorted(self.doc_of[i] for i in wanted)
        found = {
            self.ids[d]: (
                self.stored[d],
                [self.norms[f][d] for f in engine.FIELDS],
                self.title_words(d),
            )
            for d in docs
        }
        postings = {
            term: {
                fieldname: [(self.ids[docs[k]], tf) for k, tf in items]
                for fieldname, items in by_field.items()
            }
            for term, by_field in self.term_postings(docs)
        }
        return found, postings


def _read_index(folder: Path):
    """The Whoosh index in ``folder``, read through files rather than memory maps: the
    pages of a mapped file read count in the build's resident memory until it ends, and
    reading every document and posting of 10,000 summaries mapped 90 MiB (1.5 s of CPU
    more this way)."""
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(str(folder), supports_mmap=False).open_index("MAIN")  # open_dir's name


def _lexicon(leaf, base: int, fieldname: str) -> Iterator[tuple]:
    """``(term, fieldname, base, leaf)`` for every term of a field of a Whoosh segment's
    reader whose documents are numbered from ``base``, in order."""
    for raw in leaf.lexicon(fieldname):
        yield raw, fieldname, base, leaf


def _segment_fields(stored: dict) -> dict:
    """Of a document's stored fields, those a segment carries (its body is not one)."""
    return {key: stored.get(key) for key in SEGMENT_FIELDS}


def _postings_of(postings: dict, wanted: set[str]) -> dict:
    """``postings`` (term → field → [(id, tf)]) of the documents ``wanted`` only."""
    kept: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for term, by_field in postings.items():
        for fieldname, items in by_field.items():
            found = [(doc_id, tf) for doc_id, tf in items if doc_id in wanted]
            if found:
                kept.setdefault(term, {})[fieldname] = found
    return kept


class Documents:
    """Some documents of published segments and of a fresh index, read as a ``Source``: what
    a merged segment is encoded from. ``parts`` are ``(documents, postings)`` pairs
    (``Source.documents``, ``segment_documents``), each document in one part only.

    The published segments hold everything a segment is encoded from (stored fields, length
    bytes, title words, postings), so a merge reads small segments back rather than the
    whole index, which takes tens of seconds at 10,000 documents.
    """

    def __init__(self, meta: dict, parts: list[tuple[dict, dict]]):
        self.meta, self.lang, self.live = meta, meta["lang"], meta["live"]
        docs = {doc_id: doc for found, _postings in parts for doc_id, doc in found.items()}
        self.ids = sorted(docs)
        self.doc_of = {doc_id: d for d, doc_id in enumerate(self.ids)}
        self.stored = [docs[i][0] for i in self.ids]
        self.norms = {f: [docs[i][1][k] for i in self.ids] for k, f in enumerate(engine.FIELDS)}
        self.titles = [docs[i][2] for i in self.ids]
        self.postings = {}
        for _found, postings in parts:
            for term, by_field in postings.items():
                for fieldname, items in by_field.items():
                    merged = self.postings.setdefault(term, {}).setdefault(fieldname, [])
                    merged.extend((self.doc_of[i], tf) for i, tf in items)
        for by_field in self.postings.values():
            for items in by_field.values():
                items.sort()

    def title_words(self, d: int) -> list[str]:
        return self.titles[d]

    def term_postings(self, docs: list[int]) -> Iterator[tuple[str, dict]]:
        """As ``Source.term_postings``."""
        local = {d: k for k, d in enumerate(docs)}
        for term in sorted(self.postings):
            by_field = {}
            for fieldname, items in self.postings[term].items():
                found = [(local[d], tf) for d, tf in items if d in local]
                if found:
                    by_field[fieldname] = found
            if by_field:
                yield term, by_field


def _concepts(concepts: dict[str, list[str]], lang: str) -> list:
    return [
        [concept, [list(analysis.analyze(entry, lang)) for entry in entries]]
        for concept, entries in sorted(concepts.items())
    ]


def _thesaurus(meta: dict) -> list:
    return _concepts(meta["thesaurus"], meta["lang"])


def _abbreviations(meta: dict) -> list:
    """Each short form as a concept: its own terms, then each long form's."""
    pairs = {short: [short, *longs] for short, longs in meta["abbreviations"].items()}
    return _concepts(pairs, meta["lang"])


def _header(source: Source, docs: list[int], terms, forms, removed, extra, slugs, sections):
    lang = source.lang
    thesaurus = _thesaurus(source.meta)
    return {
        "format": SEGMENT_FORMAT,
        "rules": source.meta["rules"],
        "lang": lang,
        "locale": source.meta["locale"],
        # Without a port the device searches the indexed forms unstemmed (the engine's identity).
        "stemmer": lang if lang in DEVICE_STEMMERS and analysis.stemmer(lang) else None,
        "fields": list(engine.FIELDS),
        "boosts": [engine.FIELD_BOOSTS[f] for f in engine.FIELDS],
        "constants": {name: getattr(engine, name) for name in CONSTANTS},
        "stop_words": sorted(analysis.stop_words(lang)),
        "elided": sorted(analysis.ELIDED.get(lang, ())),
        "derivation": {
            "endings": list(analysis.DERIVATIONAL_ENDINGS.get(lang, ())),
            "min_root": analysis.MIN_ROOT,
        },
        "thesaurus": thesaurus,
        "abbreviations": _abbreviations(source.meta),
        "length_table": [byte_to_length(i) for i in range(256)],
        "slugs": slugs,
        "docs": len(docs),
        "terms": len(terms),
        "forms": len(forms),
        "extra_terms": extra,
        "forms_removed": removed,
        "sections": sections,
        "live": {key: source.live[key] for key in ("documents", "field_totals")},
    }


def _postings_block(by_field: dict[str, list[tuple[int, int]]]) -> bytearray:
    """One term's postings as a segment holds them: its field mask, then each field's."""
    block = bytearray()
    varint(block, sum(1 << i for i, f in enumerate(engine.FIELDS) if f in by_field))
    for fieldname in engine.FIELDS:
        items = by_field.get(fieldname)
        if not items:
            continue
        varint(block, len(items))
        previous = 0
        for doc, tf in items:
            varint(block, doc - previous)
            varint(block, tf)
            previous = doc
    return block


def encode_segment(source: Source, doc_ids: list[str], forms: dict[str, str], removed) -> bytes:
    """A segment holding ``doc_ids`` (a subset of the live documents), adding ``forms``."""
    docs = sorted(source.doc_of[i] for i in doc_ids)
    terms, lengths, postings = [], bytearray(), bytearray()
    for term, by_field in source.term_postings(docs):
        block = _postings_block(by_field)
        terms.append(term)
        varint(lengths, len(block))
        postings += block
    term_no = {t: k for k, t in enumerate(terms)}
    titles = {d: source.title_words(d) for d in docs}
    extra = sorted(
        {t for t in forms.values() if t not in term_no}
        | {t for words in titles.values() for t in words if t not in term_no}
    )
    extra_no = {t: len(terms) + k for k, t in enumerate(extra)}

    slugs = sorted(
        {
            s
            for d in docs
            for key in ("topic_ids", "symptom_ids")
            for s in (source.stored[d].get(key) or "").split()
        }
    )
    slug_no = {s: k for k, s in enumerate(slugs)}
    parts: dict[str, bytes] = {}
    parts["ids"] = front_coded([source.ids[d] for d in docs])
    parts["norms"] = bytes(b for f in engine.FIELDS for b in (source.norms[f][d] for d in docs))
    out = bytearray()
    for d in docs:
        stored = source.stored[d]
        varint(out, stored.get("credibility") or 0)
        for key in ("topic_ids", "symptom_ids"):
            values = (stored.get(key) or "").split()
            varint(out, len(values))
            for s in values:
                varint(out, slug_no[s])
        title = sorted({term_no.get(t, extra_no.get(t)) for t in titles[d]})
        varint(out, len(title))
        previous = 0
        for t in title:
            varint(out, t - previous)
            previous = t
    parts["docs"] = bytes(out)
    parts["terms"] = front_coded(terms)
    parts["lengths"], parts["postings"] = bytes(lengths), bytes(postings)
    form_list = sorted(forms)
    parts["forms"] = front_coded(form_list)
    out = bytearray()
    for f in form_list:
        term = forms[f]
        varint(out, term_no[term] if term in term_no else extra_no[term])
    parts["formterms"] = bytes(out)
    commonness = source.meta["commonness"]
    parts["commonness"] = bytes(commonness.get(f, 0) for f in form_list)
    sections = [len(parts[name]) for name in SECTIONS]
    header = _header(source, docs, terms, form_list, sorted(removed), extra, slugs, sections)
    head = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    result = bytearray(SEGMENT_MAGIC)
    varint(result, len(head))
    result += head
    for name in SECTIONS:
        result += parts[name]
    return bytes(result)


def decode_segment(data: bytes, with_postings: bool = True) -> dict:
    """Python reader of a segment (for tests, and without the postings, which take
    most of the time, for planning the next publish)."""
    assert data[:4] == SEGMENT_MAGIC, "not a device search segment"
    (length,), pos = read_varints(data, 4, 1)
    header = json.loads(data[pos : pos + length])
    pos += length
    parts = {}
    for name, size in zip(SECTIONS, header["sections"], strict=True):
        parts[name] = data[pos : pos + size]
        pos += size
    ids = read_front_coded(parts["ids"])
    terms = read_front_coded(parts["terms"])
    postings: dict[str, dict[str, list[tuple[int, int]]]] = {}
    if with_postings:
        lengths, _ = read_varints(parts["lengths"], 0, len(terms))
        offset = 0
        raw = parts["postings"]
        for term, size in zip(terms, lengths, strict=True):
            (mask,), p = read_varints(raw, offset, 1)
            by_field = {}
            for i, fieldname in enumerate(header["fields"]):
                if mask & (1 << i):
                    (count,), p = read_varints(raw, p, 1)
                    pairs, p = read_varints(raw, p, 2 * count)
                    doc, items = 0, []
                    for k in range(count):
                        doc += pairs[2 * k]
                        items.append((ids[doc], pairs[2 * k + 1]))
                    by_field[fieldname] = items
            postings[term] = by_field
            offset += size
    forms = read_front_coded(parts["forms"])
    numbers, _ = read_varints(parts["formterms"], 0, len(forms))
    all_terms = terms + header["extra_terms"]
    decoded = {
        "header": header,
        "ids": ids,
        "terms": terms,
        "postings": postings,
        "forms": {f: all_terms[n] for f, n in zip(forms, numbers, strict=True)},
    }
    if with_postings:
        decoded["docs"] = _read_docs(parts, header, ids, all_terms)
    return decoded


def _read_docs(parts: dict, header: dict, ids: list[str], all_terms: list[str]) -> dict:
    """Each document's stored fields (credibility, topics, symptoms), length bytes and title
    words, by id: what ``encode_segment`` writes them from."""
    norms, raw, pos = parts["norms"], parts["docs"], 0
    slugs, docs = header["slugs"], {}

    def numbers() -> list[int]:
        nonlocal pos
        (count,), pos = read_varints(raw, pos, 1)
        values, pos = read_varints(raw, pos, count)
        return values

    for k, doc_id in enumerate(ids):
        (credibility,), pos = read_varints(raw, pos, 1)
        stored = {"credibility": credibility}
        for key in ("topic_ids", "symptom_ids"):
            stored[key] = " ".join(slugs[n] for n in numbers())
        title, previous = [], 0
        for delta in numbers():
            previous += delta
            title.append(all_terms[previous])
        lengths = [norms[f * len(ids) + k] for f in range(len(header["fields"]))]
        docs[doc_id] = (stored, lengths, title)
    return docs


def segment_documents(decoded: dict, wanted: set[str]) -> tuple[dict, dict]:
    """The documents ``wanted`` of a segment ``decode_segment`` read whole, as
    ``Documents`` takes them."""
    docs = {doc_id: doc for doc_id, doc in decoded["docs"].items() if doc_id in wanted}
    return docs, _postings_of(decoded["postings"], wanted)


# --- planning a publish ------------------------------------------------------------


def _segment_object(data: bytes) -> HashedObject:
    return HashedObject(data, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class DeviceIndex:
    """What the device export made of one pack's search index."""

    objects: dict[str, HashedObject]  # every segment the manifest names, new and reused
    manifest_entry: dict  # the manifest's ``search``: ``format``, ``segments``, ``tombstones``


def export_device_index(
    pack: PackedLocale, index: BuiltIndex, store: Store, published: Published
) -> DeviceIndex:
    """The device index of ``pack``: one more segment for the published one when that is
    small enough, else a new base segment of the whole ``index``."""
    live = live_objects(pack.listing)
    # Nothing readable published: a base (publish reports an unusable folder).
    previous = published.manifest(pack.bundle, pack.locale)
    incremental = _incremental(pack, index, store, previous)
    if incremental is not None:
        return incremental
    data = encode_segment(Source(index.folder, index.meta), sorted(live), index.meta["forms"], [])
    obj = _segment_object(data)
    entry = {
        "format": SEGMENT_FORMAT,
        "segments": [{"object": obj.name, "bytes": len(data), "docs": len(live)}],
        "tombstones": [],
    }
    return DeviceIndex({obj.name: obj}, entry)


def _source_of(index: BuiltIndex, doc_ids: list[str]) -> Source:
    """A source holding ``doc_ids``: the index of just the added articles when there is one."""
    if index.delta is not None:
        delta = Source(index.delta, index.meta)
        if set(doc_ids) <= set(delta.doc_of):
            return delta
    return Source(index.folder, index.meta)


@dataclass(frozen=True)
class _Published:
    """The device index a publish starts from: its segments as stored and read (without
    postings), where each live document is, and the word forms before each segment."""

    entry: dict  # the manifest's ``search``
    objects: list[HashedObject]
    decoded: list[dict]
    where: dict[str, int]  # live id → the segment holding its live copy
    forms_before: list[dict[str, str]]  # [k]: the forms segments 0 … k − 1 leave; [-1]: all

    @classmethod
    def read(cls, store: Store, entry: dict) -> _Published | None:
        """None when a segment is missing or damaged (a new base replaces them)."""
        objects, decoded = [], []
        for segment in entry["segments"]:
            data = store.read_intact(segment["object"])
            if data is None:
                return None
            objects.append(HashedObject(data, segment["object"]))
            decoded.append(decode_segment(data, with_postings=False))
        dead = {(t["segment"], i) for t in entry["tombstones"] for i in t["ids"]}
        where, forms, forms_before = {}, {}, [{}]
        for k, seg in enumerate(decoded):
            where.update((i, k) for i in seg["ids"] if (k, i) not in dead)
            forms = {f: t for f, t in forms.items() if f not in seg["header"]["forms_removed"]}
            forms.update(seg["forms"])
            forms_before.append(forms)
        return cls(entry, objects, decoded, where, forms_before)

    def tombstones(self, ids: list[str]) -> dict[int, set[str]]:
        """The dead copies per segment once ``ids`` (changed or removed) die too."""
        dead = {t["segment"]: set(t["ids"]) for t in self.entry["tombstones"]}
        for doc_id in ids:
            if doc_id in self.where:
                dead.setdefault(self.where[doc_id], set()).add(doc_id)
        return dead


def _form_changes(before: dict[str, str], forms: dict[str, str]) -> tuple[dict, list[str]]:
    """The word forms a segment adds (or maps to another term) and removes after ``before``."""
    added = {f: t for f, t in forms.items() if before.get(f) != t}
    return added, sorted(f for f in before if f not in forms)


def _brotli_bytes(data: bytes) -> int:
    return len(compress(data, "br"))


def _articles_bytes(pack: PackedLocale, changed: list[str], enough: int) -> int:
    """The changed articles as devices download them (brotli), counted up to ``enough``."""
    live, total = live_objects(pack.listing), 0
    for doc_id in changed:
        if total >= enough:
            break
        total += _brotli_bytes(pack.objects[live[doc_id]].data)
    return total


def _new_segment(
    index: BuiltIndex, pack: PackedLocale, published: _Published, changed, dead
) -> tuple[int, bytes, list[str]]:
    """The first published segment the update's segment replaces, its bytes and its documents:
    the changed documents, plus the live ones of the newest small segments while the merge adds
    at most ``MERGE_BUDGET`` times the smaller of the changed documents' segment and the changed
    articles (compressed as published)."""
    forms, count = index.meta["forms"], len(published.objects)
    source = _source_of(index, changed)
    own = encode_segment(source, changed, *_form_changes(published.forms_before[-1], forms))
    own_bytes = _brotli_bytes(own)
    extra = MERGE_BUDGET * min(own_bytes, _articles_bytes(pack, changed, own_bytes))
    limit, best = own_bytes + extra, (count, own, list(changed))
    parts = [source.documents(set(changed))]
    for k in range(count - 1, 0, -1):  # the base (segment 0) is never merged
        decoded = decode_segment(published.objects[k].data)
        parts.append(segment_documents(decoded, set(decoded["ids"]) - dead.get(k, set())))
        merged = Documents(index.meta, parts)
        data = encode_segment(merged, merged.ids, *_form_changes(published.forms_before[k], forms))
        if _brotli_bytes(data) > limit:
            break
        best = (k, data, merged.ids)
    return best


def _incremental(pack: PackedLocale, index: BuiltIndex, store, previous) -> DeviceIndex | None:
    """The previous segments, the newest small ones possibly merged into the update's own,
    or None for a new base."""
    live = live_objects(pack.listing)
    old = (previous or {}).get("search") or {}
    if old.get("format") != SEGMENT_FORMAT or old.get("rules") != engine.RULES_VERSION:
        return None
    published = _Published.read(store, old)
    if published is None:
        return None
    reused = {obj.name: obj for obj in published.objects}
    before = live_objects(previous)
    changed = sorted(i for i, name in live.items() if before.get(i) != name)
    gone = sorted(i for i in before if i not in live)
    newest = published.decoded[-1]["header"]
    concepts_same = (newest["thesaurus"], newest["abbreviations"]) == (
        _thesaurus(index.meta),
        _abbreviations(index.meta),
    )
    forms_same = published.forms_before[-1] == index.meta["forms"]
    if not (changed or gone) and concepts_same and forms_same:
        return DeviceIndex(reused, {k: old[k] for k in ("format", "segments", "tombstones")})
    dead = published.tombstones(changed + gone)
    first, data, ids = _new_segment(index, pack, published, changed, dead)
    obj = _segment_object(data)
    segments = [
        *old["segments"][:first], {"object": obj.name, "bytes": len(data), "docs": len(ids)}
    ]
    dead = {k: copies for k, copies in dead.items() if k < first}
    # Each document once, though an edit leaves two copies apart from the base's live ones.
    later = set(ids).union(*(published.decoded[k]["ids"] for k in range(1, first)), *dead.values())
    if len(segments) > MAX_SEGMENTS or len(later) > MERGE_RATIO * max(len(live), 1):
        return None
    entry = {
        "format": SEGMENT_FORMAT,
        "segments": segments,
        "tombstones": [{"segment": k, "ids": sorted(ids)} for k, ids in sorted(dead.items())],
    }
    kept = {s["object"] for s in segments}
    return DeviceIndex({n: o for n, o in reused.items() if n in kept} | {obj.name: obj}, entry)


def changed_only_segment(store: Store, before: dict, after: dict, ids: list[str]) -> bytes:
    """A segment of only the documents ``ids`` of manifest ``after``'s newest segment, with
    the word forms ``after`` changed since ``before``: what an update of ``ids`` would
    download without merging (the bench compares updates with it)."""
    old, new = (_Published.read(store, manifest["search"]) for manifest in (before, after))
    folder = store.index_dir(after["bundle"], after["locale"], after["version"])
    meta = json.loads((folder / META_FILE).read_text())
    newest = decode_segment(new.objects[-1].data)
    source = Documents(meta, [segment_documents(newest, set(ids))])
    return encode_segment(source, source.ids, *_form_changes(old.forms_before[-1], meta["forms"]))
