"""Search: every rule that decides which articles a query finds and in which order.

This module is the single place where search behaviour is defined, so that the
device can reproduce it exactly (identical top-10 ids, scores within 1e-9
relative). ``index.py`` builds the Whoosh index with :func:`analyze` from here;
``web/search.py`` only turns HTTP arguments into a call of :func:`search`.
``RULES_VERSION`` is a digest of this module's source: it is part of every
manifest, so a rule change publishes a new version (and a new index).

Analysis (documents and queries alike) is specified in ``analysis``.

Fields and boosts
-----------------
Each published article is one document with the text fields of ``FIELDS`` and
their ``FIELD_BOOSTS``. Withdrawn articles are not indexed. Field lengths are
Whoosh's byte-coded lengths (``byte_to_length(length_to_byte(n))``); the
average length of a field is its exact total length / the number of documents.

One bundle or several: the collection
-------------------------------------
A search runs over a :class:`Collection`: the indexes of one or more bundles of
one language (every bundle published in the locale when the API is asked
without ``bundle``). Its statistics are sums over the indexes: ``N`` (live
documents), each term's document frequency per field, each field's total
length (hence ``avgdl``); its word forms, commonness figures and thesaurus
concepts and abbreviations are the union of the bundles' (a concept's entries
in bundle order).
So every document scores exactly as it would in one index holding all the
bundles' articles, and the merged list is simply ordered by that score. The
device opens the installed bundles of a locale as the same collection.

Query
-----
1. Longer than ``MAX_QUERY_CHARS`` characters: 400 ``query_too_long``.
2. ``"quoted phrases"`` are cut out first (an unpaired ``"`` is ignored); then
   every whitespace-separated chunk starting with ``-`` is an exclusion; the
   rest is plain words. No other syntax exists (``title:x`` is two words).
3. Plain words, phrases and exclusions are analysed as above. Nothing left in
   plain words and phrases: 400 ``query_empty``.
4. Term cap: of the distinct plain-word terms, only the ``MAX_TERMS`` with the
   lowest document frequency (``df``, summed over the fields; ties by term)
   are kept, the others are dropped.
5. Each kept term is a *group* of alternative terms, each with a weight. The
   alternatives:
   - the term itself, weight ``1``, when it is in the index (``df > 0``) or
     its form is a known word form;
   - *typo*: when neither, and the form has at least 4 characters: the known
     word forms within optimal-string-alignment distance (insert, delete,
     substitute or swap two adjacent characters: 1 each) ``1`` for forms of
     4–7 characters, ``2`` for 8 or more. Only the candidates at the smallest
     distance found are used, ordered by (distance, −df, form); their first
     ``MAX_TYPO`` distinct terms join the group with weight ``TYPO_WEIGHT``.
     The best form replaces the word in ``suggestion``;
   - *prefix*: the last word of the query, when the query ends in a word
     character (search as you type) and the word has at least 3 characters:
     known forms longer than it that start with it, ordered by (−df, form);
     the first ``MAX_PREFIX`` distinct terms join with weight ``PREFIX_WEIGHT``.
     When that last word is a stop word, it is an optional group of its
     prefix terms only. A last word with completions is never a typo.
   - *thesaurus*: a concept matches when the terms of one of its entries
     (analysed, at least one term) occur at consecutive positions among the
     plain words. Concepts are tried in sorted order. The groups of those
     words merge into one group, to which every term of every entry of the
     concept is added with weight ``THESAURUS_WEIGHT`` (a term typed keeps
     its higher weight); at most
     ``MAX_THESAURUS`` added terms per concept, in entry order.
   - *abbreviations*: then the same with the collection's abbreviations
     (``stages.abbreviations``), each short form a concept whose entries are
     the short form and its long forms, at ``ABBREVIATION_WEIGHT``: "COPD"
     adds the terms of "chronic obstructive pulmonary disease", and back. A
     typed short form adds them at ``ABBREVIATION_WEIGHT`` × its own rarity
     (below; the least of its terms'): "go" is rarely "GO". A short form
     written in capitals (two or more, no lower case: "GO", "MS") is the
     abbreviation, so its rarity is 1 for this query, as its own term's.
   Then every alternative's weight is multiplied by the *rarity* of its term
   in everyday language: ``min(1, max(RARITY_FLOOR, (ZIPF_COMMON − c) /
   (ZIPF_COMMON − ZIPF_RARE)))``, where ``c`` is the commonness of the term's
   commonest known word form (``analysis.commonness_table``: tenths of a Zipf
   step; 0 when unlisted, so words absent from everyday lists weigh fully).
   Words people ask *with* ("how", "know", "help", "people") weigh a tenth of
   the words they ask *about*, in any language wordfreq covers, and no list
   of question words is needed.
   *Derived forms*: every known term of the same root as a word of the query
   (``analysis.root``: "treated" and "treatment", "diagnose" and "diagnosis")
   that is no alternative of any group scores in the ``headings`` field only,
   with weight ``DERIVED_WEIGHT`` × its rarity × the word's repetition (below;
   the heaviest when two words give it). It matches nothing by itself: "how is
   asthma treated" finds the asthma articles, and of them those with a
   "Treatment" section first, where the body's "treatment" would have been a
   second, everyday word.
   Last, *repetition*: a group whose word the question says ``t`` times (the
   most of any of its words) has every weight multiplied by ``(REPETITION + 1)
   * t / (REPETITION + t)``, BM25's saturating query-term frequency (Robertson's
   ``k3``): 1 for a word said once, 4/3 twice, 3/2 three times, never twice as
   much. A long message names its subject again and again ("leigh" three times
   among "son", "hope" and an "MRI"), while a short question, which says each
   word once, is ranked as before.
6. Phrases must occur in one field at consecutive positions; their terms also
   score with weight 1. Exclusions remove every document holding the term in
   any field.
7. Matching: a document matches when it holds one alternative of any group
   (or, with no group, every phrase), every phrase, no exclusion, and passes
   the filters. No document is left out for lacking one word of a question:
   ranking, not matching, decides what comes first.

Scoring (float64, in this order)
--------------------------------
Every distinct term of all groups and phrases gets one weight ``w`` (its
highest). For each term in code-point order of the term text, for each field
in ``FIELDS`` order where the document holds the term::

    idf   = log(N / (df_field + 1)) + 1          # N = indexed documents
    bm25  = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
    score = score + w * FIELD_BOOSTS[field] * bm25

then each derived form (step 5) in code-point order, the same sum in the
``headings`` field only, with its weight;
then the title bonus: ``+ TITLE_BONUS * n * share * score`` when every one of
the ``n`` distinct title words of the document (``analysis.title_words``: all
tokens, stop words and single letters included, stemmed) is among the query's
title words (the same of the plain words, plus the stems of the typo
suggestions): the query names what the article is about, and a longer title
named ("Hepatitis C") is more specific than a shorter one ("Hepatitis").
``share`` is how much of the query the title covers: the summed weights of the
groups with an alternative among the title's words over the summed weights of
all groups (a group weighs as its heaviest alternative, groups in plan order;
1 without groups). A question that is the title gets the whole bonus; a long
message that happens to hold a one-word title ("pain") gets a sliver of it,
and "heat stroke" gives an article titled "Stroke" only the share of "stroke".

Then *coordination*, with ``n`` ≥ 2 groups: ``score = score * (held / total) **
(COORDINATION / (n - 1) ** 2)``, where ``held`` is the summed weight of the groups
(weighed as above, added in plan order) with an alternative the document holds in
any field, and ``total`` that of all groups. An article holding both words of
"kidney stones" comes before one holding only the rarer of them, however often; the
power falls fast with the number of groups, so a long message, whose many words no
article holds together, is ranked by BM25 and the title bonus as before (a tenth of
the power at four groups, a thousandth at 32).
Ties: score descending, then id ascending, then bundle ascending.

The weights above are ``RULES``; ``search`` takes another ``Rules`` (one rule
turned off, ``Rules.without``) so ``make eval`` can measure what each adds.

Filters: ``topic`` and ``symptom`` (slug equality), ``min_credibility``
(articles without a rating, like reference articles, are then excluded).
Facets count topics and symptoms over every matching document.
"""

