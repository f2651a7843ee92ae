"""Read-side look-ups of the published store, cached by version.

``current.json`` is read on every request (a tiny file), so a publish is seen at
once; everything keyed by a version is immutable and safe to cache for as long
as the backend likes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from ..i18n.catalogs import locale_listing
from ..store import SLUG_MAX, SLUG_PATTERN, Store, bundle_listing, update_changes
from . import language
from .caching import cache
from .errors import ApiError
from .language import _

LOCALE_PATTERN = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}"


def is_slug(value: str) -> bool:
    return len(value) <= SLUG_MAX and re.fullmatch(SLUG_PATTERN, value) is not None


def store() -> Store:
    return Store(current_app.config["DATA_DIR"])


@functools.lru_cache(maxsize=1024)
def _file_etag(path: str, inode: int, modified_ns: int) -> str:
    return etag_of(Path(path).read_bytes())


def manifest_etag(bundle: str, locale: str, version: int) -> str:
    """The strong ETag of a manifest, hashed once per version in each process, so a 304
    reads nothing. (Kept in process: flask-caching's memoize costs more than the lookup.)
    A published manifest never changes; its inode and mtime are in the key all the same,
    so a data folder built again from scratch is never mistaken for the old one."""
    path = store().manifest_path(bundle, locale, version)
    status = path.stat()
    return _file_etag(str(path), status.st_ino, status.st_mtime_ns)


def manifest(bundle: str, locale: str, version: int) -> dict:
    """The parsed manifest (see ``Store.manifest``); shared: never modify it."""
    return store().manifest(bundle, locale, version)


# Manifest fields besides the lists of articles and search segments: the bundle's title,
# locales, version and the like.
LISTS = ("articles", "search")


@functools.lru_cache(maxsize=64)
def _manifest_head(path: str, inode: int, modified_ns: int) -> dict:
    parsed = json.loads(Path(path).read_bytes())
    return {key: value for key, value in parsed.items() if key not in LISTS}


def manifest_head(bundle: str, locale: str, version: int) -> dict:
    """The manifest without its lists (``LISTS``), parsed once per version in each process,
    for what needs only its fields (search's bundle title): a worker keeps a few hundred
    bytes, where the whole manifest of 10,000 articles takes 9 MiB. Shared: never modify it."""
    path = store().manifest_path(bundle, locale, version)
    status = path.stat()
    return _manifest_head(str(path), status.st_ino, status.st_mtime_ns)


def current_versions(bundle: str) -> dict[str, int]:
    """The published version per locale of ``bundle``; 404 when there is none."""
    # Checked before touching the disk: nothing outside the data folder is ever read.
    versions = store().current(bundle) if is_slug(bundle) else {}
    if not versions:
        raise ApiError(
            404, "bundle_not_found", _("There is no bundle called '{bundle}'.", bundle=bundle)
        )
    return versions


def current_version(bundle: str, locale: str) -> int:
    versions = current_versions(bundle)
    if not re.fullmatch(LOCALE_PATTERN, locale) or locale not in versions:
        raise ApiError(
            404,
            "locale_not_found",
            _(
                "Bundle '{bundle}' is not published in '{locale}'. Available: {available}.",
                bundle=bundle,
                locale=locale,
                available=", ".join(sorted(versions)),
            ),
        )
    return versions[locale]


def etag_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cached(name: str, state, compute):
    """``compute()``, cached under ``name`` and ``state``: JSON of everything the value
    depends on besides the data folder, published versions included, so that a publish
    is seen at once."""
    key = json.dumps([str(current_app.config["DATA_DIR"]), state], sort_keys=True)
    key = f"{name}:{etag_of(key.encode())}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value


def publisher_keys() -> list[dict]:
    """The publisher's public keys, oldest first (none before the first build)."""
    try:
        return store().publisher_keys()
    except ValueError as exc:
        current_app.logger.error("the key ring can't be read: %s", exc)
        raise ApiError(
            503, "keys_unavailable", _("The publisher's keys can't be read; try again later.")
        ) from exc


def published() -> dict[str, dict[str, int]]:
    """The current version per locale of every published bundle, in bundle order."""
    found = {bundle: store().current(bundle) for bundle in store().bundles()}
    return {bundle: versions for bundle, versions in found.items() if versions}


def cached_by_publication(name: str, compute):
    """``compute(pointers)`` cached until any bundle publishes (the key holds every pointer)."""
    pointers = published()
    return cached(name, [language.ui_locales(), pointers], lambda: compute(pointers))


def bundle_list() -> list[dict]:
    """Every published bundle with its locales and current versions."""
    return cached_by_publication("bundles", lambda pointers: bundle_listing(store(), pointers))


def locale_list() -> list[dict]:
    """Every locale with an interface catalog or a published bundle."""
    return cached_by_publication(
        "locales", lambda pointers: locale_listing(store(), pointers, language.ui_locales())
    )


def changes_since(
    bundle: str, locale: str, since: int, current: int, sent_size: Callable[[str], int]
) -> dict:
    """What a device holding version ``since`` needs to reach ``current``, the sha256
    and size of the manifest it will hold then (see ``manifest.changes_between``), and
    ``transfer_bytes``: the objects to download as this client will receive them
    (``sent_size(name)``: the bytes of the copy its Accept-Encoding gets)."""
    retained = set(store().versions(bundle, locale))
    if since not in retained or since > current:
        oldest = min(retained) if retained else current
        raise ApiError(
            410,
            "version_expired",
            _(
                "Version {since} of '{bundle}' ({locale}) is not available for updates; "
                "versions {oldest} to {current} are. Download the bundle again.",
                since=since,
                bundle=bundle,
                locale=locale,
                oldest=oldest,
                current=current,
            ),
        )
    etag = manifest_etag(bundle, locale, current)
    return update_changes(store(), bundle, locale, since, current, sent_size, etag)
