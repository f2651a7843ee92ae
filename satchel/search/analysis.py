"""Analysis: how text becomes search terms, for documents and queries alike. The
index stage, the device export and the query planner all call these, and
``static/lib/search-engine.js`` with ``static/lib/stem/`` reproduces them on the device.

The rules, per locale
---------------------
1. Lowercase (``str.lower``), then Unicode NFKD and drop every combining mark
   (category ``Mn``): ``Síndrome`` → ``sindrome``, Arabic harakat vanish.
2. Tokens are the matches of ``\\w+(?:\\.\\w+)*`` on the folded text (Unicode
   word characters; ``e.g`` and ``1.5`` stay one token, hyphens split).
3. Single-character tokens other than digits (``type 2`` keeps its ``2``) and
   the locale's stop words (Whoosh's list for the language, folded the same
   way) are dropped. Positions count the
   tokens that remain (0, 1, 2, …), so ``pins and needles`` is ``pin needl``
   at two adjacent positions in documents and queries.
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
   them, so "Vitamin A" and "Hepatitis C" are told apart from their kin.
6. *Commonness* (:func:`commonness_table`): how common each word form is in
   everyday language, from the ``wordfreq`` package's list for the language
   (keys folded as in step 1), in tenths of a Zipf step. The index stage keeps
   the figure of each of its forms (``commonness`` in ``search.json``, one
   byte per form in the device segments); the engine weighs rare words more.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language

TOKEN = re.compile(r"\w+(?:\.\w+)*")


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def language(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=64)
def stop_words(lang: str) -> frozenset[str]:
    return (
        frozenset(fold(w) for w in stopwords_for_language(lang))
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
    return [t for t in TOKEN.findall(fold(text)) if (len(t) >= 2 or t.isdigit()) and t not in stops]


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
        folded = fold(word)
        if value > table.get(folded, 0):
            table[folded] = value
    return table


def title_words(text: str, lang: str) -> list[str]:
    """Every token of ``text`` stemmed, stop words and single letters included: a title
    such as "Hepatitis C" or "Vitamin A" is told apart from "Hepatitis" by them."""
    return [stem(lang, t) for t in TOKEN.findall(fold(text))]


def analyze(text: str, lang: str) -> list[str]:
    """The terms of ``text``, position = list index."""
    return [stem(lang, f) for f in forms(text, lang)]


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
        for pos, term in enumerate(analyze(value, self.lang)):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            yield token
