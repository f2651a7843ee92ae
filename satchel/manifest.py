"""The manifest format, in one place: what a manifest holds, the bytes it is stored,
signed and checked as, and ``changes``, what a device holding one version needs to
reach another. Pure functions of parsed JSON, no file I/O: the build (``satchel.stages``)
writes manifests with them and the web side (``satchel.web``) serves changes with them.

``static/lib/manifest.js`` is the device's twin of this module and ``tests/test_manifest.py``
checks that both write the same bytes. A device rebuilds a new manifest from the one it
holds and ``changes``, and accepts it only when the sha256 of its own canonical bytes is
that of the stored ones, so both sides must agree to the byte.

A manifest is the *body* that a build assembles (``manifest_body``: the bundle's
listing, ``search`` and the publisher's ``keys``) plus what publishing adds
(``PUBLISHED_MEMBERS``: ``version``, ``published_at``, and the ``signature`` over the rest).
"""

from __future__ import annotations

import json

# Members publish adds to a manifest body: a body equal but for these is unchanged.
PUBLISHED_MEMBERS = ("version", "published_at", "signature")
# Floats JavaScript writes as Python does: fixed notation, never integral (see canonical_bytes).
PORTABLE_FLOATS = (1e-4, 1e16)


def canonical_json(value) -> bytes:
    """Sorted keys, UTF-8 without escapes, no insignificant whitespace: the bytes of
    every content object, so equal content always has an equal name."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# Whole numbers JavaScript holds exactly; beyond, it writes the nearest double's digits.
SAFE_INTEGER = 2**53


def _js_numbers(value):
    if isinstance(value, float):
        if value.is_integer() and abs(value) < SAFE_INTEGER:
            return int(value)
        if value.is_integer() or not PORTABLE_FLOATS[0] <= abs(value) < PORTABLE_FLOATS[1]:
            raise ValueError(f"{value!r} is written differently by JavaScript: round it")
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= SAFE_INTEGER:
        raise ValueError(f"{value!r} is beyond the integers JavaScript holds exactly")
    if isinstance(value, dict):
        return {key: _js_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_js_numbers(item) for item in value]
    return value


def canonical_bytes(manifest: dict) -> bytes:
    """The canonical JSON of a manifest, with every number as JavaScript's
    ``JSON.stringify`` writes it (``1.0`` as ``1``); a float JavaScript would write
    in another notation is refused (ValueError)."""
    return canonical_json(_js_numbers(manifest))


def signed_bytes(manifest: dict) -> bytes:
    """The bytes a manifest's signature covers: the manifest without ``signature``."""
    return canonical_bytes({k: v for k, v in manifest.items() if k != "signature"})


def endorsed_bytes(key: dict) -> bytes:
    """What a key's predecessor signs to endorse it."""
    return canonical_bytes({name: key[name] for name in ("alg", "id", "public_key")})


def manifest_body(listing: dict, search: dict, keys: list[dict]) -> dict:
    """A manifest before publishing: the bundle's ``listing`` (bundle, locale, titles,
    ``articles`` and ``about`` entries, sizes), its ``search`` entry and the publisher's
    public ``keys``, oldest first (so a new key is a new version)."""
    return {**listing, "search": search, "keys": keys}


def body_of(manifest: dict) -> dict:
    """A published manifest without what publishing added: its body."""
    return {k: v for k, v in manifest.items() if k not in PUBLISHED_MEMBERS}


def search_segments(manifest: dict) -> list[dict]:
    """The device search segments a manifest lists (``search.segments``; none before format 1)."""
    return list((manifest.get("search") or {}).get("segments") or [])


def object_names(manifest: dict, search: bool = True) -> list[str]:
    """Every object a manifest names, in manifest order: articles, about pages, then
    the device search segments (unless ``search`` is false: the pack streams JSON only)."""
    entries = manifest["articles"] + manifest["about"]
    names = [entry["object"] for entry in entries if entry["object"]]
    return names + ([s["object"] for s in search_segments(manifest)] if search else [])


def new_objects(old: dict, new: dict) -> set[str]:
    """The objects ``new`` names that ``old`` does not: what a device must download."""
    return set(object_names(new)) - set(object_names(old))


def merge_patch(old: dict, new: dict) -> dict:
    """The JSON Merge Patch (RFC 7386) that turns ``old`` into ``new``: the members that
    differ, objects patched member by member, a removed member as null, anything else
    (arrays included) whole. A member whose new value is null cannot be expressed; no
    manifest member outside ``articles`` is ever null."""
    patch = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if key in old and before == value:
            continue
        both = isinstance(before, dict) and isinstance(value, dict)
        patch[key] = merge_patch(before, value) if both else value
    return patch


def apply_merge_patch(target, patch):
    """``target`` with the JSON Merge Patch ``patch`` applied (RFC 7386)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = apply_merge_patch(merged.get(key), value)
    return merged


def article_changes(old: dict, new: dict) -> dict:
    """The article entries ``added``, ``changed`` (same id, another entry) and ``removed``
    (ids) from ``old`` to ``new``."""
    before = {entry["id"]: entry for entry in old["articles"]}
    after = {entry["id"]: entry for entry in new["articles"]}
    return {
        "added": [entry for key, entry in after.items() if key not in before],
        "changed": [
            entry for key, entry in after.items() if key in before and entry != before[key]
        ],
        "removed": [key for key in before if key not in after],
    }


def changes_between(old: dict, new: dict, needed: set[str] | None = None) -> dict:
    """What a device holding ``old`` must do to reach ``new``: the objects to fetch, and
    in ``manifest.patch`` everything else that differs, so that ``new`` is ``old`` with
    the article entries added, changed and removed (articles are ordered by id) and the
    patch applied to the other members (``apply_changes``)."""
    about_before = {entry["id"]: entry for entry in old["about"]}
    needed = new_objects(old, new) if needed is None else needed
    return {
        "bundle": new["bundle"],
        "locale": new["locale"],
        "from": old["version"],
        "to": new["version"],
        **article_changes(old, new),
        "about": [entry for entry in new["about"] if about_before.get(entry["id"]) != entry],
        "search": [s for s in search_segments(new) if s["object"] in needed],
        "bytes": sum(
            entry["bytes"]
            for entry in new["articles"] + new["about"] + search_segments(new)
            if entry["object"] in needed
        ),
        "manifest": {
            "patch": merge_patch(
                {k: v for k, v in old.items() if k != "articles"},
                {k: v for k, v in new.items() if k != "articles"},
            )
        },
    }


def apply_changes(manifest: dict, changes: dict) -> dict:
    """The manifest ``changes`` leads to from ``manifest``: what a device rebuilds
    (``applyChanges`` in ``static/lib/manifest.js``)."""
    by_id = {entry["id"]: entry for entry in manifest["articles"]}
    for article_id in changes["removed"]:
        by_id.pop(article_id, None)
    for entry in changes["added"] + changes["changed"]:
        by_id[entry["id"]] = entry
    rest = {k: v for k, v in manifest.items() if k != "articles"}
    articles = sorted(by_id.values(), key=lambda entry: entry["id"])
    return {**apply_merge_patch(rest, changes["manifest"]["patch"]), "articles": articles}
