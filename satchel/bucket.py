"""The static repository in an S3-compatible bucket: publishing to it, checking it, and
pulling a search worker's data folder from it (``SATCHEL_STORE=s3://bucket/prefix``).

The build still publishes into DATA_DIR first, under its lock, exactly as without a
bucket: the folder is the staging copy. ``push`` then makes the bucket's copy of the
public tree (``store.public_kind``) match the folder's, in an order that keeps every
reader of the bucket on a whole version whenever it stops:

1. every immutable file the bucket lacks or holds other bytes of (objects, manifests,
   packs, ``changes``; and the server-only search indexes, see below);
2. the mutable files but the pointers (``bundles.json``, the key ring, the catalogs);
3. the ``current.json`` pointers, last: until one is written, nothing it names changed;
4. files the folder no longer has are deleted: the folder's prune already kept each
   replaced version for the grace period, so the bucket keeps it just as long.

A push killed anywhere leaves the previous pointers; the next push (every build runs
one, and ``satchel push`` does) uploads what is missing. Whether the bucket holds a
file is told by a listing (size and ETag, the MD5 of a single-part upload), so a push
sends only what changed.

Each file carries its ``Cache-Control`` (``store.CACHE_CONTROL``) and ``Content-Type``.
A precompressed sibling (``x.json.br``, ``.gz``) is stored with the plain file's
``Content-Type`` and its ``Content-Encoding``: whoever GETs it (a browser, a CDN that
maps ``x.json`` to ``x.json.br`` for clients accepting br) receives the plain document;
a CDN without such a rule serves ``x.json`` and may compress it itself.

The Whoosh index of each version is server-only (the repository's readers never need
it) and is uploaded under ``server/`` beside the public tree, with the same relative
path, rather than rebuilt by each worker: rebuilding needs the bundle's sources,
thesaurus and abbreviations, which only the build has, and would have to give exactly
the build's index, or two worker groups would rank differently. It is published
content, nothing secret, but not part of the format, so a mirror can skip
``server/``.

``pull`` is the other direction, for a worker group on a machine of its own; see there.
Everything is done through boto3 (``s3_client``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import brotli
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from tuf.api.metadata import Metadata
from tuf.api.serialization import DeserializationError

from .errors import SatchelError
from .manifest import object_names
from .stages.publish import build_lock
from .stages.repository import TIMESTAMP_FILE, targets_problems
from .stages.sign import SignatureInvalid, verify_manifest
from .store import (
    CACHE_CONTROL,
    DECOMPRESS,
    ENCODINGS,
    INDEX_FILE,
    KEYRING,
    OBJECT_NAME,
    POINTER,
    SEGMENT_MAGIC,
    TEMP_PREFIX,
    Store,
    atomic_file,
    copies_problems,
    encoding_problem,
    public_kind,
)

# S3-compatible servers refuse the checksum headers boto3 sends by default since 1.36.
S3_CONFIG = Config(
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    retries={"mode": "standard", "max_attempts": 5},
)
STORE_URL = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?")
SERVER_ONLY = "server/"
# What a reader of the bucket may get without credentials: the start of every path
# ``store.public_kind`` allows (as S3 policy wildcards), and nothing under SERVER_ONLY. Not
# "everything but server/": an explicit Deny would shut out the worker groups too.
READER_PATHS = (
    "bundles.json",
    "*.bundles.json",
    "locales.json",
    "keys/keyring.json",
    "ui/*",
    "bundles/*",
    "objects/*",
    "tuf/*",
)
MANIFEST_NAME = re.compile(r"[1-9][0-9]*\.json")
# The files a phone fetches that TUF targets list (``repository.target_paths``), not their
# hashed copies nor compressed ones.
TARGET = re.compile(r"bundles\.json|bundles/[^/]+/(current|[^/]+/[1-9][0-9]*)\.json")
# What the publisher does about each kind of ``TargetProblem`` in the bucket.
BUCKET_ADVICE = {
    "missing": "the signed TUF targets list it, but it is missing: run 'satchel push'",
    "changed": "its bytes are not the ones the signed TUF targets list ({detail}), so devices "
    "refuse it: run 'satchel push'",
    "unlisted": "the signed TUF targets do not list it, so devices refuse it: run 'satchel "
    "push', and delete it from the bucket if DATA_DIR has no such file",
}
# Upload order (see the module docstring): lower first.
IMMUTABLE, MUTABLE, POINTERS = 0, 1, 2
CONTENT_TYPES = {".json": "application/json", ".ndjson": "application/x-ndjson"}
ENCODING_OF = {suffix: encoding for encoding, suffix in ENCODINGS.items()}


class BucketFailed(SatchelError):
    """The bucket, or the folder copied to or from it, could not be read or written."""


def s3_client(endpoint: str = ""):
    """A boto3 S3 client; credentials and region from boto3's own chain (environment
    variables, ~/.aws, instance roles)."""
    return boto3.client("s3", endpoint_url=endpoint or None, config=S3_CONFIG)


@dataclass(frozen=True)
class Listed:
    size: int
    etag: str  # without quotes


@dataclass(frozen=True)
class Bucket:
    """One prefix of one bucket, read and written by paths relative to that prefix."""

    client: object
    name: str
    prefix: str  # "" or ends with "/"

    @classmethod
    def from_url(cls, url: str, endpoint: str = "") -> Bucket:
        match = STORE_URL.fullmatch(url.strip())
        if not match:
            raise SatchelError(
                f"STORE (SATCHEL_STORE) is {url!r}: give s3://bucket or s3://bucket/prefix, "
                "or leave it empty to publish to DATA_DIR only"
            )
        prefix = (match.group(2) or "").strip("/")
        return cls(s3_client(endpoint), match.group(1), prefix + "/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def reader_policy(self) -> dict:
        """The bucket policy that lets anyone (a CDN, a mirror, a phone) read the public
        tree under the prefix, and no one without credentials the search indexes."""
        resources = [f"arn:aws:s3:::{self.name}/{self.prefix}{path}" for path in READER_PATHS]
        allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
        return {"Version": "2012-10-17", "Statement": [{**allow, "Resource": resources}]}

    def listing(self) -> dict[str, Listed]:
        """Every file under the prefix: relative path → size and ETag."""
        found = {}
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.name, Prefix=self.prefix):
            for entry in page.get("Contents", []):
                relative = entry["Key"][len(self.prefix) :]
                found[relative] = Listed(entry["Size"], entry["ETag"].strip('"'))
        return found

    def get(self, relative: str) -> bytes | None:
        """A file's bytes as stored (never decoded); None when there is none."""
        try:
            answer = self.client.get_object(Bucket=self.name, Key=self.prefix + relative)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"NoSuchKey", "404"}:
                return None
            raise
        return answer["Body"].read()

    def put_file(self, relative: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.name, Key=self.prefix + relative, Body=data, **headers(relative, data)
        )

    def delete_files(self, relatives: list[str]) -> None:
        for start in range(0, len(relatives), 1000):  # the most one request may name
            batch = [{"Key": self.prefix + r} for r in relatives[start : start + 1000]]
            self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch})


