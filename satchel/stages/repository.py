"""The published folder as a repository of The Update Framework (TUF), so that a phone
reading from any mirror can tell content that is current from content that is frozen,
rolled back or signed by a revoked key.

Written with python-tuf's Metadata API; any TUF client (python-tuf's ``ngclient``, the
app's ``static/lib/tuf.js``) updates from it. The metadata lives in the public tree::

    tuf/<n>.root.json       every root, kept forever: a client walks them one by one
    tuf/<n>.targets.json    the files a phone fetches, with length and sha256
    tuf/<n>.snapshot.json   which targets version belongs with which
    tuf/timestamp.json      the one mutable file: which snapshot is current

Targets are every bundle's ``current.json``, every retained manifest and ``bundles.json``
where the publish writes them; objects stay verified by the hashes in a verified manifest, as
before. The update ``changes`` files are not targets: a phone takes one only if the manifest it
rebuilds has the sha256 and length targets list for that version (``static/lib/update.js``), so
the manifest vouches for it. Listing them cost every update the whole list: a publish writes one
from every kept version, so targets grew with the square of the versions kept (13 kB of brotli
after 22 quick publishes, more than the objects of a one-article edit).

**Consistent snapshots**, so a dumb static server or a CDN caching each file on its own
never mixes versions: every file but ``timestamp.json`` has a versioned or hashed name
and never changes, so only ``timestamp.json`` needs a short cache life. Each target is
also published at ``<folder>/<sha256>.<name>`` (a hard link, no extra bytes on disk),
the name a TUF client asks for; the pointers ``current.json`` get an immutable name
that way too.

**Roles, keys and expiries.** ``root`` names the keys of every role with a threshold.
Its keys belong offline (``satchel keys ceremony`` makes three, two to sign), and a root
is re-signed yearly or when a key is replaced, so it expires after a year. ``targets``
is signed by the build at every publish; 90 days bound how long a copy of an unchanged
repository stays valid. ``snapshot`` (30 days) and ``timestamp`` (one day) are signed
by online keys: the timestamp is what a frozen mirror can't renew, so a phone notices
within a day that it is no longer told what is current. ``satchel refresh``, on a
timer, renews the timestamp and whatever else nears its expiry, without a build.

The first build makes every key in the data folder (``keys/root/`` for the root key,
``keys/tuf/`` for the others) so a fresh install needs no ceremony, and signs the first
root with the publisher's manifest key too: a device that already trusts that key moves
to the TUF root without trusting anything new on first sight (every manifest key the
data folder still holds signs it, so a device that trusts only an older one moves too).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner
from tuf.api.exceptions import RepositoryError
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from ..errors import SatchelError
from ..store import Store, link_or_copy, public_kind, read_or_none, write_atomically
from .sign import write_private_key

ROOT, TARGETS, SNAPSHOT, TIMESTAMP = "root", "targets", "snapshot", "timestamp"
ONLINE_ROLES = (TARGETS, SNAPSHOT, TIMESTAMP)
ROLES = (ROOT, *ONLINE_ROLES)
LIFETIME = {
    ROOT: timedelta(days=365),
    TARGETS: timedelta(days=90),
    SNAPSHOT: timedelta(days=30),
    TIMESTAMP: timedelta(days=1),
}
# A role is signed anew once less than this is left of its life, so a refresh that runs
# hourly never lets one lapse (``satchel refresh`` signs a new timestamp every time; a
# build that publishes nothing new leaves every file as it was, if none is near this).
RENEW_WITHIN = {
    TARGETS: timedelta(days=30),
    SNAPSHOT: timedelta(days=7),
    TIMESTAMP: timedelta(hours=12),
}
# Versions of targets and snapshot kept (with the hashed names of the targets they
# list), for a client whose cache or CDN still hands it a timestamp a few publishes old.
METADATA_KEPT = 10
TIMESTAMP_FILE = "timestamp.json"
SERIALIZER = JSONSerializer(compact=True)
HASHED = re.compile(r"^[0-9a-f]{64}\.")


class KeyMissing(SatchelError):
    """A role can't be signed: too few of its private keys were found."""


