"""The published data on disk, and how to read it.

Layout under the data folder (``instance/`` by default)::

    objects/ab/ab12…ef          canonical JSON, named by its sha256
    objects/ab/ab12…ef.gz       precompressed siblings, served by Content-Encoding
    objects/ab/ab12…ef.br
    bundles/<bundle>/current.json       {"locales": {"en": 3, "es": 2}}
    bundles/<bundle>/<locale>/<n>.json  the manifest of version n (immutable)
    bundles/<bundle>/<locale>/<n>.json.br, .json.gz    its precompressed siblings
    bundles/<bundle>/<locale>/<n>.pack.ndjson.br       its first-install pack, compressed
    bundles/<bundle>/<locale>/<n>.download.json        what a first install downloads (brotli)
    bundles/<bundle>/<locale>/changes/<from>-<n>.json   the update from each kept version to n
                                        (+ .br, .gz), written before the pointer names n
    bundles/<bundle>/<locale>/index/<n>/               its Whoosh search index
    keys/keyring.json                   the publisher's public keys (satchel.stages.sign)
    keys/<id>.pem                       a private key: back the folder up, keep it private
    ui/<locale>.json                    the compiled interface catalog of a locale
    bundles.json                        the bundle list, as GET /api/v1/bundles answers it
    bundles/<b>/<l>/changes/<from>-<to>.json   the update from a kept version (immutable)
    tuf/<n>.root.json, <n>.targets.json, <n>.snapshot.json   TUF metadata (immutable)
    tuf/timestamp.json                  the TUF timestamp: mutable, re-signed hourly
    <folder>/<sha256>.<name>            each TUF target (pointers, manifests) under the
                                        name TUF clients fetch: immutable, hard-linked
    keys/root/, keys/tuf/               TUF private keys (``satchel.stages.repository``)

Everything but the private keys, the Whoosh indexes, temporary files and the build
lock is the *static repository* (docs/repository.md): plain files any HTTP server,
bucket, CDN or mirror may serve as they are; ``public_kind`` says which, and which may
change.

``current.json`` is the only file ever replaced, by an atomic rename, so a
reader that follows it sees one complete version: everything it names was
written (and synced) before the rename. See ``publish`` for the writing side.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import brotli

from .kept import Kept
from .manifest import changes_between, new_objects, object_names, search_segments

# Files being written are named so, until renamed into place (see ``atomic_file``).
TEMP_PREFIX = ".tmp-"
OBJECT_NAME = re.compile(r"^[0-9a-f]{64}$")
# Bundle ids are slugs: safe as folder names and in URLs.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 100
# Device search segments (content objects listed under a manifest's ``search``):
# every segment starts with SEGMENT_MAGIC; the layout of SEGMENT_FORMAT is in
# ``satchel.stages.device_export``, the one writer, and ``static/lib/search-engine.js`` reads it.
SEGMENT_FORMAT = 3
SEGMENT_MAGIC = b"SXI1"
KEYRING = "keyring.json"
BUNDLE_LIST = "bundles.json"
LOCALE_LIST = "locales.json"
ENCODINGS = {"br": ".br", "gzip": ".gz"}
DECOMPRESS = {"br": brotli.decompress, "gzip": gzip.decompress}
# Parsed manifests kept per process, for builds and requests alike: one of 10,000
# articles takes about 9 MiB of memory, so only the last few used are kept.
MANIFESTS_KEPT = 8
_manifests = Kept(MANIFESTS_KEPT, size=lambda _entry: 1)  # path → (file stamp, manifest)


@dataclass(frozen=True)
class Published:
    """The versions current when a build began, and their manifests: read once, for the
    stages that build on them (index, device export, publish)."""

    versions: dict[str, dict[str, int]]  # bundle → locale → version
    manifests: dict[tuple[str, str], dict]  # (bundle, locale) → that version's manifest

    def version(self, bundle: str, locale: str) -> int | None:
        return self.versions.get(bundle, {}).get(locale)

    def manifest(self, bundle: str, locale: str) -> dict | None:
        """None when nothing is published, or its manifest could not be read."""
        return self.manifests.get((bundle, locale))


_LOCALE = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}"
_SLUG = SLUG_PATTERN.strip("^$")
_COMPRESSED = r"(?:\.br|\.gz)?"
# A TUF target's copy under its hashed name (``satchel.stages.repository.hashed_name``).
_HASHED = r"(?:[0-9a-f]{64}\.)?"
# A first-install pack, stored as brotli only: sent with Content-Encoding br whatever the
# request accepts (browsers decode it as they receive it).
PACK_PATH = rf"bundles/{_SLUG}/{_LOCALE}/[1-9][0-9]*\.pack\.ndjson\.br"
# Each public path of the static repository, by whether its bytes may ever change. The TUF
# metadata (``satchel.stages.repository``) is public too: every file but the timestamp has a
# versioned name, and the targets' hashed copies never change.
PUBLIC_PATHS = {
    "mutable": re.compile(
        rf"bundles\.json|locales\.json|keys/keyring\.json|ui/{_LOCALE}\.json"
        rf"|bundles/{_SLUG}/current\.json"
        r"|tuf/timestamp\.json"
    ),
    "immutable": re.compile(
        rf"objects/([0-9a-f]{{2}})/\1[0-9a-f]{{62}}{_COMPRESSED}"
        rf"|bundles/{_SLUG}/{_LOCALE}/(?:{_HASHED}[1-9][0-9]*\.json{_COMPRESSED}"
        rf"|[1-9][0-9]*\.download\.json"
        rf"|changes/{_HASHED}[1-9][0-9]*-[1-9][0-9]*\.json{_COMPRESSED})"
        rf"|{PACK_PATH}"
        r"|tuf/[1-9][0-9]*\.(?:root|targets|snapshot)\.json"
        r"|[0-9a-f]{64}\.bundles\.json"
        rf"|bundles/{_SLUG}/[0-9a-f]{{64}}\.current\.json"
    ),
}
# The search index of a published version: server-only, never part of the repository.
INDEX_FILE = re.compile(rf"bundles/{_SLUG}/{_LOCALE}/index/[1-9][0-9]*/[^/.][^/]*")
POINTER = re.compile(rf"bundles/({_SLUG})/current\.json")
# How long a cache may keep a public file, by ``public_kind``: a mutable one is revalidated
# on every use (a 304 by its ETag, cheap through a CDN too), so a new publish is seen at
# once; the rest never changes.
CACHE_CONTROL = {
    "mutable": "public, no-cache",
    "immutable": "public, max-age=31536000, immutable",
}


def public_kind(relative_path: str) -> str | None:
    """``"mutable"`` or ``"immutable"`` for a path of the static repository (relative to
    the data folder, ``/``-separated); None for a private or unknown one (keys, search
    indexes, temporary files, the build lock, anything with ``..``): an allow-list, so
    whatever serves or uploads the repository publishes nothing else."""
    for kind, pattern in PUBLIC_PATHS.items():
        if pattern.fullmatch(relative_path):
            return kind
    return None


def encoded(path: Path, encoding: str | None) -> Path:
    """The sibling of ``path`` precompressed with ``encoding``; ``path`` itself for None."""
    return path.with_name(path.name + ENCODINGS[encoding]) if encoding else path


class Store:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.objects_dir = self.root / "objects"
        self.bundles_dir = self.root / "bundles"

    def object_path(self, name: str, encoding: str | None = None) -> Path:
        return encoded(self.objects_dir / name[:2] / name, encoding)

    def pointer_path(self, bundle: str) -> Path:
        return self.bundles_dir / bundle / "current.json"

    def manifest_path(self, bundle: str, locale: str, version: int) -> Path:
        return self.bundles_dir / bundle / locale / f"{version}.json"

    def pack_path(self, bundle: str, locale: str, version: int) -> Path:
        """The first-install pack of a version. Only its brotli copy is ever written
        (``publish.compress_packs``, once the version is published); ``pack_lines``
        reads the plain pack from the manifest and the objects."""
        return self.bundles_dir / bundle / locale / f"{version}.pack.ndjson"

    def download_path(self, bundle: str, locale: str, version: int) -> Path:
        """What a first install of a version downloads as brotli (``first_install``),
        written beside its compressed pack: the size the app shows before a download."""
        return self.bundles_dir / bundle / locale / f"{version}.download.json"

    def first_install(
        self, bundle: str, locale: str, version: int, pack_bytes: int, sent_size: Callable
    ) -> dict:
        """What a first install of ``version`` downloads: the pack (``pack_bytes``, as
        sent) and the search segments (``sent_size(path)``: the bytes of the copy sent)."""
        segments = search_segments(self.manifest(bundle, locale, version))
        segment_bytes = sum(sent_size(self.object_path(s["object"])) for s in segments)
        return {
            "bundle": bundle,
            "locale": locale,
            "version": version,
            "pack_bytes": pack_bytes,
            "segment_bytes": segment_bytes,
            "bytes": pack_bytes + segment_bytes,
            "requests": 1 + len(segments),
        }

    def changes_path(self, bundle: str, locale: str, since: int, version: int) -> Path:
        """The precomputed update from kept version ``since`` to ``version``."""
        return self.bundles_dir / bundle / locale / "changes" / f"{since}-{version}.json"

    def changes_files(self, bundle: str, locale: str, version: int) -> list[Path]:
        """Every precomputed update from or to ``version``, precompressed copies included."""
        folder = self.bundles_dir / bundle / locale / "changes"
        return [
            *folder.glob(f"{version}-*.json*"),
            *folder.glob(f"*-{version}.json*"),
        ]

    @property
    def bundle_list_path(self) -> Path:
        return self.root / BUNDLE_LIST

    @property
    def locale_list_path(self) -> Path:
        return self.root / LOCALE_LIST

    def index_dir(self, bundle: str, locale: str, version: int | None = None) -> Path:
        """The Whoosh search index of a version (every version's, without one)."""
        folder = self.bundles_dir / bundle / locale / "index"
        return folder if version is None else folder / str(version)

    def version_files(self, bundle: str, locale: str, version: int) -> list[Path]:
        """Every file of a version, its manifest last: remove them in this order and the
        version is gone the moment its manifest is."""
        manifest = self.manifest_path(bundle, locale, version)
        pack = self.pack_path(bundle, locale, version)
        copies = [encoded(path, e) for path in (pack, manifest) for e in ENCODINGS]
        download = self.download_path(bundle, locale, version)
        return self.changes_files(bundle, locale, version) + [download, *copies, manifest]

    def pack_lines(self, bundle: str, locale: str, version: int) -> Iterator[bytes]:
        """The plain first-install pack, a line at a time: the manifest as stored, then
        every article and about page it names, in manifest order."""
        yield self.manifest_bytes(bundle, locale, version) + b"\n"
        for name in object_names(self.manifest(bundle, locale, version), search=False):
            yield self.object_path(name).read_bytes() + b"\n"

    def pack_bytes(self, bundle: str, locale: str, version: int) -> int:
        """The size of the plain pack, without reading the objects."""
        entries = self.manifest(bundle, locale, version)
        entries = entries["articles"] + entries["about"]
        manifest = self.manifest_path(bundle, locale, version).stat().st_size
        return manifest + 1 + sum(entry["bytes"] + 1 for entry in entries if entry["object"])

    @property
    def keys_dir(self) -> Path:
        """The publisher's signing keys: ``keyring.json`` (public) and ``<id>.pem`` each."""
        return self.root / "keys"

    def publisher_keys(self) -> list[dict]:
        """The public keys manifests are signed with, oldest first (the last signs now);
        empty before the first build. Raises ValueError when the key ring is damaged."""
        try:
            keys = json.loads((self.keys_dir / KEYRING).read_bytes())["keys"]
        except FileNotFoundError:
            return []
        except (KeyError, TypeError) as exc:
            raise ValueError(f"no key list in {self.keys_dir / KEYRING}") from exc
        return keys

    def ui_path(self, locale: str) -> Path:
        return self.root / "ui" / f"{locale}.json"

    def ui_locales(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "ui").glob("*.json"))

    def bundles(self) -> list[str]:
        return sorted(p.parent.name for p in self.bundles_dir.glob("*/current.json"))

    def current(self, bundle: str) -> dict[str, int]:
        """Published version per locale of ``bundle``; empty when never published."""
        try:
            return json.loads(self.pointer_path(bundle).read_bytes())["locales"]
        except FileNotFoundError:
            return {}

    def published(self, bundles: list[str]) -> Published:
        """What is published of ``bundles`` now. What can't be read is left out: the
        stages then start afresh, and publish, which reads the pointers again under its
        lock, reports the folder."""
        versions, manifests = {}, {}
        for bundle in bundles:
            try:
                versions[bundle] = self.current(bundle)
                for locale, version in versions[bundle].items():
                    manifests[bundle, locale] = self.manifest(bundle, locale, version)
            except OSError:
                continue
        return Published(versions, manifests)

    def manifest_bytes(self, bundle: str, locale: str, version: int) -> bytes:
        return self.manifest_path(bundle, locale, version).read_bytes()

    def manifest(self, bundle: str, locale: str, version: int) -> dict:
        """The parsed manifest (shared between callers: never modify it). A build reads
        the current one at several stages, requests (search, pack, changes) need one
        often, and each is megabytes for a large bundle: it is parsed again only when
        its file changed (a data folder built again from scratch) or it fell out of the
        last ``MANIFESTS_KEPT`` used."""
        path = self.manifest_path(bundle, locale, version)
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            parsed = _manifests.get(path)
            if parsed is None or parsed[0] != stamp:
                parsed = (stamp, json.loads(handle.read()))
                _manifests.put(path, parsed)
        return parsed[1]

    def kept_objects(self) -> set[str]:
        """Names of every object that some kept manifest of a published bundle names."""
        return {
            name
            for bundle in self.bundles()
            for locale in self.current(bundle)
            for version in self.versions(bundle, locale)
            for name in object_names(self.manifest(bundle, locale, version))
        }

    def versions(self, bundle: str, locale: str) -> list[int]:
        """Every manifest version on disk for this bundle × locale, oldest first."""
        folder = self.bundles_dir / bundle / locale
        return sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit())

    def files(self) -> Iterator[str]:
        """The relative path (``/``-separated) of every file in the data folder but those
        in hidden folders (the build cache, partial indexes)."""
        for folder, subfolders, names in os.walk(self.root):
            subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
            base = Path(folder).relative_to(self.root)
            yield from ((base / name).as_posix() for name in sorted(names))

    def read_intact(self, name: str) -> bytes | None:
        """An object's bytes; None when it is missing, unreadable or damaged (its sha256
        is not its name): whoever reuses a published object must not spread a bad copy."""
        try:
            data = self.object_path(name).read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == name else None