def headers(relative: str, data: bytes) -> dict[str, str]:
    """The HTTP headers a file is stored with (see the module docstring)."""
    kind = public_kind(relative)
    found = {"CacheControl": CACHE_CONTROL[kind] if kind else "private, no-store"}
    stem, suffix = os.path.splitext(relative)
    encoding = ENCODING_OF.get(suffix)
    if encoding:
        found["ContentEncoding"] = encoding
        stem, suffix = os.path.splitext(stem)
    if OBJECT_NAME.fullmatch(os.path.basename(stem)):
        # Objects are canonical JSON, but for the device search segments.
        plain = DECOMPRESS[encoding](data) if encoding else data
        segment = plain.startswith(SEGMENT_MAGIC)
        found["ContentType"] = "application/octet-stream" if segment else "application/json"
    else:
        found["ContentType"] = CONTENT_TYPES.get(suffix, "application/octet-stream")
    return found


def stored_path(relative: str) -> str | None:
    """Where a data folder's file goes in the bucket; None for a file that stays local."""
    if public_kind(relative):
        return relative
    if INDEX_FILE.fullmatch(relative):
        return SERVER_ONLY + relative
    return None


def local_path(stored: str) -> str | None:
    """Where a bucket's file goes in a data folder; None for one Satchel did not put."""
    relative = stored.removeprefix(SERVER_ONLY) if stored.startswith(SERVER_ONLY) else stored
    return relative if stored_path(relative) == stored else None


def rank(relative: str) -> int:
    """When a file is uploaded or pulled: immutable ones first, pointers last."""
    if POINTER.fullmatch(relative):
        return POINTERS
    return MUTABLE if public_kind(relative) == "mutable" else IMMUTABLE


