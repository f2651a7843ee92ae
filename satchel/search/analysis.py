"""Analysis: how text becomes search terms, for documents and queries alike. The
index stage, the device export and the query planner all call these, and
``static/lib/search-engine.js`` with ``static/lib/segment.js`` and
``static/lib/stem/`` reproduces them on the device.

The rules, per locale
---------------------
1. Lowercase (``str.lower``), then Unicode NFKD, drop the nonspacing marks
   (category ``Mn``) but those of ``KEPT_MARKS``, then NFC; for Chinese, each
   Traditional character becomes its Simplified form (:mod:`.han`, OpenCC's
   table), so ``體重`` finds ``体重`` and back. ``Síndrome`` →
   ``sindrome``, Arabic harakat and Hebrew points vanish, full-width and
   half-width forms become the usual ones (``ＭＳ`` → ``ms``, ``ｶﾞ`` → ``ガ``),
   while the vowel signs, viramas and tone marks of the Brahmic and Southeast
   Asian scripts stay (Thai ``ไข้`` "fever" and ``ไข`` "unlock" are two words).
2. Tokens (:func:`token_spans`): the runs of word characters (letters, digits,
   marks, ``_``; ``e.g`` and ``1.5`` stay one token, hyphens split) on the
   folded text. A run of a script of ``PAIRED`` (written without spaces, or
   Hangul, whose words carry their particles) is cut into overlapping pairs of
   grapheme clusters, as Lucene's CJK analyzer does (``多发性`` → ``多发 发性``);
   a cluster alone is one token. A cluster is a character with its marks; a
   stacking virama (Myanmar, Khmer, Tai Tham) takes the next letter with it.
3. Single-character tokens other than digits (``type 2`` keeps its ``2``) and
   lone characters of a paired script, and the locale's stop words (Whoosh's
   list for the language, folded the same way) are dropped. Positions count
   the tokens that remain (0, 1, 2, …), so ``pins and needles`` is ``pin
   needl`` at two adjacent positions in documents and queries, and a phrase of
   a paired script is its pairs at adjacent positions.
4. The rest is stemmed with Whoosh's stemmer for the language
   (:func:`stemmer`: Snowball, as ``LanguageAnalyzer`` has it, not the Porter
   ``StemmingAnalyzer``; ISRI for Arabic) when Whoosh has one; otherwise the
   folded token is the term. The language is the locale's primary subtag
   (``pt-BR`` → ``pt``). A document's *word forms* are its folded tokens after
   step 3; the index keeps a form → term table (``forms`` in ``search.json``).
   The device stems with ports of the same stemmers, one ES module per
   language in ``static/lib/stem/`` (``en.js``, ``es.js``, ``pt.js``, ``ar.js``),
   so a word absent from the corpus gets the server's stem there too.
5. *Title words* (:func:`title_words`) are every token of a title or query,
   stop words and single letters included, stemmed: the title bonus compares
   them, so "Vitamin A" and "Hepatitis C" are told apart from their kin. Only
   the words a language writes elided (``ELIDED``: French ``l'``, ``d'``,
   ``qu'``…) are left out where an apostrophe joins them to the next word, so
   "L'asthme" has the one title word ``asthme``.
6. *Commonness* (:func:`commonness_table`): how common each word form is in
   everyday language, from the ``wordfreq`` package's list for the language
   (keys folded as in step 1), in tenths of a Zipf step. The index stage keeps
   the figure of each of its forms (``commonness`` in ``search.json``, one
   byte per form in the device segments); the engine weighs rare words more.
   For a paired script, a pair that is a word of the list has its figure.
7. *Roots* (:func:`root`): a term without a derivational ending of its language
   (``DERIVATIONAL_ENDINGS``, as the stemmer leaves them: English ``ment``,
   ``i``; Spanish ``amient``, ``imient``, ``cion``), so that "treated" (``treat``)
   and "Treatment" (``treatment``), "diagnose" and "Diagnosis", "tratar" and
   "Tratamiento" share one. The engine uses it for headings only.

Per script
----------
============================  ==============  =====================  ===========  ==============
Script                        Tokens          Fold                   Stemming     Typo / prefix
============================  ==============  =====================  ===========  ==============
Latin, Greek, Cyrillic        words           accents dropped        Whoosh's     yes / 3+ chars
Arabic, Hebrew                words           points dropped         ISRI (ar)    yes / 3+ chars
Devanagari, Bengali, Tamil,   words           signs, viramas kept    none         yes / 3+ chars
other Brahmic, Thaana
Han, Hiragana, Katakana       pairs           width folded, kana     none         no / a lone
                                              voicing kept; zh:                   character
                                              Traditional → Simp.
Hangul                        pairs           width folded, NFC      none         no / a lone
                                                                                  character
Thai, Lao, Khmer, Myanmar     pairs of        tone marks, vowel      none         no / a lone
                              clusters        signs kept                          cluster
============================  ==============  =====================  ===========  ==============

Stemming is Whoosh's where it has the language (Snowball), on the device with a
port of each stemmer it has (``stages.device_export.DEVICE_STEMMERS``).
Typo expansion is off for pairs (a pair is no word to misspell); search as you
type completes a last word of three characters or more, or a lone character of
a paired script, whose pairs complete it. Highlights mark whole tokens, the
overlapping pairs joined, so they never cut a grapheme cluster.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex
from whoosh.analysis import Token, Tokenizer
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language

from . import han

# The blocks whose nonspacing marks are letters of the word (vowel signs, viramas, tone
# marks, Thaana's vowels, the kana voicing marks): the fold keeps them. Every other
# nonspacing mark (Latin, Greek and Cyrillic accents, Hebrew and Arabic points) is dropped.
# static/lib/segment.js holds the same ranges.
KEPT_MARKS = (
    "\u0780-\u07bf\u0900-\u0fff\u1000-\u109f\u1700-\u1aaf\u1b00-\u1c7f\u1cd0-\u1cff"
    "\u3099-\u309a\ua800-\uaaff\uabc0-\uabff\U00011000-\U00011fff"
)
# The scripts written without spaces between words, and Hangul, whose words carry their
# particles: their runs are cut into overlapping pairs of characters (Lucene's CJK bigrams).
# Han, kana, Hangul, Thai, Lao, Myanmar, Khmer.
PAIRED = (
    "\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u19e0-\u19ff\u2e80-\u2fdf"
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\ua9e0-\ua9ff\uaa60-\uaa7f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff"
)
DROPPED_MARK = regex.compile(f"(?![{KEPT_MARKS}])\\p{{Mn}}")
WORD = "[\\p{L}\\p{N}\\p{M}_]"
TOKEN = regex.compile(f"{WORD}+(?:\\.{WORD}+)*")
# Plain ranges: the re module tests them 30 times faster than the regex module.
PIECE = re.compile(f"[{PAIRED}]+|[^{PAIRED}]+")
PAIRED_CHAR = re.compile(f"[{PAIRED}]")
# A character with its marks; a stacking virama (Myanmar, Khmer, Tai Tham) takes the
# next letter into its cluster, as it is written.
CLUSTER = regex.compile("\\P{M}(?:[\u1039\u17d2\u1a60]\\P{M}|\\p{M})*|\\p{M}+")


def fold(text: str, lang: str = "") -> str:
    """Step 1; Chinese (``lang`` ``zh``) also writes Traditional characters as Simplified."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = unicodedata.normalize("NFC", DROPPED_MARK.sub("", decomposed))
    return folded.translate(han.simplified()) if lang == "zh" else folded


