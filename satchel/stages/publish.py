"""The *publish* and *compress packs* stages: write releases into the store so a new
version appears in one step, then compress its first-install pack.

A ``Release`` is one bundle × locale as the build assembled it from the stages' results:
the pack's objects and the device index's segments, the full manifest body, and the
Whoosh index folder.

Order matters and is the whole guarantee:

1. Under an exclusive lock (one builder at a time), delete what an interrupted
   build left behind: temporary files and manifests newer than the published
   version.
2. Write every new object (compressed siblings first, the plain file last, each
   through a temporary file and a rename), the new manifest files, signed with the
   publisher's key (``sign``), and the search index of each new version
   (``publish_index``), and the update from every kept version to the new one
   (``write_changes``).
3. ``os.sync()``, then replace ``current.json`` by an atomic rename and sync its
   folder. Until this rename nothing a reader follows has changed; after it,
   everything the new manifests name is on disk.
   Once every bundle is switched, ``bundles.json``, the bundle list, is replaced too.
4. Forget versions past ``retain_versions`` (with the updates from and to them),
   delete objects no retained manifest names and the indexes of versions gone
   (``prune_indexes``).
5. Sign the TUF metadata for what is now published (``repository``), its
   ``timestamp.json`` last: a TUF client sees the new version from that rename on.

A build killed at any point therefore leaves the previous version served, and
the next build removes the debris.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import brotli

from ..errors import PublishFailed, SatchelError
from ..i18n.catalogs import interface_locales, locale_listing
from ..manifest import (
    body_of,
    canonical_bytes,
    canonical_json,
    changes_between,
    manifest_body,
    object_names,
)
from ..store import (
    ENCODINGS,
    TEMP_PREFIX,
    Published,
    Store,
    atomic_file,
    bundle_listing,
    encoded,
    link_or_copy,
    object_problems,
    sync_folder,
    update_changes,
    write_atomically,
)
from .cache import NO_CACHE
from .pack import HashedObject
from .parallel import SERIAL, Workers
from .repository import MetadataReport, ensure_repository
from .sign import Signer, held_keys, open_signer


@dataclass(frozen=True)
class Release:
    """What one bundle × locale publishes."""

    bundle: str
    locale: str
    listing: dict  # the pack's manifest members: ``manifest_body`` adds search and keys
    search: dict  # the manifest's ``search``, from the index and the device export
    objects: dict[str, HashedObject]
    index: Path | None  # the search index folder to publish as ``index/<version>``


@dataclass
class PublishReport:
    bundle: str
    locale: str
    version: int
    previous: int | None
    articles: int
    bytes: int
    changes: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.version != self.previous


# A manifest is rewritten on every publish and is megabytes for a large bundle: brotli
# quality 6 takes 0.1 s for 10,000 articles where 11 takes 6 s, for 17 % more bytes
# (933 against 797 KB).
MANIFEST_BROTLI_QUALITY = 6
# The pack is compressed once per version, after publishing (``compress_packs``): the
# highest quality and the largest window browsers accept, because summaries repeat one
# another's phrases across the whole bundle. For 10,000 summaries this takes about
# 70 s, for a pack 28 % smaller than with the default 4 MiB window (3.77 against
# 5.22 MB, make bench).
PACK_BROTLI = {"quality": 11, "lgwin": 24}
# A preview build (``satchel build --preview``) writes each object's brotli copy at this
# quality instead of 11: the sample bundles' objects compress in 0.01 s instead of 0.48,
# to 16 % more bytes (208 against 179 kB). What a reader downloads of a preview build is no measure
# of a real one (the update sizes its changes files give included).
PREVIEW_BROTLI_QUALITY = 5


def compress(data: bytes, encoding: str, brotli_quality: int = 11) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return brotli.compress(data, quality=brotli_quality)


def siblings(data: bytes, brotli_quality: int = 11) -> dict[str, bytes]:
    """``data`` precompressed in each of ``ENCODINGS``: encoding → bytes."""
    return {encoding: compress(data, encoding, brotli_quality) for encoding in ENCODINGS}


def object_siblings(job: tuple[HashedObject, int]) -> dict[str, bytes]:
    """An object's precompressed copies at a brotli quality, for ``Workers.imap``: most of
    a first build's publish is compressing every article at brotli's highest quality."""
    obj, brotli_quality = job
    return siblings(obj.data, brotli_quality)


def write_with_siblings(
    path: Path, data: bytes, brotli_quality: int = 11, made: dict[str, bytes] | None = None
) -> None:
    """Write ``data`` and its precompressed siblings (``made``: those already compressed),
    the siblings first: whoever finds the plain file finds them too."""
    for encoding, copy in (made or siblings(data, brotli_quality)).items():
        write_atomically(encoded(path, encoding), copy)
    write_atomically(path, data)


def file_stamps(store: Store, name: str) -> tuple[tuple[int, ...], ...] | None:
    """Size, inode, modification and change times of an object's files; None if one is
    missing. Writing a file changes them, and the change time can't be set back."""
    stamps = []
    plain = os.fspath(store.object_path(name))
    for suffix in ("", *ENCODINGS.values()):
        try:
            stat = os.stat(plain + suffix)
        except FileNotFoundError:
            return None
        stamps.append((stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(stamps)


def siblings_into(job: tuple[HashedObject, int, Path]) -> None:
    """Write an object's precompressed copies (at a brotli quality) into a folder, named as
    in the store, for ``Workers.start``: in files until publish, so that the build never
    holds them all."""
    obj, brotli_quality, folder = job
    for encoding, copy in siblings(obj.data, brotli_quality).items():
        (folder / (obj.name + ENCODINGS[encoding])).write_bytes(copy)


def compress_ahead(
    store: Store, objects, workers: Workers, folder: Path, brotli_quality: int = 11
) -> dict[str, Callable[[], dict]]:
    """Start compressing the ``objects`` the store does not hold yet into ``folder``, on
    ``workers`` of their own, while the build goes on (the Whoosh writer, which stays in
    the build's process): name → a function giving its precompressed copies, once made."""
    new = {obj.name: obj for obj in objects if not store.object_path(obj.name).exists()}
    jobs = [(obj, brotli_quality, folder) for obj in new.values()]
    started = workers.start(siblings_into, jobs)
    if started is None:
        return {}

    def made(position: int, name: str) -> dict[str, bytes]:
        started(position)  # written, once this returns
        return {e: (folder / (name + suffix)).read_bytes() for e, suffix in ENCODINGS.items()}

    return {name: partial(made, k, name) for k, name in enumerate(new)}


def write_objects(
    store: Store,
    objects,
    checked: dict,
    workers: Workers = SERIAL,
    ahead: dict | None = None,
    brotli_quality: int = 11,
) -> None:
    """Store each of ``objects`` unless an intact copy exists, compressed by ``workers`` at
    ``brotli_quality`` unless ``compress_ahead`` started it (``ahead``).

    An existing copy is re-hashed and its compressed copies decompressed, so a
    build repairs whatever was damaged on disk since, unless its files are just
    as a build that checked them left them (``checked``: name → ``file_stamps``,
    updated here): re-reading ten thousand unchanged objects would cost a
    rebuild more than everything else it does. ``satchel verify``
    re-hashes them all.
    """
    missing = []
    for obj in objects:
        stamps = file_stamps(store, obj.name)
        if stamps is not None and checked.get(obj.name) == stamps:
            continue
        if object_problems(store, obj.name):
            missing.append(obj)
        else:
            checked[obj.name] = stamps
    ahead = ahead or {}
    rest = iter(
        workers.imap(object_siblings, [(o, brotli_quality) for o in missing if o.name not in ahead])
    )
    for obj in missing:
        made = ahead[obj.name]() if obj.name in ahead else next(rest)
        write_with_siblings(store.object_path(obj.name), obj.data, made=made)
        checked[obj.name] = file_stamps(store, obj.name)


@contextmanager
def build_lock(store: Store):
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishFailed(
                f"another build or pull is writing to {store.root}; wait for it to finish"
            ) from exc
        yield


def remove_version(store: Store, bundle: str, locale: str, version: int) -> None:
    for path in store.version_files(bundle, locale, version):
        path.unlink(missing_ok=True)


def remove_leftovers(store: Store) -> None:
    for folder in (store.objects_dir, store.bundles_dir):
        for temp in folder.rglob(f"{TEMP_PREFIX}*"):
            temp.unlink(missing_ok=True)
    for temp in store.root.glob(f"{TEMP_PREFIX}*"):  # the bundle list's
        temp.unlink(missing_ok=True)
    for bundle in store.bundles():
        for locale, version in store.current(bundle).items():
            for unpublished in (v for v in store.versions(bundle, locale) if v > version):
                remove_version(store, bundle, locale, unpublished)
    prune_indexes(store)


def next_manifest(
    release: Release, previous: int | None, published: dict | None, now: datetime, signer: Signer
):
    """Return ``(version, manifest)``: the ``published`` one (of version ``previous``)
    when nothing changed. The body lists the publisher's keys, so a new key
    (``satchel keys rotate``) is a new version."""
    body = manifest_body(release.listing, release.search, signer.keys)
    if published is not None and body_of(published) == body:
        return previous, published
    version = (previous or 0) + 1
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return version, signer.sign({**body, "version": version, "published_at": stamp})


def replaced_long_ago(store, bundle, locale, version, now: datetime, grace: float) -> bool:
    """True when the version after ``version`` was published over ``grace`` seconds ago."""
    successor = store.manifest(bundle, locale, version + 1)
    replaced = datetime.strptime(successor["published_at"], "%Y-%m-%dT%H:%M:%SZ")
    return (now - replaced.replace(tzinfo=UTC)).total_seconds() >= grace


def prune(store: Store, retain: dict[str, int], now: datetime, grace: float = 0) -> None:
    """Drop versions past each bundle's retention (once replaced for ``grace``
    seconds, so a device mid-download can finish), then objects nothing names."""
    for bundle in store.bundles():
        keep = retain.get(bundle)
        if keep is None:
            continue
        for locale, current in store.current(bundle).items():
            for version in store.versions(bundle, locale):  # oldest first: successors stay
                if version > current - keep:
                    break
                if replaced_long_ago(store, bundle, locale, version, now, grace):
                    remove_version(store, bundle, locale, version)
    referenced = store.kept_objects()
    for path in store.objects_dir.glob("*/*"):
        if path.name.split(".")[0] not in referenced:
            path.unlink(missing_ok=True)
    prune_indexes(store)


def previous_manifest(
    store: Store, bundle: str, locale: str, version: int | None, published: Published
) -> dict | None:
    """The manifest of ``version``, the current one as read under the lock: the one read
    when the build began, unless another build published since."""
    if version is None:
        return None
    if published.version(bundle, locale) == version and published.manifest(bundle, locale):
        return published.manifest(bundle, locale)
    return store.manifest(bundle, locale, version)


def brotli_size(store: Store, name: str) -> int:
    """The bytes an object's brotli copy takes (what a browser fetching it receives)."""
    return store.object_path(name, "br").stat().st_size


def write_changes(store: Store, bundle: str, locale: str, version: int) -> None:
    """Write the update from each kept version before ``version`` to it, unless written
    already (a data folder from before precomputed updates gets them on its next build).
    ``transfer_bytes`` counts the objects' brotli copies: what every browser that
    accepts brotli downloads, from the repository or the API."""
    sha256 = hashlib.sha256(store.manifest_bytes(bundle, locale, version)).hexdigest()
    for since in store.versions(bundle, locale):
        path = store.changes_path(bundle, locale, since, version)
        if since >= version or path.is_file():
            continue
        changes = update_changes(
            store, bundle, locale, since, version, lambda name: brotli_size(store, name), sha256
        )
        write_with_siblings(path, canonical_json(changes), MANIFEST_BROTLI_QUALITY)


def write_lists(store: Store) -> None:
    """``bundles.json`` and ``locales.json``: every published bundle and every language, as
    GET /api/v1/bundles and /api/v1/locales list them."""
    pointers = {bundle: store.current(bundle) for bundle in store.bundles()}
    published = {bundle: versions for bundle, versions in pointers.items() if versions}
    write_atomically(store.bundle_list_path, canonical_json(bundle_listing(store, published)))
    languages = locale_listing(store, published, interface_locales(store))
    write_atomically(store.locale_list_path, canonical_json(languages))


def publish_bundle(
    store: Store,
    releases: list[Release],
    now: datetime,
    signer: Signer,
    published: Published,
    cache=NO_CACHE,
    workers: Workers = SERIAL,
    ahead: dict | None = None,
    brotli_quality: int = 11,
) -> list[PublishReport]:
    """Write one bundle's releases (one per locale) and switch to them in one step; the
    new objects are compressed by ``workers``, their brotli copies at ``brotli_quality``,
    or were already (``compress_ahead``)."""
    bundle = releases[0].bundle
    pointer = store.current(bundle)
    reports = []
    known = cache.recall("checked objects", bundle) or {}
    checked = {}
    for release in releases:
        previous = pointer.get(release.locale)
        before = previous_manifest(store, bundle, release.locale, previous, published)
        version, manifest = next_manifest(release, previous, before, now, signer)
        # Also when unchanged: this repairs objects lost or truncated since.
        for name in release.objects:
            checked.setdefault(name, known.get(name))
        write_objects(store, release.objects.values(), checked, workers, ahead, brotli_quality)
        if version != previous:
            write_with_siblings(
                store.manifest_path(bundle, release.locale, version),
                canonical_bytes(manifest),
                MANIFEST_BROTLI_QUALITY,
            )
        new = version != previous
        publish_index(store, bundle, release.locale, release.index, version, new)
        write_changes(store, bundle, release.locale, version)
        changes = changes_between(before, manifest) if previous and version != previous else {}
        pointer[release.locale] = version
        reports.append(
            PublishReport(
                bundle,
                release.locale,
                version,
                previous,
                len(manifest["articles"]),
                manifest["total_bytes"],
                changes,
            )
        )
    if checked != known:
        cache.remember("checked objects", bundle, checked)
    if any(report.changed for report in reports):
        os.sync()
        write_atomically(
            store.pointer_path(bundle),
            json.dumps({"locales": pointer}, sort_keys=True).encode(),
            durable=True,
        )
    return reports


def publish_releases(
    store: Store,
    releases_by_bundle: dict[str, list[Release]],
    retain: dict[str, int],
    published: Published,
    now: datetime | None = None,
    ui: dict[str, bytes] | None = None,
    prune_grace: float = 0,
    cache=NO_CACHE,
    workers: Workers = SERIAL,
    ahead: dict | None = None,
    brotli_quality: int = 11,
) -> tuple[list[PublishReport], Signer, MetadataReport]:
    """Publish bundles, and the interface catalogs (``ui``: locale → JSON) beside them,
    then sign the TUF metadata for them (``repository``). Returns the reports, the signer
    whose key signed the new manifests and the metadata's versions.

    ``published``: what the stages before built on; ``cache`` remembers which objects
    a build found intact (see ``write_objects``); ``workers`` compress the new ones, unless
    ``compress_ahead`` started them (``ahead``); ``brotli_quality``: of the objects' brotli
    copies."""
    now = now or datetime.now(UTC)
    try:
        with build_lock(store):
            remove_leftovers(store)
            signer = open_signer(store)
            for locale, data in (ui or {}).items():
                write_atomically(store.ui_path(locale), data)
            reports = [
                report
                for releases in releases_by_bundle.values()
                for report in publish_bundle(
                    store, releases, now, signer, published, cache, workers, ahead, brotli_quality
                )
            ]
            write_lists(store)
            prune(store, retain, now, prune_grace)
            return reports, signer, ensure_repository(store, now, held_keys(store))
    except OSError as exc:
        raise PublishFailed(
            f"could not write to {exc.filename or store.root}: {exc.strerror}; the published "
            "version is unchanged. Free some space or fix the folder's permissions, then "
            "build again."
        ) from exc


class CompressFailed(SatchelError):
    """A first-install pack could not be written; its version is published all the same."""


@dataclass
class CompressedPack:
    bundle: str
    locale: str
    version: int
    plain_bytes: int
    compressed_bytes: int


def compress_packs(
    store: Store,
    bundle_ids: list[str] | None = None,
    progress: Callable[[str, int], Callable[[], None]] | None = None,
) -> list[CompressedPack]:
    """Compress the first-install pack of every current version that has none yet.

    This runs after ``publish`` and outside its lock, so a build may publish while it
    works: until a pack is written the API streams it plain (and nginx compresses it
    on the fly), and a version pruned meanwhile is skipped. ``progress(label, total)``
    may return a callback called once per line of each pack. Raises CompressFailed
    when the data folder can't be read or a pack can't be written.
    """
    progress = progress or (lambda label, total: lambda: None)
    try:
        return [
            compressed
            for bundle in bundle_ids or store.bundles()
            for compressed in compress_bundle_packs(store, bundle, progress)
        ]
    except OSError as exc:
        raise CompressFailed(
            f"could not write a compressed pack to {exc.filename}: {exc.strerror}. The "
            "published version is served all the same (its pack plain); free some space or "
            "fix the folder's permissions, then run 'satchel compress-packs'."
        ) from exc


def compress_bundle_packs(store: Store, bundle: str, progress) -> list[CompressedPack]:
    done = []
    for locale, version in sorted(store.current(bundle).items()):
        if encoded(store.pack_path(bundle, locale, version), "br").is_file():
            if not store.download_path(bundle, locale, version).is_file():  # an older build's
                write_download_size(store, bundle, locale, version)
            continue
        lines = 1 + len(object_names(store.manifest(bundle, locale, version), search=False))
        tick = progress(f"Compressing the {bundle}/{locale} v{version} pack", lines)
        try:
            done.append(compress_pack(store, bundle, locale, version, tick))
        except FileNotFoundError:
            continue  # replaced and pruned, or a build cleared the temporary file
    return done


def compress_pack(store: Store, bundle: str, locale: str, version: int, tick) -> CompressedPack:
    path = encoded(store.pack_path(bundle, locale, version), "br")
    compressor = brotli.Compressor(**PACK_BROTLI)
    plain = 0
    with atomic_file(path, durable=True) as handle:
        for line in store.pack_lines(bundle, locale, version):
            plain += len(line)
            handle.write(compressor.process(line))
            tick()
        handle.write(compressor.finish())
    if not store.manifest_path(bundle, locale, version).is_file():
        path.unlink(missing_ok=True)  # pruned while compressing
        raise FileNotFoundError(path)
    write_download_size(store, bundle, locale, version)
    return CompressedPack(bundle, locale, version, plain, path.stat().st_size)


def write_download_size(store: Store, bundle: str, locale: str, version: int) -> None:
    """What a first install of ``version`` downloads as a browser receives it (brotli),
    beside its pack, so that the app shows it from any content source."""
    pack = encoded(store.pack_path(bundle, locale, version), "br").stat().st_size
    size = store.first_install(
        bundle, locale, version, pack, lambda path: encoded(path, "br").stat().st_size
    )
    write_atomically(
        store.download_path(bundle, locale, version), json.dumps(size, sort_keys=True).encode()
    )


# An index folder being put in place is named so until renamed (see ``publish_index``).
PARTIAL_PREFIX = ".partial-"


def _sync_tree(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    sync_folder(folder)


def publish_index(
    store: Store, bundle: str, locale: str, index: Path | None, version: int, new: bool
) -> None:
    """Put a built ``index`` in place as the ``index/<version>`` of ``bundle`` × ``locale``.

    An existing index of a published version is kept (it was built from the
    same manifest); for a ``new`` version anything there is debris and replaced.
    """
    target = store.index_dir(bundle, locale, version)
    if index is None or (target.is_dir() and not new):
        return
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=target.parent))
    try:
        # Linked, not copied: most files are the previous version's, already on disk.
        for path in index.iterdir():
            link_or_copy(path, partial / path.name)
        _sync_tree(partial)
        partial.chmod(0o755)  # mkdtemp makes it private; readers may be another user
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def prune_indexes(store: Store) -> None:
    """Remove partial index folders and indexes whose manifest no longer exists."""
    for folder in store.bundles_dir.glob("*/*/index"):
        locale_dir = folder.parent
        for entry in folder.iterdir():
            keep = entry.name.isdigit() and (locale_dir / f"{entry.name}.json").is_file()
            if not keep:
                shutil.rmtree(entry, ignore_errors=True)