def md5(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def same_bytes(path: Path, listed: Listed | None) -> bool:
    """Whether the bucket's copy (``listed``) holds the bytes of the file at ``path``."""
    return listed is not None and listed.size == path.stat().st_size and listed.etag == md5(path)


@dataclass
class Transfer:
    """What a push or a pull did."""

    copied: list[str] = field(default_factory=list)  # relative paths, in the order sent
    deleted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # messages: what was kept back, why

    @property
    def changed(self) -> bool:
        return bool(self.copied or self.deleted)


def bucket_failed(bucket: Bucket, what: str, exc: Exception) -> BucketFailed:
    """The error for a bucket that failed mid-way: what a reader sees, what to do."""
    return BucketFailed(
        f"could not {what} {bucket}: {exc}. Readers of the bucket still get the version "
        "its pointers name; check SATCHEL_STORE, SATCHEL_S3_ENDPOINT and the AWS "
        "credentials, then run the command again (it copies only what is missing)."
    )


def push(store: Store, bucket: Bucket) -> Transfer:
    """Make the bucket's tree match the data folder's public tree and search indexes, in
    the order of the module docstring. Returns a ``Transfer``; raises BucketFailed."""
    folder = {stored: relative for relative in store.files() if (stored := stored_path(relative))}
    if not any(POINTER.fullmatch(stored) for stored in folder):
        raise BucketFailed(
            f"{store.root} has no published bundle: pushing it would empty {bucket}. Build "
            "into DATA_DIR first ('satchel build'), or pull the bucket into it ('satchel pull')."
        )
    done = Transfer()
    try:
        listed = bucket.listing()
        stale = [s for s, r in folder.items() if not same_bytes(store.root / r, listed.get(s))]
        stale.sort(key=lambda stored: (rank(stored), stored))
        upload(store, bucket, [s for s in stale if rank(s) != POINTERS], folder, done)
        upload_pointers(store, bucket, [s for s in stale if rank(s) == POINTERS], folder, done)
        done.deleted = sorted(s for s in listed if s not in folder and local_path(s))
        bucket.delete_files(done.deleted)
    except (BotoCoreError, ClientError) as exc:
        raise bucket_failed(bucket, "upload to", exc) from exc
    return done


def upload(store: Store, bucket: Bucket, stored: list[str], folder: dict, done: Transfer):
    for path in stored:
        bucket.put_file(path, (store.root / folder[path]).read_bytes())
        done.copied.append(path)


def upload_pointers(store: Store, bucket: Bucket, stored: list[str], folder: dict, done):
    """The last uploads: until the first, readers of the bucket see no change at all."""
    upload(store, bucket, stored, folder, done)


def pull(bucket: Bucket, store: Store) -> Transfer:
    """Make ``store``'s public tree and search indexes a copy of the bucket's.

    Atomic for the server reading the folder as a build is: the pointers are read
    first, then every file is fetched that the folder lacks, then the other mutable
    files, and a pointer is written (by a rename) last, once every manifest it names and
    every object those name is in the folder; a pointer that would name a missing file
    is kept back (``Transfer.refused``) and the folder keeps serving its version. The
    server reads ``current.json`` on every request, so it serves the new version at once,
    without a restart. Objects whose sha256 is not their name are not written. Files the
    bucket no longer has are deleted last, when every pointer was written. It takes the
    folder's build lock, so pulls (and builds) into one folder never overlap, and first
    removes what a pull killed mid-way left.
    """
    done = Transfer()
    try:
        with build_lock(store):  # one pull (or build) at a time
            remove_temporary(store)
            listed, mutable = fetch(bucket, store, done)
            os.sync()  # as publish does: whatever a pointer names is on disk before it
            for stored in sorted(mutable, key=rank):
                write_mutable(store, stored, mutable[stored], done)
            if not done.refused:
                prune_local(store, listed, done)
    except OSError as exc:
        raise BucketFailed(
            f"could not write {exc.filename or store.root}: {exc.strerror}; the folder keeps "
            "serving the version it had. Free some space or fix the folder's permissions."
        ) from exc
    return done


def remove_temporary(store: Store) -> None:
    """Remove the files a pull killed mid-way left behind (``atomic_file``'s)."""
    for relative in store.files():
        if relative.rpartition("/")[2].startswith(TEMP_PREFIX):
            (store.root / relative).unlink(missing_ok=True)


def fetch(bucket: Bucket, store: Store, done: Transfer):
    """Read the bucket's mutable files, then fetch every immutable one the folder lacks.
    Returns the listing fetched from, and the mutable files' bytes by path."""
    try:
        first = bucket.listing()
        mutable = {s: bucket.get(s) for s in first if rank(s) != IMMUTABLE and local_path(s)}
        # Listed again: what the pointers just read name was uploaded before them.
        listed = bucket.listing()
        for stored in sorted(s for s in listed if rank(s) == IMMUTABLE and local_path(s)):
            fetch_missing(bucket, store, stored, listed[stored], done)
    except (BotoCoreError, ClientError) as exc:
        raise bucket_failed(bucket, "download from", exc) from exc
    return listed, mutable


def fetch_missing(bucket: Bucket, store: Store, stored: str, listed: Listed, done: Transfer):
    relative = local_path(stored)
    path = store.root / relative
    if path.is_file() and path.stat().st_size == listed.size:
        return  # immutable: a file of the right size is the file
    data = bucket.get(stored)
    if data is None:
        return  # pruned since the listing: no pointer read names it
    if OBJECT_NAME.fullmatch(path.name) and hashlib.sha256(data).hexdigest() != path.name:
        done.refused.append(f"{bucket}{stored}: corrupt, its sha256 does not match its name")
        return
    with atomic_file(path) as handle:
        handle.write(data)
    done.copied.append(relative)


def write_mutable(store: Store, stored: str, data: bytes | None, done: Transfer) -> None:
    path = store.root / stored
    if data is None or (path.is_file() and path.read_bytes() == data):
        return
    pointer = POINTER.fullmatch(stored)
    if pointer:
        missing = missing_files(store, pointer.group(1), json.loads(data)["locales"])
        if missing:
            done.refused.append(
                f"{stored}: kept the folder's version; the bucket's names {missing[0]}, "
                "which the folder lacks (run 'satchel verify' where the build runs)"
            )
            return
    with atomic_file(path, durable=pointer is not None) as handle:
        handle.write(data)
    done.copied.append(stored)


def missing_files(store: Store, bundle: str, versions: dict[str, int]) -> list[str]:
    """The files ``versions`` (locale → version) of ``bundle`` need that the folder lacks,
    as relative paths."""
    missing = []
    for locale, version in versions.items():
        manifest = store.manifest_path(bundle, locale, version)
        if not manifest.is_file():
            missing.append(manifest)
            continue
        names = object_names(store.manifest(bundle, locale, version))
        missing += [store.object_path(n) for n in names if not store.object_path(n).is_file()]
    return [path.relative_to(store.root).as_posix() for path in missing]


def prune_local(store: Store, listed: dict[str, Listed], done: Transfer) -> None:
    """Delete the folder's copied files the bucket no longer has, then empty indexes."""
    for relative in store.files():
        stored = stored_path(relative)
        if stored and stored not in listed:
            (store.root / relative).unlink(missing_ok=True)
            done.deleted.append(relative)
    for folder in store.bundles_dir.glob("*/*/index/*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


@dataclass
class BucketCheck:
    """What ``verify_bucket`` found: how many objects it read, and each problem as the
    full key (``s3://bucket/prefix/path``) and what is wrong."""

    objects: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def verify_bucket(bucket: Bucket) -> BucketCheck:
    """Check the bucket as ``satchel verify`` checks the folder: each pointer names
    manifests that are there; each kept manifest is signed by the bucket's key ring and
    its compressed copies and pack decompress to it and its objects; each object it
    names is there, its sha256 its name, its compressed copies intact."""
    check = BucketCheck()
    try:
        listed = bucket.listing()
        keyring = json.loads(bucket.get(f"keys/{KEYRING}") or b'{"keys": []}')["keys"]
        names = set()
        for stored in sorted(s for s in listed if POINTER.fullmatch(s)):
            names |= verify_pointer(bucket, listed, stored, keyring, check)
        for name in sorted(names):
            stored = f"objects/{name[:2]}/{name}"
            read = functools.partial(read_listed, bucket, listed, stored)
            check.problems += [(f"{bucket}{stored}", p) for p in copies_problems(read, name)]
        verify_targets(bucket, listed, check)
    except (BotoCoreError, ClientError) as exc:
        raise bucket_failed(bucket, "read", exc) from exc
    check.objects = len(names)
    return check


def tuf_file(bucket: Bucket, listed: dict, name: str) -> Metadata:
    data = read_listed(bucket, listed, f"tuf/{name}", None)
    if data is None:
        raise LookupError(f"tuf/{name} is missing")
    return Metadata.from_bytes(data)


def verify_targets(bucket: Bucket, listed: dict, check: BucketCheck) -> None:
    """Check the bucket's files against the targets its TUF timestamp names, as verify
    checks the folder's: each target and its hashed copy intact, every file a phone
    fetches listed."""
    try:
        timestamp = tuf_file(bucket, listed, TIMESTAMP_FILE)
        snapshot = tuf_file(
            bucket, listed, f"{timestamp.signed.snapshot_meta.version}.snapshot.json"
        )
        targets = tuf_file(
            bucket, listed, f"{snapshot.signed.meta['targets.json'].version}.targets.json"
        )
    except (DeserializationError, LookupError) as exc:
        check.problems.append(
            (f"{bucket}tuf/", f"no TUF metadata to check ({exc}): run 'satchel push'")
        )
        return
    published = [stored for stored in listed if TARGET.fullmatch(stored)]
    read = functools.partial(read_listed, bucket, listed, encoding=None)
    for problem in targets_problems(targets.signed, read, published):
        advice = BUCKET_ADVICE[problem.kind].format(detail=problem.detail)
        check.problems.append((f"{bucket}{problem.path}", advice))


def verify_pointer(bucket: Bucket, listed: dict, stored: str, keyring, check: BucketCheck):
    """Check the kept versions of the bundle whose pointer is ``stored``; the objects
    they name."""
    bundle = POINTER.fullmatch(stored).group(1)
    names = set()
    for locale, current in json.loads(bucket.get(stored) or b'{"locales": {}}')["locales"].items():
        folder = f"bundles/{bundle}/{locale}/"
        kept = sorted(int(s[len(folder) : -5]) for s in listed if is_manifest(s, folder))
        if current not in kept:
            problem = f"names {locale} v{current}, whose manifest {folder}{current}.json is missing"
            check.problems.append((f"{bucket}{stored}", f"{problem}: run 'satchel push'"))
        for version in kept:
            names |= verify_version(bucket, listed, f"{folder}{version}", keyring, check)
    return names


def is_manifest(stored: str, folder: str) -> bool:
    return stored.startswith(folder) and MANIFEST_NAME.fullmatch(stored[len(folder) :]) is not None


def read_listed(bucket: Bucket, listed: dict, stored: str, encoding: str | None) -> bytes | None:
    """The bytes of ``stored`` (its copy in ``encoding``), None when not listed."""
    stored += ENCODINGS[encoding] if encoding else ""
    return bucket.get(stored) if stored in listed else None


def verify_version(bucket: Bucket, listed: dict, base: str, keyring, check: BucketCheck):
    """Check the manifest ``<base>.json``, its copies and its pack; the objects it names."""
    data = bucket.get(f"{base}.json")
    try:
        manifest = json.loads(data)
        verify_manifest(manifest, keyring)
    except (TypeError, ValueError) as exc:
        check.problems.append(
            (f"{bucket}{base}.json", f"not a manifest ({exc}): run 'satchel push'")
        )
        return set()
    except SignatureInvalid as exc:
        check.problems.append((f"{bucket}{base}.json", str(exc)))
    for encoding, suffix in ENCODINGS.items():
        copy = read_listed(bucket, listed, f"{base}.json", encoding)
        if copy is not None and (problem := encoding_problem(copy, encoding, data)):
            check.problems.append((f"{bucket}{base}.json{suffix}", problem))
    pack = read_listed(bucket, listed, f"{base}.pack.ndjson", "br")
    if pack is not None and (problem := pack_problem(pack, data, manifest)):
        check.problems.append((f"{bucket}{base}.pack.ndjson.br", problem))
    return set(object_names(manifest))


def pack_problem(pack: bytes, manifest_bytes: bytes, manifest: dict) -> str | None:
    """What is wrong with a compressed first-install pack: its lines must be the manifest,
    then the objects it names (``Store.pack_lines``), each hashing to its name."""
    try:
        lines = brotli.decompress(pack).split(b"\n")
    except brotli.error:
        return "corrupt: it does not decompress"
    hashes = [hashlib.sha256(line).hexdigest() for line in lines[1:-1]]
    if lines[0] != manifest_bytes or hashes != object_names(manifest, search=False):
        return "corrupt: its lines are not the manifest and its objects"
    return None