from __future__ import annotations

import atexit
import bisect
import gc
import heapq
import html
import json
import math
import re
import sys
import threading
import unicodedata
from array import array
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import regex
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .. import code
from ..kept import Kept
from .analysis import (
    CLUSTER,
    TOKEN,
    WORD,
    analyze,
    fold,
    forms,
    indexed,
    paired,
    root,
    stem,
    stop_words,
    title_words,
    token_spans,
    tokens,
)

# Derived from this module's source (and what it imports), so any change to a rule
# publishes a new version of every index and device segment.
RULES_VERSION = "satchel-search-" + code.digest(__name__).hexdigest()[:16]
FIELDS = ("title", "headings", "teaser", "takeaway", "body", "topics", "symptoms")
FIELD_BOOSTS = {
    "title": 5.0,
    "headings": 15.0,
    "teaser": 0.5,
    "takeaway": 1.2,
    "body": 1.0,
    "topics": 1.5,
    "symptoms": 1.5,
}
B = 0.75
# How soon a word said again in a field stops adding (BM25's saturation). A little above the
# usual 1.2: of two articles with one title (one condition from two sources), the one saying
# the question's words more often comes first (make eval: short voice-assistant questions
# MRR@10 0.768 → 0.780, every other set the same or better). At 1.8 and above, an article
# that says "treated" twice in passing passes one with a Treatment section.
K1 = 1.4
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
TYPO_WEIGHT = 0.8
PREFIX_WEIGHT = 0.5
THESAURUS_WEIGHT = 0.5
ABBREVIATION_WEIGHT = 0.5
DERIVED_WEIGHT = 0.5
MAX_TYPO = 3
MAX_PREFIX = 5
MAX_THESAURUS = 12
TITLE_BONUS = 1.0
COORDINATION = 1.0
REPETITION = 1.0
# Commonness in everyday language, in tenths of a Zipf step (log10 of a word's
# frequency per billion words): "how" is 62, "treatment" 50, "diabetes" 42.
ZIPF_COMMON = 65
ZIPF_RARE = 30
RARITY_FLOOR = 0.1
MIN_TYPO_LENGTH = 4
LONG_TYPO_LENGTH = 8
MIN_PREFIX_LENGTH = 3
HIGHLIGHTS = 2
HIGHLIGHT_CHARS = 240

PHRASE = re.compile(r'"([^"]*)"')
ENDS_IN_WORD = regex.compile(f"{WORD}$")


@dataclass(frozen=True)
class Rules:
    """The weights ranking uses. ``RULES`` are the ones search runs with (and the device,
    from the constants above); ``make eval`` measures what each rule adds by searching
    with one of them turned off (``Rules.without``)."""

    field_boosts: tuple[tuple[str, float], ...] = tuple(FIELD_BOOSTS.items())
    typo_weight: float = TYPO_WEIGHT
    thesaurus_weight: float = THESAURUS_WEIGHT
    abbreviation_weight: float = ABBREVIATION_WEIGHT
    derived_weight: float = DERIVED_WEIGHT
    title_bonus: float = TITLE_BONUS
    coordination: float = COORDINATION
    repetition: float = REPETITION
    commonness: bool = True  # weigh terms by how rare they are in everyday language

    def boost(self, fieldname: str) -> float:
        return dict(self.field_boosts)[fieldname]

    def without(self, rule: str) -> Rules:
        """These rules with ``rule``, one of ``ABLATIONS``, turned off."""
        plain_headings = {**dict(self.field_boosts), "headings": self.boost("body")}
        return replace(
            self,
            **{
                "commonness weighting": {"commonness": False},
                "title bonus": {"title_bonus": 0.0},
                "coordination": {"coordination": 0.0},
                "repetition": {"repetition": 0.0},
                "thesaurus": {"thesaurus_weight": 0.0},
                "typos": {"typo_weight": 0.0},
                "abbreviations": {"abbreviation_weight": 0.0},
                "heading weights": {"field_boosts": tuple(plain_headings.items())},
                "derived forms": {"derived_weight": 0.0},
            }[rule],
        )


ABLATIONS = (
    "commonness weighting",
    "title bonus",
    "coordination",
    "repetition",
    "thesaurus",
    "typos",
    "abbreviations",
    "heading weights",
    "derived forms",
)
RULES = Rules()


