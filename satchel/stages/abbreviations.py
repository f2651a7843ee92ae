"""The *abbreviations* stage: the abbreviation–definition pairs that each bundle × locale's
own text defines, so a search for "MS" finds the articles that spell out "multiple
sclerosis" and back (the rules are in ``search.engine``).

It runs after *pack* and reads every live article of the pack, as the index does
(title, teaser, headings and section text), sentence by sentence; what an article
defines is kept in the build cache under its object's name, so a rebuild reads only
the articles that changed. A pair is found
with the method of Schwartz & Hearst (2003), in both of its patterns:

- ``long form (SF)``: parentheses (ASCII or full-width) holding one or two words of at
  most ten characters with a letter, the first character a letter or digit;
- ``SF (long form)``: any other parentheses, after a word that can be a short form.

The long form is the shortest run of words just before the parentheses (at most
``min(len(SF) + 5, 2 × len(SF))`` words) in which every letter and digit of the short
form is found in order, right to left, the short form's first character at the start
of a word. Characters are compared folded (``analysis.fold``: "EM" is "esclerosis
múltiple"), so any language that writes the pattern is covered. Two checks of ours
keep ordinary parenthesised words out: the short form has two capitals, or is of at
most three characters and starts with one ("MS", "EM", "HbA1c", "Ca"); and the long
form has more words than one.

Scripts without capitals (Han, Thai, Devanagari, Arabic…) need two changes of ours, as
the method was made for English (``caseless_long_form``); the long form never reaches
back over punctuation there:

- a short form of the script itself is one word of at most ten characters, and is one
  only if its characters are found in order in the text before it, the same way: "世界
  卫生组织（世卫组织）", "慢性阻塞性肺病（慢阻肺）". Without spaces, its first character
  need not start a word, and the long form spans at most ``MAX_UNSPACED_SPREAD`` times
  its characters;
- a short form of another script ("慢性阻塞性肺病（COPD）", "مرض الانسداد الرئوي المزمن
  (COPD)") shares no character with its long form, so the long form is the clause
  before it: at most one word per letter of the short form where words are spaced, the
  whole clause where they are not (a clause that starts before the name, "患有慢性阻塞性
  肺病（COPD）", keeps its first words too: that is the limit of the rule). ``SF (long
  form)`` works the same way ("COPD（慢性阻塞性肺病）"); a short form without spaces before
  a parenthesised long form is not looked for (where it starts is not known).

A short form keeps its ``MAX_LONG_FORMS`` commonest long forms (ties: the first
found), spelt as first found. The pairs of a locale are part of its manifest
(``search.abbreviations``), so new text that defines one publishes a new version.

Written here rather than taken from PyPI: the ``abbreviations`` package (the one
Schwartz–Hearst implementation there, last released in 2019) finds only the first
pattern and configures the root logger when imported.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

import regex

from .. import code
from ..search.analysis import PIECE, fold, paired
from .cache import NO_CACHE
from .index import document_fields, live_objects
from .pack import PackedLocale
from .parallel import SERIAL, Workers

MAX_SHORT_CHARS = 10
MAX_LONG_FORMS = 3
# In a script without spaces, a long form found by its characters spans at most this many
# times the short form's characters ("慢性阻塞性肺病" for "慢阻肺": 7 for 3).
MAX_UNSPACED_SPREAD = 4
# Sentences end at a stop followed by a space, at a full-width stop, or at a line break.
SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？।])|\n+")
# Parentheses, ASCII or full-width, after a space or (in text without spaces) none.
PARENTHESES = re.compile(r"\s?[(（]([^()（）]*)[)）]")
# A long form never reaches back over punctuation (a comma, "、", "，") or a symbol.
CLAUSE_MARK = regex.compile(r"[\p{P}\p{S}]")
WORD = re.compile(r"[^\W_]", re.UNICODE)


@dataclass(frozen=True)
class Abbreviations:
    """What the stage found in one pack: short form → its long forms, commonest first."""

    bundle: str
    locale: str
    pairs: dict[str, list[str]] = field(default_factory=dict)


def caseless(text: str) -> bool:
    """Whether ``text`` has letters and all of them are of scripts without capitals (Han,
    Thai, Devanagari, Arabic…), where a short form cannot be told by its capitals."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and not any(c.isupper() or c.islower() for c in letters)


def looks_short(text: str) -> bool:
    """Whether parenthesised ``text`` can be a short form."""
    if not 2 <= len(text) <= MAX_SHORT_CHARS or len(text.split()) > 2:
        return False
    if not text[0].isalnum() or not any(c.isalpha() for c in text):
        return False
    if caseless(text):  # one word, which ``long_form`` then finds letter by letter
        return len(text.split()) == 1
    capitals = sum(c.isupper() for c in text)
    return capitals >= 2 or (len(text) <= 3 and text[0].isupper())


def long_form(short: str, before: str) -> str | None:
    """The long form of ``short`` at the end of ``before``, or None (Schwartz & Hearst)."""
    if caseless(before.split()[-1] if before.split() else ""):
        return caseless_long_form(short, before)
    words = before.split()
    limit = min(len(short) + 5, 2 * len(short))
    candidate = " ".join(words[-limit:]).strip(" ,;:")
    start = matched_from(short, candidate, at_word_start=True)
    if start is None:
        return None
    found = candidate[start:]
    if len(found.split()) < 2 or len(found) <= len(short) or short in found.split():
        return None
    return found


