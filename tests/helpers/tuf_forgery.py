"""What an attacker of a TUF repository publishes, for the tests that show clients refuse it:
targets signed by a revoked key, a root signed by fewer keys than the threshold."""

from __future__ import annotations

from pathlib import Path

from tuf.api.metadata import Metadata, TargetFile, Targets

from satchel.stages.repository import KeyFolders, current_metadata, find_signer
from satchel.store import Store


def write_signed(store: Store, signed, signer) -> None:
    md = Metadata(signed)
    md.sign(signer)
    name = (
        "timestamp.json" if signed.type == "timestamp" else f"{signed.version}.{signed.type}.json"
    )
    (store.root / "tuf" / name).write_bytes(md.to_bytes())


def forge_targets_signed_by(
    store: Store, stolen, path: str, data: bytes = b'{"forged": true}'
) -> None:
    """What a thief with the revoked targets key and the online snapshot and timestamp
    keys publishes: a new targets version listing ``data`` (their own file) at ``path``."""
    folders = KeyFolders.of(store)
    root = current_metadata(store, "root").signed
    targets = current_metadata(store, "targets").signed
    forged = TargetFile.from_data(path, data, ["sha256"])
    new_targets = Targets(
        targets.version + 1, expires=targets.expires, targets={forged.path: forged}
    )
    snapshot = current_metadata(store, "snapshot").signed
    timestamp = current_metadata(store, "timestamp").signed
    snapshot.version += 1
    snapshot.meta["targets.json"].version = new_targets.version
    timestamp.version += 1
    timestamp.snapshot_meta.version = snapshot.version
    write_signed(store, new_targets, stolen)
    write_signed(store, snapshot, find_signer(root.roles["snapshot"].keyids[0], folders))
    write_signed(store, timestamp, find_signer(root.roles["timestamp"].keyids[0], folders))


def forge_root_below_threshold(store: Store, offline: Path) -> None:
    """A next root signed by one root key where the threshold is two or more."""
    root = current_metadata(store, "root")
    root.signed.version += 1
    keyid = sorted(root.signed.roles["root"].keyids)[0]
    root.sign(find_signer(keyid, KeyFolders.of(store, (offline,))))
    (store.root / "tuf" / f"{root.signed.version}.root.json").write_bytes(root.to_bytes())