def bundle_listing(store: Store, pointers: dict[str, dict[str, int]]) -> list[dict]:
    """Each bundle of ``pointers`` (bundle → locale → version) with its title and
    description (in its source locale when published in it), locales and versions: the
    bundle list, ``bundles.json``, as GET /api/v1/bundles answers it."""
    listing = []
    for bundle, versions in pointers.items():
        first = store.manifest(bundle, *next(iter(sorted(versions.items()))))
        source = versions.get(first["source_locale"])
        head = store.manifest(bundle, first["source_locale"], source) if source else first
        listing.append(
            {
                "id": bundle,
                "title": head["title"],
                "description": head["description"],
                "source_locale": head["source_locale"],
                "locales": sorted(versions),
                "versions": versions,
            }
        )
    return listing


def update_changes(
    store: Store,
    bundle: str,
    locale: str,
    since: int,
    current: int,
    sent_size: Callable[[str], int],
    manifest_sha256: str,
) -> dict:
    """What a device holding version ``since`` needs to reach ``current``, the sha256
    (``manifest_sha256``) and size of the manifest it will hold then (see
    ``manifest.changes_between``), and ``transfer_bytes``: the objects to download as
    the client receives them (``sent_size(name)``: the bytes of the copy it gets)."""
    old, new = store.manifest(bundle, locale, since), store.manifest(bundle, locale, current)
    needed = new_objects(old, new)
    changes = changes_between(old, new, needed)
    changes["transfer_bytes"] = sum(sent_size(name) for name in needed)
    changes["manifest"] |= {
        "sha256": manifest_sha256,
        "bytes": store.manifest_path(bundle, locale, current).stat().st_size,
    }
    return changes