class SearchError(Exception):
    """A query that cannot be run; ``code`` is the API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --- the opened index -------------------------------------------------------


@dataclass
class Doc:
    id: str
    title: str
    teaser: str
    published: str | None
    credibility: int | None
    topics: tuple[str, ...]
    symptoms: tuple[str, ...]


# What is read for queries is kept per open index (and collection) within these budgets
# in bytes, which hold the common words of any query: 13.5 MiB in all. An entry is counted
# at what it takes (``ENTRY_BYTES`` plus its arrays' items), not at its postings alone:
# counted so, a budget of 1,000,000 postings held 21,000 entries of a few postings each
# (half of them a term absent from a field), 33 MiB after 8,000 different questions.
# Kept as lists of tuples without a bound, 3,000 questions took a process from 72 to
# 206 MiB.
POSTINGS_KEPT = 4 * 2**20
IMPACTS_KEPT = 8 * 2**20
DOCSETS_KEPT = 2**20
DF_KEPT = 2**18  # a term's document frequency, or the range it lies in
# An entry's own bytes besides its arrays' items, as tracemalloc measures them: its slot
# in the map, its key (a field and a term), the arrays' and their holder's heads.
ENTRY_BYTES = 350
COUNT_MAX = 65535  # the largest weight a posting keeps in two bytes


def entry_bytes(*arrays: array) -> int:
    """What a kept entry holding ``arrays`` takes, about (``ENTRY_BYTES``)."""
    return ENTRY_BYTES + sum(len(items) * items.itemsize for items in arrays)


class Postings:
    """One term's postings in one field, as (document, weight) pairs, in arrays: a
    tuple per posting would take ten times the memory. A weight is a count of the term in
    the field: two bytes hold it (a float, eight), and it is read back as the same number,
    so scores are the same; a weight that is no count of that size is kept as a float."""

    __slots__ = ("docs", "weights")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.docs = array("i", (doc for doc, _ in pairs))
        weights = [weight for _, weight in pairs]
        counts = all(float(w).is_integer() and 0 <= w <= COUNT_MAX for w in weights)
        self.weights = array("H", map(int, weights)) if counts else array("d", weights)

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self):
        return zip(self.docs, self.weights, strict=True)

    def nbytes(self) -> int:
        return entry_bytes(self.docs, self.weights)


# A term absent from a field: half the pairs a query looks up; one object for them all.
NO_POSTINGS = Postings(())
NO_IMPACTS = (NO_POSTINGS.docs, array("d"))


class TermCounts:
    """Per-term counts read through ``postings``, kept within their budgets."""

    _df: Kept
    _docsets: Kept

    def df(self, term: str) -> int:
        """Document frequency summed over the fields."""
        found = self._df.get(term)
        if found is None:
            found = sum(len(self.postings(f, term)) for f in FIELDS)
            self._df.put(term, found)
        return found

    def docset(self, term: str) -> array:
        """The documents holding ``term`` in any field, in order, in an array: four bytes a
        document, where a frozenset took about 87 (its table and an int for each), so that
        these were a worker's largest cache (some 20 MiB after 2,000 questions)."""
        found = self._docsets.get(term)
        if found is None:
            held = set().union(*(self.postings(f, term).docs for f in FIELDS))
            found = array("i", sorted(held))
            self._docsets.put(term, found)
        return found


def shared_words(words) -> tuple[str, ...]:
    """``words`` (a string's, split at spaces, or those given), each the one string of its
    text held by the process: the same slugs and title words recur across thousands of
    documents."""
    return tuple(map(sys.intern, words.split() if isinstance(words, str) else sorted(words)))


class SearchIndex(TermCounts):
    """An opened index of one bundle × locale × version, with cached postings."""

    def __init__(self, path: Path):
        from whoosh.filedb.filestore import FileStorage

        self.path = Path(path)
        meta = json.loads((self.path / "search.json").read_text())
        self.lang = meta["lang"]
        self.locale = meta["locale"]
        self.forms: dict[str, str] = meta["forms"]
        self.commonness: dict[str, int] = meta["commonness"]
        self.form_list = sorted(self.forms)
        self.thesaurus: dict[str, list[str]] = meta["thesaurus"]
        self.abbreviations: dict[str, list[str]] = meta["abbreviations"]
        # Without mmap: Whoosh wraps each part of a memory-mapped segment in a BytesIO,
        # which copies it, so a worker held the whole index twice (10,000 articles:
        # 173 MiB RSS with mmap, 84 MiB without, queries as fast).
        self._ix = FileStorage(str(self.path), supports_mmap=False, readonly=True).open_index()
        self.reader = self._ix.reader()
        reader = self.reader
        # An index updated in place keeps deleted documents (their numbers, terms and
        # lengths) until a merge: only live ones count, and the live statistics come
        # from search.json (an index without them has no deletions: Whoosh's are exact).
        numbers = range(reader.doc_count_all())
        self.live = frozenset(d for d in numbers if not reader.is_deleted(d))
        self.n = len(self.live)
        totals = meta.get("live", {}).get("field_totals") or {
            f: reader.field_length(f) for f in FIELDS
        }
        self.totals = {f: totals[f] for f in FIELDS}
        # None for a field a document has no text in (reference articles have no takeaway).
        self.lengths = {
            f: array("i", (reader.doc_field_length(d, f, 0) or 0 for d in numbers))
            for f in FIELDS
        }
        # Each Whoosh segment with its deleted documents' numbers in it, sorted (see df_range).
        self._segments = [
            (leaf, [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)])
            for leaf, _base in reader.leaf_readers()
        ]
        self.docs: list[Doc | None] = [None] * len(numbers)
        # Distinct title terms as a tuple of strings shared between documents (interned): a
        # frozenset and a string per word and document took 6.7 MiB at 10,000 articles.
        self.title_terms: list[tuple[str, ...]] = [()] * len(numbers)
        for d in sorted(self.live):
            s = reader.stored_fields(d)
            self.docs[d] = Doc(
                s["id"],
                s.get("title", ""),
                s.get("teaser", ""),
                s.get("published") or None,
                s.get("credibility"),
                shared_words(s.get("topic_ids") or ""),
                shared_words(s.get("symptom_ids") or ""),
            )
            self.title_terms[d] = shared_words(set(title_words(self.docs[d].title, self.lang)))
        self._postings = Kept(POSTINGS_KEPT, size=Postings.nbytes)
        self._docsets = Kept(DOCSETS_KEPT, size=entry_bytes)
        self._df = Kept(DF_KEPT, size=lambda _count: ENTRY_BYTES)
        self._df_ranges = Kept(DF_KEPT, size=lambda _range: ENTRY_BYTES)
        self._lock = threading.Lock()

    def texts(self, doc: int) -> list[str]:
        """The texts highlights are cut from, read when needed: keeping every
        article's text in memory would cost a worker tens of MiB per bundle."""
        with self._lock:  # a Whoosh reader is not safe for concurrent reads
            stored = self.reader.stored_fields(doc)
        return [stored.get(key, "") for key in ("teaser", "takeaway", "body")]

    def close(self) -> None:
        self.reader.close()

    def df(self, term: str) -> int:
        """Whoosh's document frequencies, read from the term dictionary without decoding
        any postings, are exact without deletions: a long message's planner asks for those
        of a hundred terms, of which only ``MAX_TERMS`` are then read."""
        if self.n != len(self.docs):  # deleted documents still count in Whoosh's
            return super().df(term)
        found = self._df.get(term)
        if found is None:
            with self._lock:  # a Whoosh reader is not safe for concurrent reads
                found = sum(self.reader.doc_frequency(f, term) for f in FIELDS)
            self._df.put(term, found)
        return found

    def df_range(self, term: str) -> tuple[int, int]:
        """The least and the most ``df(term)`` can be, from the term dictionary alone: exact
        without deletions. Whoosh's counts still hold deleted copies, and a term's deleted
        copies can only be those between the first and the last of its documents, which
        the dictionary also holds: a rare term's range often has none, and a common
        term's is never read, where its exact count took decoding every posting it has
        (a thousand postings lists for one long message, 250 ms)."""
        from whoosh.reading import TermNotFound

        exact = self._df.get(term)
        if exact is None and self.n == len(self.docs):
            exact = self.df(term)
        if exact is not None:
            return exact, exact
        found = self._df_ranges.get(term)
        if found is not None:
            return found
        least = most = 0
        with self._lock:  # a Whoosh reader is not safe for concurrent reads
            for segment, deleted in self._segments:
                for fieldname in FIELDS:
                    try:
                        info = segment.term_info(fieldname, term)
                    except TermNotFound:
                        continue
                    within = bisect.bisect_right(deleted, info.max_id()) - bisect.bisect_left(
                        deleted, info.min_id()
                    )
                    most += info.doc_frequency()
                    least += max(0, info.doc_frequency() - within)
        if least == most:
            self._df.put(term, most)
        else:
            self._df_ranges.put(term, (least, most))
        return least, most

    def postings(self, fieldname: str, term: str) -> Postings:
        key = (fieldname, term)
        found = self._postings.get(key)
        if found is None:
            with self._lock:  # a Whoosh reader is not safe for concurrent reads
                if (fieldname, term) in self.reader:
                    found = Postings(self.reader.postings(fieldname, term).items_as("weight"))
                else:
                    found = NO_POSTINGS
            self._postings.put(key, found)
        return found

    def positions(self, fieldname: str, term: str) -> dict[int, list[int]]:
        with self._lock:
            if (fieldname, term) not in self.reader:
                return {}
            return dict(self.reader.postings(fieldname, term).items_as("positions"))