def paired(token: str) -> bool:
    """Whether ``token`` is of a script cut into pairs (a pair or a lone character)."""
    return PAIRED_CHAR.match(token) is not None


def token_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each token of ``text`` is: a run of word characters (dotted ones joined:
    ``e.g``, ``1.5``), or in a run of a paired script each two neighbouring clusters
    (a run of one cluster is one token). Pairs overlap."""
    runs_only = PAIRED_CHAR.search(text) is None  # most text: no need to cut the runs
    for run in TOKEN.finditer(text):
        if runs_only:
            yield run.span()
            continue
        for piece in PIECE.finditer(run.group()):
            start = run.start() + piece.start()
            if not paired(piece.group()):
                # A dot between two scripts joins nothing.
                word = piece.group().strip(".")
                if word:
                    offset = start + piece.group().index(word)
                    yield offset, offset + len(word)
                continue
            clusters = [
                (start + c.start(), start + c.end()) for c in CLUSTER.finditer(piece.group())
            ]
            if len(clusters) == 1:
                yield clusters[0]
            for (first, _), (_, end) in zip(clusters, clusters[1:], strict=False):
                yield first, end


def tokens(folded: str) -> list[str]:
    if PAIRED_CHAR.search(folded) is None:
        return TOKEN.findall(folded)
    return [folded[start:end] for start, end in token_spans(folded)]


def indexed(token: str, stops: frozenset[str]) -> bool:
    """Single characters are dropped, but digits and lone characters of paired scripts."""
    return (len(token) >= 2 or token.isdigit() or paired(token)) and token not in stops


def language(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=64)
def stop_words(lang: str) -> frozenset[str]:
    return (
        frozenset(fold(w, lang) for w in stopwords_for_language(lang))
        if has_stopwords(lang)
        else (frozenset())
    )


@lru_cache(maxsize=64)
def stemmer(lang: str):
    """Whoosh's stemmer for ``lang``, or None: the device needs a port of each one."""
    return stemmer_for_language(lang) if has_stemmer(lang) else None