@contextmanager
def atomic_file(path: Path, durable: bool = False):
    """A file handle whose bytes appear at ``path`` all at once, when the block ends
    without error: written to a temporary file in the same folder, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(path.parent)


def write_atomically(path: Path, data: bytes, durable: bool = False) -> None:
    with atomic_file(path, durable) as handle:
        handle.write(data)


def sync_folder(folder: Path) -> None:
    """Make the entries of ``folder`` (names created, renamed or removed) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link to ``source`` at ``target``; a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def object_problems(store: Store, name: str) -> list[str]:
    """What is wrong with an object on disk: missing, or bytes not matching its name."""
    return copies_problems(lambda encoding: read_or_none(store.object_path(name, encoding)), name)


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def copies_problems(read: Callable[[str | None], bytes | None], name: str) -> list[str]:
    """What is wrong with the plain copy and the precompressed copies of object ``name``,
    wherever they are: ``read(encoding)`` gives a copy's bytes, None when it is missing."""
    data = read(None)
    if data is None:
        return ["missing"]
    if hashlib.sha256(data).hexdigest() != name:
        return ["corrupt: its sha256 does not match its name"]
    problems = []
    for encoding in ENCODINGS:
        copy = read(encoding)
        problem = "missing" if copy is None else encoding_problem(copy, encoding, data)
        if problem:
            problems.append(f"{encoding} copy {problem}")
    return problems