_open: OrderedDict[str, SearchIndex] = OrderedDict()
_open_lock = threading.Lock()
MAX_OPEN = 8


def open_index(path: Path) -> SearchIndex:
    """The opened index at ``path`` (immutable: cached, at most ``MAX_OPEN``)."""
    key = str(path)
    with _open_lock:
        if key in _open:
            _open.move_to_end(key)
            return _open[key]
    opened = SearchIndex(path)
    with _open_lock:
        if key in _open:
            opened.close()
            return _open[key]
        _open[key] = opened
        while len(_open) > MAX_OPEN:
            _open.popitem(last=False)[1].close()
            gc.unfreeze()  # so that its cycles are collected (see open_collection)
    return opened


@atexit.register
def close_indexes() -> None:
    """Close the cached indexes' files (each holds its segment file open)."""
    with _open_lock:
        while _open:
            _open.popitem()[1].close()
    _collections.clear()
    gc.unfreeze()


def rarity(commonness: int) -> float:
    """How much a term weighs for how rare it is in everyday language: 1 for rare words,
    falling linearly to ``RARITY_FLOOR`` for words such as "how", "know" or "people"."""
    return min(1.0, max(RARITY_FLOOR, (ZIPF_COMMON - commonness) / (ZIPF_COMMON - ZIPF_RARE)))


class Collection(TermCounts):
    """The indexes of several bundles in one language, searched as one index.

    Documents are numbered across the indexes in bundle order; the statistics
    BM25 uses (documents, document frequencies, average field lengths) are
    sums over the indexes, so a document scores exactly as it would in one
    index holding every bundle, and the scores of different bundles compare.
    Word forms and thesaurus concepts are the union of the bundles'.
    """

    def __init__(self, parts: list[tuple[str, SearchIndex]]):
        parts = sorted(parts, key=lambda part: part[0])
        self.bundles = [bundle for bundle, _ in parts]
        self.indexes = [ix for _, ix in parts]
        langs = {ix.lang for ix in self.indexes}
        if len(langs) != 1:
            raise ValueError(f"indexes of one language only, not {sorted(langs)}")
        self.lang = langs.pop()
        self.single = self.indexes[0] if len(self.indexes) == 1 else None
        self.bases = [0]
        for ix in self.indexes:
            self.bases.append(self.bases[-1] + len(ix.docs))
        self.n = sum(ix.n for ix in self.indexes)
        totals = {f: sum(ix.totals[f] for ix in self.indexes) for f in FIELDS}
        self.avgfl = {f: (totals[f] / (self.n or 1)) or 1 for f in FIELDS}
        self.lengths = {
            f: array("i", (n for ix in self.indexes for n in ix.lengths[f])) for f in FIELDS
        }
        self.docs = [doc for ix in self.indexes for doc in ix.docs]
        self.title_terms = [terms for ix in self.indexes for terms in ix.title_terms]
        self.part_of = [k for k, ix in enumerate(self.indexes) for _ in ix.docs]
        self.live = frozenset(
            base + d for base, ix in zip(self.bases, self.indexes, strict=False) for d in ix.live
        )
        self.forms = {form: term for ix in self.indexes for form, term in ix.forms.items()}
        self.form_list = sorted(self.forms)
        # A term is as common as its commonest word form.
        commonness: dict[str, int] = {}
        for ix in self.indexes:
            for form, value in ix.commonness.items():
                term = ix.forms[form]
                commonness[term] = max(commonness.get(term, 0), value)
        self.rarities = {term: rarity(value) for term, value in commonness.items()}
        self._length_norms: dict[str, array] = {}
        self.thesaurus = self._union([ix.thesaurus for ix in self.indexes])
        # An abbreviation is a concept of its short form and long forms.
        self.abbreviations = self._union(
            [{short: [short, *longs] for short, longs in ix.abbreviations.items()}
             for ix in self.indexes]
        )  # fmt: skip
        if self.single:  # its own caches serve it: nothing is held twice
            self._postings, self._docsets = self.single._postings, self.single._docsets
        else:
            self._postings = Kept(POSTINGS_KEPT, size=Postings.nbytes)
            self._docsets = Kept(DOCSETS_KEPT, size=entry_bytes)
        self._impacts = Kept(IMPACTS_KEPT, size=lambda impacts: entry_bytes(*impacts))

    @staticmethod
    def _union(parts: list[dict[str, list[str]]]) -> dict[str, list[str]]:
        """Concept → entries, of several bundles: a concept's entries in bundle order."""
        found: dict[str, list[str]] = {}
        for concepts in parts:
            for concept, entries in concepts.items():
                known = found.setdefault(concept, [])
                known += [entry for entry in entries if entry not in known]
        return found

    def length_norms(self, fieldname: str) -> array:
        """BM25's ``K1 * (1 - B + B * dl / avgdl)`` of every document in the field, made once."""
        found = self._length_norms.get(fieldname)
        if found is None:
            avgdl = self.avgfl[fieldname]
            found = array("d", (K1 * ((1 - B) + B * dl / avgdl) for dl in self.lengths[fieldname]))
            self._length_norms[fieldname] = found
        return found

    @cached_property
    def facet_docs(self) -> dict[str, dict[str, frozenset[int]]]:
        """``{"topics": {slug: documents}, "symptoms": …}``, slugs sorted."""
        found: dict[str, dict[str, set[int]]] = {"topics": {}, "symptoms": {}}
        for doc in self.live:
            for kind in found:
                for slug in getattr(self.docs[doc], kind):
                    found[kind].setdefault(slug, set()).add(doc)
        return {kind: {s: frozenset(d) for s, d in sorted(v.items())} for kind, v in found.items()}

    @cached_property
    def forms_by_length(self) -> tuple[list[str], list[int]]:
        """``(word forms, shortest first; where those of each length start)``, the starts
        up to two past the longest: typo look-ups compare a word only with the forms of
        about its length, one slice."""
        ordered = sorted(self.form_list, key=len)
        longest = len(ordered[-1]) if ordered else 0
        return ordered, [bisect.bisect_left(ordered, size, key=len) for size in range(longest + 4)]

    @cached_property
    def title_keys(self) -> dict[str, list[int]]:
        """Each titled document under the title word fewest titles hold: a query names a
        whole title only if it holds that word, so the title bonus looks at the few
        documents filed under the query's words rather than at every document matched."""
        titles = Counter(term for doc in self.live for term in self.title_terms[doc])
        keys: dict[str, list[int]] = {}
        for doc in sorted(self.live):
            if self.title_terms[doc]:
                key = min(self.title_terms[doc], key=lambda term: (titles[term], term))
                keys.setdefault(key, []).append(doc)
        return keys

    def titled(self, words: frozenset[str]) -> set[int]:
        """The documents whose title may be named by a query of title words ``words``."""
        keys = self.title_keys
        return {doc for word in words if word in keys for doc in keys[word]}

    @cached_property
    def thesaurus_concepts(self) -> Concepts:
        return Concepts(self.lang, self.thesaurus)

    @cached_property
    def abbreviation_concepts(self) -> Concepts:
        return Concepts(self.lang, self.abbreviations)

    @cached_property
    def short_forms(self) -> frozenset[str]:
        """The terms of the abbreviations' short forms (one term each)."""
        entries = self.abbreviation_concepts.entries.values()
        return frozenset(found[0][0] for found in entries if len(found[0]) == 1)

    @cached_property
    def derived(self) -> dict[str, list[str]]:
        """Root (``analysis.root``) → the known terms of that root, for the roots of two or
        more: the derived forms of a query's words are looked up here."""
        found: dict[str, list[str]] = {}
        for term in sorted(set(self.forms.values())):
            found.setdefault(root(self.lang, term), []).append(term)
        return {r: terms for r, terms in found.items() if len(terms) > 1}

    def rarity(self, term: str) -> float:
        return self.rarities.get(term, 1.0)

    def term_of(self, token: str) -> str | None:
        """``term_of``, looked up among the index's word forms first (each one's term is that
        form's ``term_of``, as the index stage made it): most tokens of a text are one, and a
        cache of them, 22,000 tokens after 2,000 questions on 10,000 articles, held 7 MiB
        that these forms already hold."""
        return self.forms.get(token) or term_of(self.lang, token)

    def df(self, term: str) -> int:
        return sum(ix.df(term) for ix in self.indexes)

    def df_range(self, term: str) -> tuple[int, int]:
        """The least and the most ``df(term)`` can be (``SearchIndex.df_range``)."""
        ranges = [ix.df_range(term) for ix in self.indexes]
        return sum(least for least, _ in ranges), sum(most for _, most in ranges)

    def impacts(self, fieldname: str, term: str) -> tuple[array, array]:
        """``(documents, BM25 of the term in the field of each)``: the same for every query,
        so worked out once for the commonest terms rather than per query."""
        key = (fieldname, term)
        found = self._impacts.get(key)
        if found is None:
            postings = self.postings(fieldname, term)
            if not postings:
                return NO_IMPACTS
            idf = math.log(self.n / (len(postings) + 1)) + 1
            norms = self.length_norms(fieldname)
            bm25 = array(
                "d", (idf * ((tf * (K1 + 1)) / (tf + norms[doc])) for doc, tf in postings)
            )
            found = (postings.docs, bm25)
            self._impacts.put(key, found)
        return found

    def bundle(self, doc: int) -> str:
        return self.bundles[self.part_of[doc]]

    def _local(self, doc: int) -> tuple[SearchIndex, int]:
        k = self.part_of[doc]
        return self.indexes[k], doc - self.bases[k]

    def texts(self, doc: int) -> list[str]:
        ix, local = self._local(doc)
        return ix.texts(local)

    def postings(self, fieldname: str, term: str) -> Postings:
        if self.single:
            return self.single.postings(fieldname, term)
        key = (fieldname, term)
        found = self._postings.get(key)
        if found is None:
            found = (
                Postings(
                    (base + doc, weight)
                    for base, ix in zip(self.bases, self.indexes, strict=False)
                    for doc, weight in ix.postings(fieldname, term)
                )
                or NO_POSTINGS
            )
            self._postings.put(key, found)
        return found

    def positions(self, fieldname: str, term: str) -> dict[int, list[int]]:
        found = {}
        for base, ix in zip(self.bases, self.indexes, strict=False):
            found |= {base + doc: spots for doc, spots in ix.positions(fieldname, term).items()}
        return found