def matched_from(short: str, candidate: str, at_word_start: bool) -> int | None:
    """Where the shortest end of ``candidate`` holding every letter and digit of ``short``
    in order (compared folded) starts, or None; ``at_word_start``: the short form's first
    character starts a word and the long form starts at that word."""
    # Folded a character at a time, so that positions in ``text`` are those of ``candidate``.
    text = "".join(fold(c)[:1] or c for c in candidate)
    wanted = fold(short)
    s, k = len(wanted) - 1, len(text) - 1
    while s >= 0:
        c = wanted[s]
        if not c.isalnum():
            s -= 1
            continue
        while k >= 0 and (
            text[k] != c
            or (at_word_start and s == 0 and k > 0 and WORD.match(text[k - 1]) is not None)
        ):
            k -= 1
        if k < 0:
            return None
        s, k = s - 1, k - 1
    return candidate.rfind(" ", 0, k + 1) + 1 if at_word_start else k + 1


def caseless_long_form(short: str, before: str) -> str | None:
    """The long form of ``short`` at the end of ``before``, text of a script without case,
    within its last clause. A short form of that script is found by its characters, in
    order, as Schwartz & Hearst do, and in a script without spaces (Chinese "慢性阻塞性肺病
    （慢阻肺）") its first character need not start a word. A short form of another script
    ("慢性阻塞性肺病（COPD）", "مرض الانسداد الرئوي المزمن (COPD)") shares no character with
    it: its long form is the clause, at most a word per letter of the short form where
    words are spaced."""
    clause = CLAUSE_MARK.split(before)[-1].strip()
    if not clause:
        return None
    spaced = not paired(clause[-1])
    if caseless(short):
        start = matched_from(short, clause, at_word_start=spaced)
        if start is None:
            return None
        found = clause[start:]
        if not spaced and len(found) > MAX_UNSPACED_SPREAD * len(short):
            return None
    elif spaced:
        found = " ".join(clause.split()[-sum(c.isalnum() for c in short) :])
    else:
        found = clause
    if len(found) <= len(short) or (spaced and len(found.split()) < 2):
        return None
    return found


def pairs_in(sentence: str) -> list[tuple[str, str]]:
    """The ``(short form, long form)`` pairs a sentence defines."""
    found = []
    for match in PARENTHESES.finditer(sentence):
        inside = match.group(1).strip()
        before = sentence[: match.start()]
        long = long_form(inside, before) if looks_short(inside) else None
        if long:
            found.append((inside, long))
        else:
            short = word_before(before)
            long = long_form(short, inside) if looks_short(short) and not paired(short) else None
            if long:
                found.append((short, long))
    return found


def word_before(before: str) -> str:
    """The word that ends ``before`` (in text without spaces, the run of its last script),
    or "" when it ends in none ("Take it ; (twice)")."""
    words = before.split()
    pieces = PIECE.findall(words[-1].strip(",;:")) if words else []
    return pieces[-1] if pieces else ""


def defined_in(texts) -> list[tuple[str, str]]:
    """Every ``(short form, long form)`` pair ``texts`` define, in the order written."""
    return [
        pair
        for text in texts
        for sentence in SENTENCE.split(text)
        if "(" in sentence or "（" in sentence
        for pair in pairs_in(sentence)
    ]


def ranked(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Short form → its commonest long forms (as first spelt), of ``pairs`` in order."""
    counts: Counter[tuple[str, str]] = Counter()
    spelt: dict[tuple[str, str], str] = {}
    for short, long in pairs:
        key = (short, fold(long))
        spelt.setdefault(key, long)
        counts[key] += 1
    by_short: dict[str, list[tuple[str, str]]] = {}
    for key, _count in counts.most_common():  # ties stay in the order first found
        by_short.setdefault(key[0], []).append(key)
    return {
        short: [spelt[key] for key in keys[:MAX_LONG_FORMS]]
        for short, keys in sorted(by_short.items())
    }


def find_pairs(texts) -> dict[str, list[str]]:
    """Short form → its commonest long forms (as first spelt), over ``texts``."""
    return ranked(defined_in(texts))


def article_pairs(data: bytes) -> list[tuple[str, str]]:
    """The pairs an article object's bytes define, for ``Workers.map``."""
    doc = document_fields(json.loads(data))
    return defined_in([doc[key] for key in ("title", "teaser", "headings", "takeaway", "body")])


# Part of the key of an article's pairs in the build cache: a change to how pairs are
# found (this module or anything it imports) finds them again.
CODE = code.digest(__name__).hexdigest()


def find_abbreviations(
    pack: PackedLocale, cache=NO_CACHE, workers: Workers = SERIAL
) -> Abbreviations:
    """The pairs of every live article, each article's from the build cache when an earlier
    build read the same object (its name is its content's hash): a rebuild after one
    edit reads one article, not all of them (2 of 8 CPU seconds at 10,000). ``workers``
    read the others."""
    names = list(live_objects(pack.listing).values())

    def read(positions: list[int]) -> list:
        return workers.map(article_pairs, [pack.objects[names[p]].data for p in positions])

    found = cache.memo_all("abbreviations", [f"{CODE}:{name}" for name in names], read)
    return Abbreviations(pack.bundle, pack.locale, ranked([p for pairs in found for p in pairs]))
