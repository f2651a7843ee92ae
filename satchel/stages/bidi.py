"""Bidirectional control characters, kept out of everything the build publishes.

Render, pack and index all scrub them, so they share this one definition.
"""

from __future__ import annotations

import re

# Embeddings, overrides and isolates: they can make text display in another
# order than it reads (spoofing); the app sets dir on elements itself.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


_ANY_CONTROL = re.compile("|".join(re.escape(chr(code)) for code in BIDI_CONTROLS).encode())


def has_controls(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds any of them: one pass over the bytes, not one each."""
    return _ANY_CONTROL.search(data) is not None


def scrub_controls(value):
    """``value`` (any JSON-like data) with bidirectional control characters removed."""
    if isinstance(value, str):
        return value.translate(BIDI_CONTROLS)
    if isinstance(value, list):
        return [scrub_controls(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub_controls(item) for key, item in value.items()}
    return value