_collections: Kept = Kept(MAX_OPEN, size=lambda _collection: 1)


def open_collection(parts: list[tuple[str, Path]]) -> Collection:
    """The collection of the indexes at ``(bundle, path)`` (immutable: cached)."""
    key = tuple(sorted((bundle, str(path)) for bundle, path in parts))
    # Through open_index every time: it marks the indexes as used, and an index it closed
    # to stay within MAX_OPEN comes back as a new one, so the collection is made again.
    indexes = [open_index(Path(path)) for _, path in key]
    found = _collections.get(key)
    if found is None or any(a is not b for a, b in zip(found.indexes, indexes, strict=True)):
        found = Collection([(bundle, ix) for (bundle, _), ix in zip(key, indexes, strict=True)])
        _collections.put(key, found)
        # A full garbage collection walks every object of the process, and the app's and the
        # indexes', which stay as they are, are most of them: 140,000 in a worker, 90 ms
        # of CPU a collection (2 ms frozen, after 1,000 questions). Frozen, they are left
        # out; closing an index unfreezes them, so that its cycles are collected.
        gc.freeze()
    return found


# --- query planning ---------------------------------------------------------


@dataclass
class Word:
    form: str
    term: str
    position: int


@dataclass
class Group:
    alternatives: dict[str, float] = field(default_factory=dict)
    words: list[Word] = field(default_factory=list)

    def add(self, term: str, weight: float) -> None:
        if weight > self.alternatives.get(term, 0.0):
            self.alternatives[term] = weight


@dataclass
class Plan:
    groups: list[Group]
    phrases: list[list[str]]
    excluded: set[str]
    corrections: dict[str, str]  # typed form → suggested form
    title_words: frozenset[str] = frozenset()
    headings: dict[str, float] = field(default_factory=dict)  # term → weight in headings only

    def weights(self) -> dict[str, float]:
        weights: dict[str, float] = {}
        for group in self.groups:
            for term, weight in group.alternatives.items():
                weights[term] = max(weights.get(term, 0.0), weight)
        for phrase in self.phrases:
            for term in phrase:
                weights[term] = max(weights.get(term, 0.0), 1.0)
        return weights


def normalise(q: str) -> str:
    return " ".join(unicodedata.normalize("NFC", q).split())


def split_query(q: str) -> tuple[str, list[str], list[str]]:
    """``(plain text, phrases, excluded chunks)``."""
    phrases = PHRASE.findall(q)
    rest = PHRASE.sub(" ", q).replace('"', " ")
    plain, excluded = [], []
    for chunk in rest.split():
        if chunk.startswith("-"):
            excluded.append(chunk[1:])
        else:
            plain.append(chunk)
    return " ".join(plain), phrases, excluded