class RepositoryDamaged(SatchelError):
    """The TUF metadata in the data folder can't be read."""


@dataclass(frozen=True)
class KeyFolders:
    """Where private keys are looked for: the data folder's, then any offline ones."""

    online: Path  # keys/tuf: targets, snapshot, timestamp
    local_root: Path  # keys/root: the root key a first build makes
    offline: tuple[Path, ...] = ()

    @classmethod
    def of(cls, store: Store, offline: tuple[Path, ...] = ()) -> KeyFolders:
        return cls(store.keys_dir / "tuf", store.keys_dir / "root", tuple(offline))

    @property
    def searched(self) -> tuple[Path, ...]:
        return (self.online, self.local_root, *self.offline)


@dataclass
class MetadataReport:
    """The versions the repository's metadata is at, and what this call created."""

    versions: dict[str, int] = field(default_factory=dict)
    created_keys: Path | None = None  # the keys folder, when the first root was made


def metadata_dir(store: Store) -> Path:
    return store.root / "tuf"


def now_utc(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def read_metadata(path: Path) -> Metadata:
    try:
        return Metadata.from_bytes(path.read_bytes())
    except (DeserializationError, ValueError) as exc:
        raise RepositoryDamaged(
            f"{path} is not TUF metadata Satchel wrote ({exc}); restore the data folder's "
            "tuf/ from a backup or a mirror"
        ) from exc


def newest_version(store: Store, role: str) -> int | None:
    names = (p.name.split(".", 1)[0] for p in metadata_dir(store).glob(f"*.{role}.json"))
    return max((int(n) for n in names if n.isdigit()), default=None)


def current_metadata(store: Store, role: str) -> Metadata | None:
    """The newest ``role`` metadata in the data folder; None before the first."""
    if role == TIMESTAMP:
        path = metadata_dir(store) / TIMESTAMP_FILE
        return read_metadata(path) if path.is_file() else None
    version = newest_version(store, role)
    return (
        None if version is None else read_metadata(metadata_dir(store) / f"{version}.{role}.json")
    )


def metadata_path(store: Store, md: Metadata) -> Path:
    name = (
        TIMESTAMP_FILE
        if md.signed.type == TIMESTAMP
        else f"{md.signed.version}.{md.signed.type}.json"
    )
    return metadata_dir(store) / name


def new_key(folder: Path) -> CryptoSigner:
    """A fresh Ed25519 key, its private half written to ``folder/<keyid>.pem``."""
    private = Ed25519PrivateKey.generate()
    signer = CryptoSigner(private)
    write_private_key(folder / f"{signer.public_key.keyid}.pem", private)
    return signer


def find_signer(keyid: str, folders: KeyFolders) -> CryptoSigner | None:
    for folder in folders.searched:
        path = folder / f"{keyid}.pem"
        if not path.is_file():
            continue
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise KeyMissing(f"can't read the private key {path} ({exc})") from exc
        signer = CryptoSigner(private)
        if signer.public_key.keyid != keyid:
            raise KeyMissing(f"{path} holds another key than {keyid}; restore it from a backup")
        return signer
    return None


def signers_for(root: Root, role: str, folders: KeyFolders) -> list[CryptoSigner]:
    """The private keys of ``role`` found in ``folders``; KeyMissing below its threshold."""
    named = root.roles[role]
    found = [s for keyid in named.keyids if (s := find_signer(keyid, folders))]
    if len(found) < named.threshold:
        where = ", ".join(str(f) for f in folders.searched)
        offline = (
            " (pass the folder of the offline root keys with --offline)" if role == ROOT else ""
        )
        raise KeyMissing(
            f"the {role} role needs {named.threshold} of its keys "
            f"({', '.join(k[:12] for k in sorted(named.keyids))}) to sign, and {len(found)} "
            f"were found in {where}{offline}. Put the missing <keyid>.pem files there, or "
            f"replace the lost key with 'satchel keys rotate-role {role}'."
        )
    return found


def write_signed(store: Store, md: Metadata, signers: list[CryptoSigner]) -> None:
    md.signatures.clear()
    for signer in {s.public_key.keyid: s for s in signers}.values():
        md.sign(signer, append=True)
    write_atomically(metadata_path(store, md), md.to_bytes(SERIALIZER), durable=True)


def create_first_root(store: Store, now: datetime, publisher_keys: list[Ed25519PrivateKey]) -> Path:
    """Make a key for every role in the data folder and publish root version 1, signed by
    the root key and by every manifest key the publisher holds: a device that trusts only
    an older one, not having seen the newer one's endorsement, moves over too."""
    folders = KeyFolders.of(store)
    root_key = new_key(folders.local_root)
    root = Root(version=1, expires=now + LIFETIME[ROOT], consistent_snapshot=True)
    root.add_key(root_key.public_key, ROOT)
    for role in ONLINE_ROLES:
        root.add_key(new_key(folders.online).public_key, role)
    write_signed(store, Metadata(root), [root_key, *map(CryptoSigner, publisher_keys)])
    return store.keys_dir


def hashed_name(path: str, sha256: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/{sha256}.{name}" if folder else f"{sha256}.{name}"


def target_paths(store: Store) -> list[str]:
    """Every file a phone fetches that a verified manifest does not vouch for (a ``changes``
    file is vouched for by the manifest it rebuilds)."""
    paths = ["bundles.json"] if (store.root / "bundles.json").is_file() else []
    for bundle in store.bundles():
        paths.append(f"bundles/{bundle}/current.json")
        for locale in store.current(bundle):
            paths += [f"bundles/{bundle}/{locale}/{v}.json" for v in store.versions(bundle, locale)]
    return sorted(paths)


def target_files(store: Store, listed: dict[str, TargetFile]) -> dict[str, TargetFile]:
    """Every target with its length and sha256. A file already ``listed`` under an
    immutable name (a manifest, an update) keeps its entry: its bytes never change, and
    re-reading every kept manifest on each publish and hourly refresh would cost
    megabytes for a large bundle. ``verify_repository`` re-hashes them all."""
    return {
        path: listed[path]
        if path in listed and public_kind(path) == "immutable"
        else TargetFile.from_data(path, (store.root / path).read_bytes(), ["sha256"])
        for path in target_paths(store)
    }


def link_hashed_copies(store: Store, files: dict[str, TargetFile]) -> None:
    """Publish each target under its hashed name, before any metadata names it."""
    for path, target in files.items():
        hashed = store.root / hashed_name(path, target.hashes["sha256"])
        if not hashed.is_file():
            link_or_copy(store.root / path, hashed)


def needs_signing(md: Metadata | None, root: Metadata, now: datetime) -> bool:
    """True when ``md`` is missing, nears its expiry or lacks its role's threshold of
    valid signatures under ``root`` (after a key was replaced)."""
    if md is None:
        return True
    role = md.signed.type
    if md.signed.expires - now < RENEW_WITHIN.get(role, LIFETIME[role]):
        return True
    return not root.signed.get_verification_result(role, md.signed_bytes, md.signatures).verified


def next_version(md: Metadata | None) -> int:
    return 1 if md is None else md.signed.version + 1


def update_metadata(
    store: Store, folders: KeyFolders, now: datetime | None = None, refresh: bool = True
) -> MetadataReport:
    """Sign targets, snapshot and timestamp for what the data folder holds now, each only
    when it changed, nears its expiry or lost its signers; the timestamp, written last,
    also on every ``refresh``. Call under the build lock."""
    now = now_utc(now)
    root = current_metadata(store, ROOT)
    if root is None:
        raise RepositoryDamaged(
            f"no TUF root in {metadata_dir(store)}: the first 'satchel build' makes one"
        )
    targets = current_metadata(store, TARGETS)
    files = target_files(store, targets.signed.targets if targets else {})
    link_hashed_copies(store, files)  # also again any 'satchel verify' found missing
    if needs_signing(targets, root, now) or targets.signed.targets != files:
        targets = Metadata(
            Targets(next_version(targets), expires=now + LIFETIME[TARGETS], targets=files)
        )
        write_signed(store, targets, signers_for(root.signed, TARGETS, folders))
    snapshot = current_metadata(store, SNAPSHOT)
    listed = snapshot.signed.meta["targets.json"].version if snapshot else None
    if needs_signing(snapshot, root, now) or listed != targets.signed.version:
        meta = {"targets.json": MetaFile(targets.signed.version)}
        snapshot = Metadata(
            Snapshot(next_version(snapshot), expires=now + LIFETIME[SNAPSHOT], meta=meta)
        )
        write_signed(store, snapshot, signers_for(root.signed, SNAPSHOT, folders))
    timestamp = current_metadata(store, TIMESTAMP)
    listed = timestamp.signed.snapshot_meta.version if timestamp else None
    if refresh or needs_signing(timestamp, root, now) or listed != snapshot.signed.version:
        timestamp = Metadata(
            Timestamp(
                next_version(timestamp),
                expires=now + LIFETIME[TIMESTAMP],
                snapshot_meta=MetaFile(snapshot.signed.version),
            )
        )
        write_signed(store, timestamp, signers_for(root.signed, TIMESTAMP, folders))
    prune_metadata(store)
    versions = {md.signed.type: md.signed.version for md in (root, targets, snapshot, timestamp)}
    return MetadataReport(versions)


def prune_metadata(store: Store) -> None:
    """Drop targets and snapshot versions past ``METADATA_KEPT``, and the hashed name of
    a target no kept targets version lists or whose file was pruned. Roots are kept: a
    client walks them all."""
    for role in (TARGETS, SNAPSHOT):
        oldest_kept = (newest_version(store, role) or 0) - METADATA_KEPT
        for path in metadata_dir(store).glob(f"*.{role}.json"):
            version = path.name.split(".", 1)[0]
            if version.isdigit() and int(version) <= oldest_kept:
                path.unlink(missing_ok=True)
    kept = {
        hashed_name(name, target.hashes["sha256"])
        for path in metadata_dir(store).glob(f"*.{TARGETS}.json")
        for name, target in read_metadata(path).signed.targets.items()
        if (store.root / name).is_file()
    }
    # The changes folders too: a data folder from when updates were targets has their hashed names.
    folders = {store.root} | {(store.root / name).parent for name in target_paths(store)}
    folders |= {folder / "changes" for folder in folders}
    for folder in folders:
        for path in folder.glob("*.json"):
            if HASHED.match(path.name) and path.relative_to(store.root).as_posix() not in kept:
                path.unlink(missing_ok=True)


def ensure_repository(
    store: Store, now: datetime, publisher_keys: list[Ed25519PrivateKey]
) -> MetadataReport:
    """What a build does after publishing: make the first root if there is none, then
    sign the metadata for what was published. Call under the build lock."""
    created = None
    if current_metadata(store, ROOT) is None:
        created = create_first_root(store, now_utc(now), publisher_keys)
    report = update_metadata(store, KeyFolders.of(store), now, refresh=False)
    report.created_keys = created
    return report


def change_root(store: Store, folders: KeyFolders, change, now: datetime | None = None) -> Metadata:
    """Publish the next root: ``change(root)`` edits a copy of the current one; the new
    version is signed by the threshold of the old root keys and of the new ones, then
    every role whose keys changed is signed again. Private keys of keys the new root no
    longer names are deleted from the data folder (offline folders are left alone)."""
    now = now_utc(now)
    old = current_metadata(store, ROOT)
    if old is None:
        raise RepositoryDamaged(f"no TUF root in {metadata_dir(store)}: run 'satchel build' first")
    new = copy.deepcopy(old)
    new.signed.version += 1
    new.signed.expires = now + LIFETIME[ROOT]
    change(new.signed)
    signers = signers_for(old.signed, ROOT, folders) + signers_for(new.signed, ROOT, folders)
    write_signed(store, new, signers)
    update_metadata(store, folders, now)
    for folder in (folders.online, folders.local_root):
        for pem in folder.glob("*.pem"):
            if pem.stem not in new.signed.keys:
                pem.unlink()
    return new


def role_key(root: Root, role: str, keyid: str | None) -> str:
    """The key of ``role`` that ``keyid`` names (a prefix will do); the only one without."""
    keyids = sorted(root.roles[role].keyids)
    matches = [k for k in keyids if keyid is None or k.startswith(keyid)]
    if len(matches) != 1:
        listed = ", ".join(k[:12] for k in keyids)
        what = (
            f"no key of the {role} role starts with {keyid}"
            if keyid and not matches
            else (f"the {role} role has {len(keyids)} keys: name one with --key")
        )
        raise KeyMissing(f"{what} (its keys: {listed}; see 'satchel keys show')")
    return matches[0]


def rotate_role_key(
    store: Store, folders: KeyFolders, role: str, keyid: str | None, now: datetime | None = None
) -> tuple[str, str]:
    """Replace a key of ``role`` by a fresh one (a root key goes to the first offline
    folder); returns the old and new key ids."""
    if role == ROOT and not folders.offline:
        raise KeyMissing("a new root key belongs offline: name its folder with --offline DIR")
    folder = folders.offline[0] if role == ROOT else folders.online
    replaced = {}

    def replace(root: Root) -> None:
        old = role_key(root, role, keyid)
        fresh = new_key(folder)
        root.revoke_key(old, role)
        root.add_key(fresh.public_key, role)
        replaced.update(old=old, new=fresh.public_key.keyid)

    change_root(store, folders, replace, now)
    return replaced["old"], replaced["new"]


def revoke_role_key(
    store: Store, folders: KeyFolders, role: str, keyid: str, now: datetime | None = None
) -> str:
    """Take ``keyid`` out of ``role``; refused when fewer keys than its threshold remain."""
    revoked = []

    def revoke(root: Root) -> None:
        old = role_key(root, role, keyid)
        if len(root.roles[role].keyids) - 1 < root.roles[role].threshold:
            raise KeyMissing(
                f"revoking {old[:12]} would leave the {role} role fewer keys than its threshold "
                f"({root.roles[role].threshold}): replace it with 'satchel keys rotate-role {role} "
                f"--key {old[:12]}' instead"
            )
        root.revoke_key(old, role)
        revoked.append(old)

    change_root(store, folders, revoke, now)
    return revoked[0]


def ceremony(
    store: Store,
    offline: Path,
    count: int,
    threshold: int,
    now: datetime | None = None,
    old_root: tuple[Path, ...] = (),
) -> Metadata:
    """Move root trust to ``count`` new keys in ``offline`` (``threshold`` of them to
    sign) and give every online role a fresh key, in one new root signed by the old
    root keys (found in the data folder or ``old_root``) and the new ones."""
    if not 1 <= threshold <= count:
        raise KeyMissing(f"a threshold of {threshold} needs between 1 and {count} keys")
    folders = KeyFolders.of(store, (offline, *old_root))

    def replace_all(root: Root) -> None:
        for role in ROLES:
            for keyid in list(root.roles[role].keyids):
                root.revoke_key(keyid, role)
        for _ in range(count):
            root.add_key(new_key(offline).public_key, ROOT)
        root.roles[ROOT].threshold = threshold
        for role in ONLINE_ROLES:
            root.add_key(new_key(folders.online).public_key, role)

    return change_root(store, folders, replace_all, now)


def carried_metadata(store: Store) -> bytes:
    """What a ``.satchel`` file carries (``commands/bundle_file.py``): a JSON object of
    every root, the timestamp and the snapshot and targets it names, by file name."""
    timestamp = current_metadata(store, TIMESTAMP)
    if timestamp is None:
        raise RepositoryDamaged(
            f"no TUF timestamp in {metadata_dir(store)}: run 'satchel build' or 'satchel refresh'"
        )
    snapshot_version = timestamp.signed.snapshot_meta.version
    snapshot = read_metadata(metadata_dir(store) / f"{snapshot_version}.{SNAPSHOT}.json")
    names = [f"{v}.{ROOT}.json" for v in range(1, (newest_version(store, ROOT) or 0) + 1)]
    names += [
        TIMESTAMP_FILE,
        f"{snapshot_version}.{SNAPSHOT}.json",
        f"{snapshot.signed.meta['targets.json'].version}.{TARGETS}.json",
    ]
    files = {name: json.loads((metadata_dir(store) / name).read_bytes()) for name in names}
    return json.dumps(files, separators=(",", ":")).encode()


@dataclass(frozen=True)
class TargetProblem:
    """A file of a folder or a bucket that a TUF client would refuse."""

    path: str
    kind: str  # "missing", "changed" or "unlisted"
    detail: str = ""


# What the publisher does about each kind of TargetProblem in the data folder.
FOLDER_ADVICE = {
    "missing": "the signed TUF targets list it, but it is missing: 'satchel refresh' links a "
    "hashed copy (<sha256>.<name>) again; restore any other file from your backup or the "
    "bucket, or run 'satchel build'",
    "changed": "its bytes are not the ones the signed TUF targets list ({detail}), so devices "
    "refuse it: restore it from your backup or the bucket, or run 'satchel build'",
    "unlisted": "the signed TUF targets do not list it, so devices refuse it: 'satchel "
    "refresh' lists it if you published it; else delete it",
}


def targets_problems(
    targets: Targets, read: Callable[[str], bytes | None], published: Iterable[str]
) -> list[TargetProblem]:
    """What a TUF client would refuse among the files of a folder or a bucket, which
    ``read(path)`` returns (None when missing): every target and its hashed copy must be
    the bytes ``targets`` list; every ``published`` file a phone fetches (pointers,
    manifests, ``bundles.json``) must be listed."""
    problems = []
    for name, target in targets.targets.items():
        for path in (name, hashed_name(name, target.hashes["sha256"])):
            data = read(path)
            if data is None:
                problems.append(TargetProblem(path, "missing"))
                continue
            try:
                target.verify_length_and_hashes(data)
            except RepositoryError as exc:
                problems.append(TargetProblem(path, "changed", str(exc)))
    unlisted = sorted(set(published) - set(targets.targets))
    return problems + [TargetProblem(path, "unlisted") for path in unlisted]


def verify_repository(store: Store, now: datetime | None = None) -> list[str]:
    """What is wrong with the repository's metadata, as a client would find it: each
    root signed by its predecessor's threshold and its own, targets, snapshot and
    timestamp by theirs, versions agreeing, nothing expired; every target's bytes and
    its hashed copy; every file a phone fetches listed."""
    problems = []
    now = now_utc(now)
    trusted = None
    for version in range(1, (newest_version(store, ROOT) or 0) + 1):
        path = metadata_dir(store) / f"{version}.{ROOT}.json"
        try:
            root = read_metadata(path)
            for signer in ([trusted] if trusted else []) + [root]:
                signer.verify_delegate(ROOT, root)
        except (OSError, RepositoryError, RepositoryDamaged) as exc:
            return [f"{path}: {exc}"]
        trusted = root
    if trusted is None:
        return [f"{metadata_dir(store)}: no TUF root; 'satchel build' makes one"]
    for role in (TIMESTAMP, SNAPSHOT, TARGETS):
        md = current_metadata(store, role)
        path = metadata_path(store, md) if md else metadata_dir(store) / role
        if md is None:
            problems.append(f"{path}: missing")
            continue
        try:
            trusted.verify_delegate(role, md)
        except RepositoryError as exc:
            problems.append(f"{path}: {exc}")
        if md.signed.is_expired(now):
            problems.append(
                f"{path}: expired at {md.signed.expires:%Y-%m-%d %H:%M} UTC; run 'satchel refresh'"
            )
    targets = current_metadata(store, TARGETS)
    if targets is None:
        return problems
    found = targets_problems(
        targets.signed, lambda path: read_or_none(store.root / path), target_paths(store)
    )
    return problems + [
        f"{store.root / p.path}: {FOLDER_ADVICE[p.kind].format(detail=p.detail)}" for p in found
    ]
