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
changed, it adds one segment holding only the new and changed documents and
tombstones the older copies of changed and removed ones. When the documents
in later segments plus the tombstones would exceed ``MERGE_RATIO`` (10 %) of
the live documents, when there would be more than ``MAX_SEGMENTS`` segments, or
when the rules or the format changed, it writes a new base instead: one
segment of every live document and no tombstones. Nothing changed: the
previous entry is kept as it is (no new version).

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
constants`` (every search constant the engine uses), ``stop_words,
thesaurus`` (``[[concept, [[terms of an entry], …]], …]``
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
import json
from dataclasses import dataclass
from pathlib import Path

from whoosh.util.numeric import byte_to_length, length_to_byte

from ..search import analysis, engine
from ..store import SEGMENT_FORMAT, SEGMENT_MAGIC, Published, Store
from .index import BuiltIndex, live_objects
from .pack import HashedObject, PackedLocale

MERGE_RATIO = 0.10
MAX_SEGMENTS = 4
# The languages whose stemmer has a JavaScript port in static/lib/stem/: the engine imports
# ``stem/<name>.js`` for the header's stemmer, so naming any other would break the search.
DEVICE_STEMMERS = frozenset({"en", "es", "pt", "ar"})
SECTIONS = tuple("ids norms docs terms lengths postings forms formterms commonness".split())
CONSTANTS = (
    "B K1 MAX_QUERY_CHARS MAX_TERMS TYPO_WEIGHT PREFIX_WEIGHT THESAURUS_WEIGHT ABBREVIATION_WEIGHT "
    "MAX_TYPO "
    "MAX_PREFIX MAX_THESAURUS TITLE_BONUS ZIPF_COMMON ZIPF_RARE RARITY_FLOOR MIN_TYPO_LENGTH "
    "LONG_TYPO_LENGTH MIN_PREFIX_LENGTH HIGHLIGHTS HIGHLIGHT_CHARS"
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
    """

    def __init__(self, folder: Path, meta: dict):
        from whoosh import index

        self.meta = meta
        ix = index.open_dir(str(folder))
        with ix.reader() as reader:
            docs = sorted(
                ((reader.stored_fields(d), d) for d in reader.all_doc_ids()),
                key=lambda pair: pair[0]["id"],
            )
            position = {d: k for k, (_fields, d) in enumerate(docs)}
            self.ids = [fields["id"] for fields, _d in docs]
            self.stored = [fields for fields, _d in docs]
            self.norms = {
                f: [length_to_byte(reader.doc_field_length(d, f, 0)) for _fields, d in docs]
                for f in engine.FIELDS
            }
            # term → field → [(doc, tf)]
            self.postings: dict[str, dict[str, list[tuple[int, int]]]] = {}
            for fieldname, raw in reader.all_terms():
                if fieldname not in engine.FIELDS:
                    continue
                term = raw.decode() if isinstance(raw, bytes) else raw
                items = reader.postings(fieldname, raw).items_as("weight")
                found = sorted((position[d], int(w)) for d, w in items)
                if found:  # a term of deleted documents only is no term
                    self.postings.setdefault(term, {})[fieldname] = found
        ix.close()
        self.lang = self.meta["lang"]
        self.live = self.meta["live"]
        self.doc_of = {doc_id: d for d, doc_id in enumerate(self.ids)}


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


def encode_segment(source: Source, doc_ids: list[str], forms: dict[str, str], removed) -> bytes:
    """A segment holding ``doc_ids`` (a subset of the live documents), adding ``forms``."""
    docs = sorted(source.doc_of[i] for i in doc_ids)
    local = {d: k for k, d in enumerate(docs)}
    wanted = set(docs)
    seg_postings: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for term, by_field in source.postings.items():
        for fieldname, items in by_field.items():
            kept = [(local[d], tf) for d, tf in items if d in wanted]
            if kept:
                seg_postings.setdefault(term, {})[fieldname] = kept
    terms = sorted(seg_postings)
    term_no = {t: k for k, t in enumerate(terms)}
    titles = {d: analysis.title_words(source.stored[d].get("title", ""), source.lang) for d in docs}
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
    lengths, postings = bytearray(), bytearray()
    for term in terms:
        block = bytearray()
        by_field = seg_postings[term]
        mask = sum(1 << i for i, f in enumerate(engine.FIELDS) if f in by_field)
        varint(block, mask)
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
        varint(lengths, len(block))
        postings += block
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
    return {
        "header": header,
        "ids": ids,
        "terms": terms,
        "postings": postings,
        "forms": {f: all_terms[n] for f, n in zip(forms, numbers, strict=True)},
    }


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
    incremental = _incremental(index, store, live, previous)
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


def _incremental(index: BuiltIndex, store, live, previous) -> DeviceIndex | None:
    """The previous segments plus one more, the previous ones unchanged, or None for a
    new base."""
    meta = index.meta
    old = (previous or {}).get("search") or {}
    if old.get("format") != SEGMENT_FORMAT or old.get("rules") != engine.RULES_VERSION:
        return None
    forms = meta["forms"]
    segments = [dict(s) for s in old["segments"]]
    decoded = []
    reused: dict[str, HashedObject] = {}
    for segment in segments:
        data = store.read_intact(segment["object"])
        if data is None:
            return None  # missing or damaged: replaced by a new base
        obj = HashedObject(data, segment["object"])
        decoded.append(decode_segment(data, with_postings=False))
        reused[obj.name] = obj
    dead = {(t["segment"], i) for t in old["tombstones"] for i in t["ids"]}
    where = {}  # live id → segment holding its live copy
    old_forms: dict[str, str] = {}
    for k, seg in enumerate(decoded):
        for doc_id in seg["ids"]:
            if (k, doc_id) not in dead:
                where[doc_id] = k
        for f in seg["header"]["forms_removed"]:
            old_forms.pop(f, None)
        old_forms.update(seg["forms"])
    before = live_objects(previous)
    changed = sorted(i for i, name in live.items() if before.get(i) != name)
    gone = sorted(i for i in before if i not in live)
    newest = decoded[-1]["header"]
    concepts_same = (newest["thesaurus"], newest["abbreviations"]) == (
        _thesaurus(meta),
        _abbreviations(meta),
    )
    if not changed and not gone and concepts_same and old_forms == forms:
        return DeviceIndex(reused, {k: old[k] for k in ("format", "segments", "tombstones")})
    tombstones: dict[int, list[str]] = {t["segment"]: list(t["ids"]) for t in old["tombstones"]}
    for doc_id in changed + gone:
        if doc_id in where:
            tombstones.setdefault(where[doc_id], []).append(doc_id)
    later = sum(s["docs"] for s in segments[1:]) + len(changed)
    dead_count = sum(len(v) for v in tombstones.values())
    if len(segments) + 1 > MAX_SEGMENTS or later + dead_count > MERGE_RATIO * max(len(live), 1):
        return None
    added = {f: t for f, t in forms.items() if old_forms.get(f) != t}
    removed = sorted(f for f in old_forms if f not in forms)
    data = encode_segment(_source_of(index, changed), changed, added, removed)
    obj = _segment_object(data)
    segments.append({"object": obj.name, "bytes": len(data), "docs": len(changed)})
    entry = {
        "format": SEGMENT_FORMAT,
        "segments": segments,
        "tombstones": [{"segment": k, "ids": sorted(v)} for k, v in sorted(tombstones.items())],
    }
    return DeviceIndex({**reused, obj.name: obj}, entry)