def by_frequency(ix: Collection, ties: dict[str, str], count: int, commonest=False) -> list[str]:
    """The first ``count`` of the terms ``ties`` names (term → what breaks a tie of two
    terms), by document frequency, lowest first, or highest (``commonest``). A term
    surely past ``count`` others (the least its frequency can be is above the most
    theirs can, or the other way round) is left out without its exact figure, which in an
    index with deleted documents can cost decoding every posting (``SearchIndex.df_range``)."""
    if len(ties) > count:
        ranges = {term: ix.df_range(term) for term in ties}
        if commonest:
            floor = sorted((least for least, _ in ranges.values()), reverse=True)[count - 1]
            ties = {term: tie for term, tie in ties.items() if ranges[term][1] >= floor}
        else:
            ceiling = sorted(most for _, most in ranges.values())[count - 1]
            ties = {term: tie for term, tie in ties.items() if ranges[term][0] <= ceiling}
    sign = -1 if commonest else 1
    return sorted(ties, key=lambda term: (sign * ix.df(term), ties[term]))[:count]


def first_forms(ix: Collection, forms_, skip: frozenset[str] = frozenset()) -> dict[str, str]:
    """Term → its first form among ``forms_`` (in their order), of the terms not in
    ``skip``: the forms ordered by (document frequency, form) give their terms in the order
    of (frequency, first form)."""
    terms: dict[str, str] = {}
    for form in forms_:
        if ix.forms[form] not in skip:
            terms.setdefault(ix.forms[form], form)
    return terms


def typo_candidates(ix: Collection, form: str) -> list[str]:
    """The forms nearest ``form`` in typing mistakes, of the ``MAX_TYPO`` terms of them the
    most documents hold (step 5): each term's first form, best first."""
    if len(form) < MIN_TYPO_LENGTH or paired(form):  # a pair is no word to misspell
        return []
    limit = 1 if len(form) < LONG_TYPO_LENGTH else 2
    # A form more than ``limit`` characters longer or shorter is farther than that.
    by_length, starts = ix.forms_by_length
    near = by_length[starts[len(form) - limit] : starts[len(form) + limit + 1]]
    found = process.extract(form, near, scorer=OSA.distance, score_cutoff=limit, limit=None)
    if not found:
        return []
    best = min(distance for _, distance, _ in found)
    terms = first_forms(ix, sorted(f for f, distance, _ in found if distance == best))
    return [terms[term] for term in by_frequency(ix, terms, MAX_TYPO, commonest=True)]


def completes(token: str) -> bool:
    """Whether a last word being typed is completed: one of at least ``MIN_PREFIX_LENGTH``
    characters, or one character of a paired script (its pairs complete it)."""
    if paired(token):
        return CLUSTER.fullmatch(token) is not None
    return len(token) >= MIN_PREFIX_LENGTH


def prefix_candidates(ix: Collection, prefix: str) -> list[str]:
    """The known forms longer than ``prefix`` that start with it, in order."""
    start = bisect.bisect_right(ix.form_list, prefix)
    found = []
    for f in ix.form_list[start:]:
        if not f.startswith(prefix):
            break
        found.append(f)
    return found


def plan_query(ix: Collection, q: str, rules: Rules = RULES) -> Plan:
    lang = ix.lang
    plain, phrase_texts, excluded_texts = split_query(q)
    words = [Word(f, stem(lang, f), i) for i, f in enumerate(forms(plain, lang))]
    phrases = [p for p in (analyze(t, lang) for t in phrase_texts) if p]
    excluded = {t for text in excluded_texts for t in analyze(text, lang)}

    # Search as you type: the query's last token, when the query ends inside it.
    last_raw = None
    tail = q.split()[-1] if q.split() else ""
    if ENDS_IN_WORD.search(tail) and not tail.startswith("-") and '"' not in tail:
        typed = tokens(fold(tail, lang))
        if typed and completes(typed[-1]):
            last_raw = typed[-1]

    if not words and not phrases and last_raw is None:
        raise SearchError("query_empty", "The query has no words to search for.")

    # Term cap: keep the MAX_TERMS rarest distinct terms.
    kept = set(by_frequency(ix, {w.term: w.term for w in words}, MAX_TERMS))
    words = [w for w in words if w.term in kept]

    completions = prefix_candidates(ix, last_raw) if last_raw is not None else []
    groups: list[Group] = []
    by_term: dict[str, Group] = {}
    corrections: dict[str, str] = {}
    for index, word in enumerate(words):
        group = by_term.get(word.term)
        if group is None:
            group = Group()
            by_term[word.term] = group
            groups.append(group)
            if ix.df(word.term) > 0 or word.form in ix.forms:
                group.add(word.term, 1.0)
            elif completions and index == len(words) - 1 and word.form == last_raw:
                pass  # being typed: its completions below stand in for it
            elif rules.typo_weight:
                candidates = typo_candidates(ix, word.form)
                for form in candidates:
                    group.add(ix.forms[form], rules.typo_weight)
                if candidates:
                    corrections[word.form] = candidates[0]
        group.words.append(word)

    if last_raw is not None:
        stops = stop_words(lang)
        if words and last_raw == words[-1].form and last_raw not in stops:
            group = by_term[words[-1].term]
        else:
            group = Group()
            groups.append(group)
        skip = frozenset({stem(lang, last_raw)} if last_raw not in stops else ())
        terms = first_forms(ix, completions, skip)
        for term in by_frequency(ix, terms, MAX_PREFIX, commonest=True):
            group.add(term, PREFIX_WEIGHT)

    capitals = written_in_capitals(ix, plain)

    def rarity_of(term: str) -> float:
        return ix.rarity(term) if rules.commonness and term not in capitals else 1.0

    groups = _expand(words, groups, ix.thesaurus_concepts, rules.thesaurus_weight)
    groups = _expand(
        words, groups, ix.abbreviation_concepts, rules.abbreviation_weight, short_form=rarity_of
    )
    groups = [g for g in groups if g.alternatives]
    said = Counter(w.term for w in words)
    for group in groups:
        repeated = repetition(max((said[w.term] for w in group.words), default=1), rules)
        for term in group.alternatives:
            group.alternatives[term] = group.alternatives[term] * rarity_of(term) * repeated
    typed = title_words(plain, lang) + [stem(lang, f) for f in corrections.values()]
    plan = Plan(groups, phrases, excluded, corrections, frozenset(typed))
    plan.headings = derived_headings(ix, plan, rules, rarity_of, said)
    return plan


def derived_headings(ix: Collection, plan: Plan, rules: Rules, rarity_of, said: Counter):
    """Step 5's *derived forms*: the known terms of the same root as a word of the question
    (``analysis.root``) that are no alternative of the plan, each with the weight it scores
    with in the headings field only (its heaviest, when two words share it)."""
    found: dict[str, float] = {}
    if not rules.derived_weight:
        return found
    alternatives = plan.weights()
    for group in plan.groups:
        for word in group.words:
            repeated = repetition(said[word.term], rules)
            for term in ix.derived.get(root(ix.lang, word.term), ()):
                if term not in alternatives:
                    derived = rules.derived_weight * rarity_of(term) * repeated
                    found[term] = max(found.get(term, 0.0), derived)
    return found