# Whoosh's Arabic (ISRI) stemmer keeps the word being stemmed on the shared instance,
# so two threads stemming at once could swap results.
_stem_lock = threading.Lock()


@lru_cache(maxsize=200_000)
def stem(lang: str, form: str) -> str:
    stem_word = stemmer(lang)
    if not stem_word:
        return form
    with _stem_lock:
        return stem_word(form)


def forms(text: str, lang: str) -> list[str]:
    """Folded tokens that survive the length and stop-word filter, in order."""
    stops = stop_words(lang)
    return [t for t in tokens(fold(text, lang)) if indexed(t, stops)]


@lru_cache(maxsize=8)
def commonness_table(lang: str) -> dict[str, int]:
    """How common each word is in everyday ``lang`` (not in the bundle), from the
    ``wordfreq`` package's lists: folded word → Zipf value (log10 of the frequency per
    billion words) in tenths, for values above 0. Empty for languages wordfreq lacks.
    Called by the index stage only; the figures travel with the index."""
    import wordfreq

    if lang not in wordfreq.available_languages():
        return {}
    table: dict[str, int] = {}
    for word, frequency in wordfreq.get_frequency_dict(lang).items():
        value = round(10 * (math.log10(frequency) + 9))
        folded = fold(word, lang)
        if value > table.get(folded, 0):
            table[folded] = value
    return table


# The endings that make a noun of a verb, as the language's stemmer leaves them on its stems:
# Snowball strips inflections, not derivations, so "treated" is "treat" but "treatment"
# stays, "diagnose" is "diagnos" but "diagnosis" "diagnosi", and in Spanish "tratado" is
# "trat" but "tratamiento" "tratamient", "prevenir" "preven" but "prevención" "prevencion".
# Longest first where one ends another. Shipped to the device in each segment's header.
DERIVATIONAL_ENDINGS = {"en": ("ment", "i"), "es": ("amient", "imient", "cion")}
MIN_ROOT = 4  # characters left: "comment" is no "com"


def root(lang: str, term: str) -> str:
    """Step 7: ``term`` without the first of its language's ``DERIVATIONAL_ENDINGS`` it ends
    in, when at least ``MIN_ROOT`` characters are left; else ``term``. Written here rather
    than taken from a library: the endings are what Whoosh's Snowball stemmers leave, and
    the device needs the same few lines."""
    for ending in DERIVATIONAL_ENDINGS.get(lang, ()):
        if term.endswith(ending) and len(term) - len(ending) >= MIN_ROOT:
            return term[: -len(ending)]
    return term


# The words a language writes elided, joined to the next by an apostrophe ("l'asthme",
# "d'un", "qu'il", Italian "dell'anca"): in a title they are no word of their own, so
# "asthme" names the article "L'asthme". English has none: its apostrophe ends a word
# ("Parkinson's"), and the "s" stays a title word. Shipped to the device in each header.
ELIDED = {
    "fr": frozenset("c d j l m n s t qu jusqu lorsqu puisqu quoiqu".split()),
    "it": frozenset("c d l s all coll dall dell nell quell quest sull un".split()),
    "ca": frozenset("d l m n s t".split()),
}
ELISION = regex.compile("['\u2019]\\p{L}")


def title_words(text: str, lang: str) -> list[str]:
    """Every token of ``text`` stemmed, stop words and single letters included: a title
    such as "Hepatitis C" or "Vitamin A" is told apart from "Hepatitis" by them; but not
    the language's elided words (``ELIDED``) where an apostrophe joins them to a word."""
    folded = fold(text, lang)
    elided = ELIDED.get(lang, frozenset())
    return [
        stem(lang, folded[start:end])
        for start, end in token_spans(folded)
        if not (folded[start:end] in elided and ELISION.match(folded, end))
    ]


def analyze(text: str, lang: str) -> list[str]:
    """The terms of ``text``, position = list index."""
    return terms_of(forms(text, lang), lang)


def terms_of(found: list[str], lang: str) -> list[str]:
    """The terms of a text whose word forms (``forms``) are ``found``."""
    return [stem(lang, f) for f in found]


class Analysed(str):
    """A text with its terms (``analyze``) worked out already, which the tokenizer
    takes as they are: the build analyses its documents in worker processes, so the
    process writing the index does not analyse every text a second time."""

    terms: list[str]

    @classmethod
    def of(cls, text: str, terms: list[str]) -> Analysed:
        analysed = cls(text)
        analysed.terms = terms
        return analysed


class SatchelTokenizer(Tokenizer):
    """Whoosh analyzer running :func:`analyze`, so the index and queries agree."""

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        terms = value.terms if isinstance(value, Analysed) else analyze(value, self.lang)
        for pos, term in enumerate(terms):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            yield token
