"""Which language a reader gets among those there are: the one rule, for the server (the
interface and content language of a request) and the device (the first start's interface
language, ``static/lib/locale-choice.js``, kept identical by
``tests/static/test_languages.py``).

Each requested tag, in the reader's order, is matched exactly (case and ``_``/``-`` aside:
``pt_br`` is ``pt-BR``), else by its language (``pt-PT`` gets ``pt`` or ``pt-BR``, the
shortest such choice); ``*`` takes the first choice; the default comes first among the
choices, and is what nothing matching gets.

Written here rather than with Babel's ``Locale.parse`` or ``negotiate_locale``: the device
must apply the very same rule and has no Babel, and the browser's ``Intl`` canonicalises
tags from other data than Babel's, so two libraries would disagree on edge cases (a
region Babel has no data for, ``en-XY``, is no locale to Babel and English to ``Intl``).
The rule only compares subtags, which both languages do alike.
"""

from __future__ import annotations

import re

TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def tag_key(tag: str) -> str:
    """``tag`` as the rule compares it: ``pt_BR`` and ``pt-br`` are ``pt-br``."""
    return tag.replace("_", "-").lower()


def match_locale(wanted: str, choices: list[str]) -> str | None:
    """The choice for one requested tag: exact, else the same language (shortest tag)."""
    if wanted == "*":
        return choices[0] if choices else None
    key = tag_key(wanted)
    if not TAG.fullmatch(key):
        return None
    exact = next((choice for choice in choices if tag_key(choice) == key), None)
    if exact is not None:
        return exact
    language = key.split("-")[0]
    same = [choice for choice in choices if tag_key(choice).split("-")[0] == language]
    return min(same, key=len) if same else None


def choose_locale(requested: list[str], choices: list[str], default: str) -> str:
    """The best of ``choices`` for tags ``requested`` in order of preference."""
    ordered = [default] + [choice for choice in choices if choice != default]
    for wanted in requested:
        match = match_locale(wanted, ordered)
        if match:
            return match
    return default