def repetition(times: int, rules: Rules) -> float:
    """How much more a word said ``times`` in the question weighs than one said once
    (step 5 of the docstring)."""
    k = rules.repetition
    return (k + 1) * times / (k + times) if k else 1.0


CAPITAL = regex.compile(r"\p{Lu}")
LOWER_CASE = regex.compile(r"\p{Ll}")


def written_in_capitals(ix: Collection, plain: str) -> frozenset[str]:
    """The short forms of the collection that ``plain`` writes in capitals ("MS", "GO"):
    those are the abbreviation, not the everyday word their letters also spell ("ms",
    "go"), so they weigh fully whatever their commonness."""
    found = set()
    for token in tokens(plain):
        if len(CAPITAL.findall(token)) >= 2 and not LOWER_CASE.search(token):
            found.add(stem(ix.lang, fold(token, ix.lang)))
    return frozenset(found & ix.short_forms)


class Concepts:
    """Concepts (thesaurus or abbreviations) with their entries analysed once, found by
    the first term of an entry: a long message is compared with the few concepts one of
    its terms starts, not with every concept of the collection (1,169 abbreviations at
    10,000 articles took a 1,000-character message 50 ms)."""

    def __init__(self, lang: str, concepts: dict[str, list[str]]):
        self.entries = {
            concept: [tuple(analyze(entry, lang)) for entry in entries]
            for concept, entries in concepts.items()
        }
        self.starting: dict[str, set[str]] = {}
        for concept, entries in self.entries.items():
            for entry in entries:
                if entry:
                    self.starting.setdefault(entry[0], set()).add(concept)

    def started_by(self, terms) -> list[str]:
        """The concepts with an entry starting with one of ``terms``, in sorted order."""
        return sorted(set().union(*(self.starting.get(term, ()) for term in set(terms))))


def _expand(
    words: list[Word],
    groups: list[Group],
    concepts: Concepts,
    weight: float,
    short_form=None,
) -> list[Group]:
    """The groups with the concepts (thesaurus or abbreviations) the words name merged.
    With ``short_form`` (a term's rarity), a concept's first entry is a short form: typed,
    it adds the other entries' terms at ``weight`` × its least rarity, for a short form
    that is also an everyday word ("GO" in "go") is mostly that word."""
    if not words or not weight:
        return groups
    sequence = [w.term for w in words]
    for concept in concepts.started_by(sequence):
        entries = concepts.entries[concept]
        matched: list[int] = []  # indices into words
        scale = 1.0
        for k, entry in enumerate(entries):
            if not entry:
                continue
            for start in range(len(sequence) - len(entry) + 1):
                if tuple(sequence[start : start + len(entry)]) == entry:
                    matched += range(start, start + len(entry))
                    if k == 0 and short_form is not None:
                        scale = min(short_form(term) for term in entry)
        if not matched:
            continue
        covered = {words[i].term for i in matched}
        merged = Group()
        for group in groups:
            if any(w.term in covered for w in group.words):
                for term, typed in group.alternatives.items():
                    merged.add(term, typed)
                merged.words += group.words
        added = []
        for entry in entries:
            for term in entry:
                if term not in added:
                    added.append(term)
        for term in added[:MAX_THESAURUS]:
            merged.add(term, weight * scale)
        groups = [g for g in groups if not any(w.term in covered for w in g.words)] + [merged]
    return groups


# --- matching and scoring ---------------------------------------------------


def _phrase_docs(ix: Collection, phrase: list[str]) -> set[int]:
    if len(phrase) == 1:
        return set(ix.docset(phrase[0]))
    found: set[int] = set()
    for fieldname in FIELDS:
        lists = [ix.positions(fieldname, t) for t in phrase]
        if not all(lists):
            continue
        for doc in set.intersection(*(set(p) for p in lists)):
            starts = set(lists[0][doc])
            for offset, positions in enumerate(lists[1:], start=1):
                starts &= {p - offset for p in positions[doc]}
            if starts:
                found.add(doc)
    return found


def _allowed(ix: Collection, plan: Plan, filters: dict) -> set[int]:
    docs = set(ix.live)
    topic, symptom = filters.get("topic"), filters.get("symptom")
    min_cred = filters.get("min_credibility")
    if topic or symptom or min_cred:
        docs = {
            d
            for d in docs
            if (not topic or topic in ix.docs[d].topics)
            and (not symptom or symptom in ix.docs[d].symptoms)
            and (not min_cred or (ix.docs[d].credibility or 0) >= min_cred)
        }
    for term in plan.excluded:
        docs.difference_update(ix.docset(term))
    for phrase in plan.phrases:
        docs &= _phrase_docs(ix, phrase)
    return docs


def match(ix: Collection, plan: Plan, filters: dict) -> set[int]:
    """The documents holding a term of any group (or, with no group, the phrases)."""
    allowed = _allowed(ix, plan, filters)
    if not plan.groups:
        return allowed if plan.phrases else set()
    return allowed & set().union(*(ix.docset(t) for g in plan.groups for t in g.alternatives))


def score(ix: Collection, plan: Plan, docs: set[int], rules: Rules = RULES) -> dict[int, float]:
    # Summed in a list by document number, which is faster than a dict by a third.
    sums = [0.0] * len(ix.docs)
    scored = bytearray(len(ix.docs))
    for doc in docs:
        scored[doc] = 1
    boosts = dict(rules.field_boosts)

    def add(fieldname: str, term: str, weight: float) -> None:
        factor = weight * boosts[fieldname]
        for doc, bm25 in zip(*ix.impacts(fieldname, term), strict=True):
            if scored[doc]:
                sums[doc] += factor * bm25

    weights = plan.weights()
    for term in sorted(weights):
        for fieldname in FIELDS:
            add(fieldname, term, weights[term])
    for term in sorted(plan.headings):
        add("headings", term, plan.headings[term])
    scores = {doc: sums[doc] for doc in docs}
    groups = [(g.alternatives, max(g.alternatives.values())) for g in plan.groups]
    total = sum(weight for _, weight in groups)
    for doc in ix.titled(plan.title_words) & scores.keys():
        title = ix.title_terms[doc]
        if plan.title_words.issuperset(title):
            covered = sum(weight for terms, weight in groups if not terms.keys().isdisjoint(title))
            share = covered / total if total else 1.0
            scores[doc] = scores[doc] + rules.title_bonus * len(title) * share * scores[doc]
    if rules.coordination and len(groups) > 1 and total:
        _coordinate(ix, groups, total, scores, rules.coordination)
    return scores


