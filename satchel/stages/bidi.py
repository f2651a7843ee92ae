"""Bidirectional control characters, kept out of everything the build publishes.

Render, pack and index all scrub them, so they share this one definition.
"""

from __future__ import annotations

# Embeddings, overrides and isolates: they can make text display in another
# order than it reads (spoofing); the app sets dir on elements itself.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def has_controls(data: bytes) -> bool:
    return any(chr(code).encode() in data for code in BIDI_CONTROLS)


def scrub_controls(value):
    """``value`` (any JSON-like data) with bidirectional control characters removed."""
    if isinstance(value, str):
        return value.translate(BIDI_CONTROLS)
    if isinstance(value, list):
        return [scrub_controls(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub_controls(item) for key, item in value.items()}
    return value