def copy_problem(path: Path, encoding: str, plain: bytes) -> str | None:
    """What is wrong with a precompressed copy of ``plain``; None if nothing."""
    try:
        data = path.read_bytes()
    except OSError:
        return "corrupt: it does not decompress"
    return encoding_problem(data, encoding, plain)


def encoding_problem(data: bytes, encoding: str, plain: bytes) -> str | None:
    """What is wrong with ``data``, meant to be ``plain`` compressed; None if nothing."""
    try:
        if DECOMPRESS[encoding](data) != plain:
            return "corrupt: it does not decompress to the plain bytes"
    except (OSError, EOFError, ValueError, brotli.error):  # gzip's: BadGzipFile, EOFError
        return "corrupt: it does not decompress"
    return None


def version_problems(store: Store, bundle: str, locale: str, version: int) -> dict[Path, str]:
    """Damaged precompressed copies of a version's manifest and pack. They are optional:
    without one, the API sends the plain bytes."""
    manifest = store.manifest_path(bundle, locale, version)
    plain = {
        manifest: manifest.read_bytes,
        store.pack_path(bundle, locale, version): lambda: b"".join(
            store.pack_lines(bundle, locale, version)
        ),
    }
    problems = {}
    for path, read_plain in plain.items():
        for encoding in ENCODINGS:
            copy = encoded(path, encoding)
            if copy.exists():
                try:
                    problem = copy_problem(copy, encoding, read_plain())
                except FileNotFoundError:
                    continue  # an object of the pack is missing: reported with the objects
                if problem:
                    problems[copy] = problem
    return problems