def _coordinate(ix: Collection, groups, total: float, scores: dict, strength: float) -> None:
    """Coordination: each score times the share of the query's weight the document holds,
    to the power ``strength / (n - 1) ** 2`` for ``n`` groups (steps in the docstring)."""
    held = [0.0] * len(ix.docs)  # by document number, as in ``score``
    for terms, weight in groups:
        holding = ix.docset(next(iter(terms)))  # a document once, as a set of several has it
        if len(terms) > 1:
            holding = set().union(*(ix.docset(term) for term in terms))
        for doc in holding:
            held[doc] += weight
    power = strength / (len(groups) - 1) ** 2
    # Documents hold a few combinations of the groups: each share's power is worked out once.
    factors: dict[float, float] = {}
    for doc in scores:
        share = held[doc]
        factor = factors.get(share)
        if factor is None:
            factor = factors[share] = (share / total) ** power
        scores[doc] = scores[doc] * factor


def rank(ix: Collection, q: str, filters: dict | None, count: int, rules: Rules = RULES):
    """``(plan, {doc: score} of every match, [(doc, score)] of the best ``count``, in
    order)`` for a query."""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchError(
            "query_too_long",
            f"The query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}.",
        )
    plan = plan_query(ix, normalise(q), rules)
    docs = match(ix, plan, filters or {})
    scores = score(ix, plan, docs, rules)
    # Only the pages up to the one shown are ordered: a long question matches thousands.
    floor = min(heapq.nlargest(count, scores.values()), default=0.0)
    best = sorted(
        ((doc, value) for doc, value in scores.items() if value >= floor),
        key=lambda item: (-item[1], ix.docs[item[0]].id, ix.part_of[item[0]]),
    )
    return plan, scores, best[:count]


# --- results ----------------------------------------------------------------


def suggestion(q: str, plan: Plan) -> str | None:
    if not plan.corrections:
        return None

    def replace(m: re.Match) -> str:
        return plan.corrections.get(fold(m.group(0)), m.group(0))

    return TOKEN.sub(replace, normalise(q))


# Sentences end at Latin, CJK (full-width), Devanagari (danda) and Myanmar stops.
SENTENCE = re.compile(r"[^.!?\n。！？।॥။]+[.!?。！？।॥။]*")


def marked_spans(ix: Collection, sentence: str, terms: set[str]) -> tuple[list, set[str]]:
    """The spans of ``sentence`` to mark, whole tokens (so whole grapheme clusters), the
    overlapping pairs of a paired script joined into one, and the terms they hold."""
    spans: list[tuple[int, int]] = []
    hits: set[str] = set()
    for start, end in token_spans(sentence):
        term = ix.term_of(fold(sentence[start:end], ix.lang))
        if term not in terms:
            continue
        hits.add(term)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans, hits


# Tokens of highlighted texts that are no word form of the index (``Collection.term_of``),
# about 300 bytes an entry: stop words, numbers and the like.
@lru_cache(maxsize=10_000)
def term_of(lang: str, token: str) -> str | None:
    """The term a folded token of a text is indexed as, or None when it is not indexed."""
    return stem(lang, token) if indexed(token, stop_words(lang)) else None


# The tokens of an ASCII text without dotted ones (``e.g``): each run of these.
ASCII_RUN = re.compile("[a-z0-9_]+")


def holding(ix: Collection, text: str, terms: set[str]):
    """A test of whether a sentence of ``text`` may hold one of ``terms``, or None when the
    text holds none. In ASCII text without dotted terms, a sentence holds a term only if
    one of its runs of word characters, lowercased, is a word of the text holding one: a
    set look-up per run rather than ``marked_spans`` over every sentence of every text of
    ten articles (half the time a long message's highlights took)."""
    if not text.isascii() or any("." in term for term in terms):
        return lambda _sentence: True
    words = {w for w in set(ASCII_RUN.findall(text.lower())) if ix.term_of(w) in terms}
    if not words:
        return None
    return lambda sentence: not words.isdisjoint(ASCII_RUN.findall(sentence.lower()))


def highlight(ix: Collection, text: str, terms: set[str]) -> list[tuple[int, str]]:
    """``(matches, html)`` per sentence of ``text`` holding a term, HTML-escaped."""
    found = []
    may_hold = holding(ix, text, terms)
    if may_hold is None:
        return found
    for sentence in SENTENCE.findall(text):
        sentence = sentence.strip()
        if not may_hold(sentence):
            continue
        spans, hits = marked_spans(ix, sentence, terms)
        if not hits:
            continue
        parts, last = [], 0
        for start, end in spans:
            parts.append(html.escape(sentence[last:start], quote=False))
            parts.append("<mark>" + html.escape(sentence[start:end], quote=False) + "</mark>")
            last = end
        parts.append(html.escape(sentence[last:], quote=False))
        fragment = "".join(parts)
        first = spans[0][0]
        if len(sentence) > HIGHLIGHT_CHARS and first and first > HIGHLIGHT_CHARS // 2:
            # Start near the first match; never cut inside a tag or an entity.
            cut = fragment.find(" ", fragment.find("<mark>") - HIGHLIGHT_CHARS // 3)
            fragment = "… " + fragment[cut + 1 :] if cut > 0 else fragment
        found.append((len(hits), fragment))
    return found


def highlights(ix: Collection, doc: int, terms: set[str]) -> list[str]:
    candidates = []
    for text in ix.texts(doc):
        candidates += highlight(ix, text, terms)
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i][0], i))
    return [candidates[i][1] for i in order[:HIGHLIGHTS]]


def facets(ix: Collection, docs) -> dict:
    """How many of ``docs`` have each topic and each symptom: a long message matches most of
    a bundle, so the few facets' documents are intersected with them rather than every
    matching document's facets counted (9 ms of a 1,000-character message at 10,000)."""
    docs = set(docs)
    return {
        kind: {
            slug: count
            for slug, holding in ix.facet_docs[kind].items()
            if (count := len(holding.intersection(docs)))
        }
        for kind in ("topics", "symptoms")
    }


def search(
    ix: Collection,
    q: str,
    filters: dict | None = None,
    limit: int = 10,
    page: int = 1,
    with_highlights: bool = True,
    rules: Rules = RULES,
) -> dict:
    """One page of results: what ``GET /api/v1/search`` returns, minus bundle and version."""
    plan, scores, ranked = rank(ix, q, filters, page * limit, rules)
    terms = set(plan.weights())
    hits = []
    for doc, value in ranked[(page - 1) * limit :]:
        d = ix.docs[doc]
        hits.append(
            {
                "bundle": ix.bundle(doc),
                "id": d.id,
                "title": d.title,
                "teaser": d.teaser,
                "published": d.published,
                "score": value,
                "highlights": highlights(ix, doc, terms) if with_highlights else [],
            }
        )
    return {
        "query": normalise(q),
        "total": len(scores),
        "page": page,
        "hits": hits,
        "facets": facets(ix, scores),
        "suggestion": suggestion(q, plan),
        "query_terms": query_terms(ix, q),
    }


def query_terms(ix: Collection, q: str) -> list[str]:
    """The query's own words (no phrase, no excluded word) as the index's analysis makes
    them: what a reader who turned it on reports of a search that found nothing."""
    return analyze(split_query(normalise(q))[0], ix.lang)
