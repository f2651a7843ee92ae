"""The publisher's Ed25519 signature on every manifest the *publish* stage writes.

A copy of a bundle passed from hand to hand (``satchel export``, the app's "Share
this bundle") carries its own manifest, so hashes alone prove nothing about who made
it: a device trusts a manifest only when it is signed by a publisher key it knows.

What is signed: ``manifest.signed_bytes``, the canonical JSON (sorted keys, UTF-8
without escapes, no insignificant whitespace, numbers as JavaScript writes them) of
the manifest without its ``signature`` member. The manifest then carries::

    "signature": {"key_id": "…", "alg": "Ed25519", "value": "<base64url, 64 bytes>"}
    "keys": [{"id", "alg", "public_key", "endorsement"?}, …]   oldest first

Keys live in ``<data folder>/keys/``: ``keyring.json`` (the public ``keys`` list, the
last of which signs) and one ``<id>.pem`` private key each. The first build creates
the first key. ``rotate`` makes the next key and has the current one *endorse* it
(sign its ``{alg, id, public_key}``), so a device that trusts any earlier key can
follow the chain in the manifest's ``keys`` to the one that signed, and never has to
take a new key on the word of the network alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ..errors import SatchelError
from ..manifest import endorsed_bytes, signed_bytes
from ..store import KEYRING, Store, write_atomically

ALG = "Ed25519"


class SignatureInvalid(SatchelError):
    """A manifest or key endorsement that no trusted key signed."""


class KeyringDamaged(SatchelError):
    """The keys folder can't be read; nothing can be signed until it is restored."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def describe_key(public: Ed25519PublicKey) -> dict:
    """The public description of a key, as manifests and ``/api/v1/keys`` list it."""
    raw = raw_public(public)
    return {"id": hashlib.sha256(raw).hexdigest()[:16], "alg": ALG, "public_key": b64url(raw)}


@dataclass(frozen=True)
class Signer:
    """The publisher's key ring, signing with its newest key."""

    keys: list[dict]  # public descriptions, oldest first
    private: Ed25519PrivateKey  # the newest key's
    created: Path | None = None  # the keys folder, when this call made the first key

    def sign(self, manifest: dict) -> dict:
        """``manifest`` with its signature (any signature it had is replaced)."""
        value = self.private.sign(signed_bytes(manifest))
        signature = {"key_id": self.keys[-1]["id"], "alg": ALG, "value": b64url(value)}
        return {**manifest, "signature": signature}


def new_private_key(folder: Path) -> tuple[Ed25519PrivateKey, dict]:
    """A fresh key, its private half written (owner-readable only) before anything
    names it."""
    private = Ed25519PrivateKey.generate()
    key = describe_key(private.public_key())
    write_private_key(folder / f"{key['id']}.pem", private)
    return private, key


def write_private_key(path: Path, private) -> None:
    """Write ``private`` as an unencrypted PKCS#8 PEM file only its owner can read, in a
    folder only its owner can enter; never over an existing file."""
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def write_keyring(folder: Path, keys: list[dict]) -> None:
    data = json.dumps({"keys": keys}, indent=2, sort_keys=True).encode() + b"\n"
    write_atomically(folder / KEYRING, data, durable=True)


def read_keyring(store: Store) -> list[dict]:
    """The public key list; empty before the first build."""
    try:
        return store.publisher_keys()
    except ValueError as exc:
        raise KeyringDamaged(
            f"{store.keys_dir / KEYRING} is not a key ring Satchel wrote ({exc}); restore it "
            "from your backup of the keys folder"
        ) from exc


def open_signer(store: Store) -> Signer:
    """The publisher's signer, creating the first key when there is none.

    Call under the build lock: two builds must not both create a first key."""
    folder = store.keys_dir
    keys = read_keyring(store)
    if not keys:
        private, key = new_private_key(folder)
        write_keyring(folder, [key])
        return Signer([key], private, created=folder)
    path = folder / f"{keys[-1]['id']}.pem"
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise KeyringDamaged(
            f"can't read the signing key {path} ({exc}); restore the keys folder from your "
            "backup. Devices only accept manifests signed by a key they trust, so a new key "
            "can't simply replace a lost one."
        ) from exc
    return Signer(keys, checked_key(private, keys[-1], path))


def checked_key(private, key: dict, path: Path) -> Ed25519PrivateKey:
    """``private``, read from ``path``, if it is the private half of ``key``."""
    if describe_key(private.public_key())["public_key"] != key["public_key"]:
        raise KeyringDamaged(f"{path} is not the key {KEYRING} names; restore the keys folder")
    return private


def held_keys(store: Store) -> list[Ed25519PrivateKey]:
    """The private keys of every key in the key ring whose file the keys folder still
    holds, oldest first: a publisher may have moved old ones offline or deleted them."""
    held = []
    for key in read_keyring(store):
        path = store.keys_dir / f"{key['id']}.pem"
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise KeyringDamaged(f"can't read the key {path} ({exc}); restore it") from exc
        held.append(checked_key(private, key, path))
    return held


def rotate(store: Store) -> dict:
    """Make the next signing key, endorsed by the current one; returns its description.
    Call under the build lock, so no build signs with a key ring half changed."""
    current = open_signer(store)
    _private, key = new_private_key(store.keys_dir)  # the next build loads it from its file
    endorsement = current.private.sign(endorsed_bytes(key))
    key = {**key, "endorsement": {"key_id": current.keys[-1]["id"], "value": b64url(endorsement)}}
    write_keyring(store.keys_dir, [*current.keys, key])
    return key


def public_key(key: dict) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(from_b64url(key["public_key"]))


def verify_signature(key: dict, signature: str, data: bytes) -> bool:
    try:
        public_key(key).verify(from_b64url(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def trusted_keys(trusted: list[dict], offered: list[dict]) -> dict[str, dict]:
    """The keys a holder of ``trusted`` can trust, by id: those, and each key of
    ``offered`` (oldest first) endorsed by one already trusted. An offered key never
    replaces a trusted one, and its id must be its public key's."""
    keys = {key["id"]: key for key in trusted}
    for key in offered:
        endorsement = key.get("endorsement")
        endorser = keys.get(endorsement["key_id"]) if endorsement else None
        if (
            key["id"] not in keys
            and endorser
            and describe_key(public_key(key))["id"] == key["id"]
            and verify_signature(endorser, endorsement["value"], endorsed_bytes(key))
        ):
            keys[key["id"]] = key
    return keys


def verify_manifest(manifest: dict, trusted: list[dict]) -> str:
    """Check a manifest's signature against ``trusted`` keys (and the keys they endorse
    in the manifest's ``keys``); returns the signing key's id."""
    signature = manifest.get("signature")
    where = f"{manifest.get('bundle')}/{manifest.get('locale')} v{manifest.get('version')}"
    if not signature:
        raise SignatureInvalid(f"the manifest of {where} is not signed")
    keys = trusted_keys(trusted, manifest.get("keys", []))
    if signature["key_id"] not in keys:
        raise SignatureInvalid(f"the manifest of {where} is signed by an unknown key")
    if not verify_signature(keys[signature["key_id"]], signature["value"], signed_bytes(manifest)):
        raise SignatureInvalid(f"the manifest of {where} was changed after it was signed")
    return signature["key_id"]


def created_message(folder: Path) -> str:
    return (
        f"Created the publisher's signing key in {folder}. Back up this folder and keep it "
        "private: devices trust only manifests signed by it (or by a key it endorses "
        "with 'satchel keys rotate'), so a lost key can't be replaced."
    )
