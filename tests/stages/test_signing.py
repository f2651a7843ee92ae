"""Publisher-signed manifests, the publisher's keys and the ``.satchel`` file, as the
server side shows them: the API, the CLI and the files they write. The device side is
in tests/static/test_trust.py and tests/static/test_transfer.py."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from satchel.manifest import canonical_bytes, object_names
from satchel.stages.repository import carried_metadata
from satchel.stages.sign import SignatureInvalid, Signer, describe_key, verify_manifest
from satchel.store import Store

from ..helpers.bundle_files import BundleFileInvalid, read_bundle_file, unwrapped


def unpadded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_signed_by(manifest_bytes: bytes, key: dict) -> None:
    """Verify as any reader of docs/app.md would: the Ed25519 signature over the canonical
    JSON of the manifest without ``signature``, with the raw public key."""
    manifest = json.loads(manifest_bytes)
    signature = manifest.pop("signature")
    assert signature["alg"] == "Ed25519" and signature["key_id"] == key["id"]
    unsigned = json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    public = Ed25519PublicKey.from_public_bytes(unpadded(key["public_key"]))
    public.verify(unpadded(signature["value"]), unsigned.encode())


def test_first_build_makes_a_key_and_says_to_back_it_up(app, runner):
    result = runner.invoke(args=["bundles", "build"])
    assert result.exit_code == 0, result.output
    keys = Store(app.config["DATA_DIR"]).keys_dir
    assert f"Created the publisher's signing key in {keys}" in result.output
    assert "Back up this folder" in result.output
    (pem,) = keys.glob("*.pem")
    assert pem.stat().st_mode & 0o077 == 0, "the private key is readable by others"
    again = runner.invoke(args=["bundles", "build"])
    assert "Created the publisher's signing key" not in again.output


def test_every_manifest_is_signed_by_the_key_the_api_lists(built, client):
    (key,) = client.get("/api/v1/keys").json["keys"]
    assert key["alg"] == "Ed25519" and "endorsement" not in key
    raw = unpadded(key["public_key"])
    assert len(raw) == 32 and key["id"] == hashlib.sha256(raw).hexdigest()[:16]
    response = client.get("/api/v1/bundles/demo/en")
    check_signed_by(response.data, key)
    assert response.json["keys"] == [key]
    changed = response.data.replace(b"Title of alpha", b"Title of alphA")
    with pytest.raises(InvalidSignature):
        check_signed_by(changed, key)


def test_keys_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/keys" in spec["paths"]
    assert "signature" in spec["components"]["schemas"]["Manifest"]["required"]


def test_no_key_before_the_first_build(client):
    assert client.get("/api/v1/keys").json == {"keys": []}


def test_a_damaged_key_ring_is_a_503_and_a_build_error(built, app, client, build):
    store = Store(app.config["DATA_DIR"])
    (store.keys_dir / "keyring.json").write_text("{")
    response = client.get("/api/v1/keys")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "keys_unavailable"
    published = client.get("/api/v1/bundles/demo/en").data
    result = build("--bundle", "demo", expect_ok=False)
    assert result.exit_code != 0
    assert "keyring.json is not a key ring Satchel wrote" in result.output
    assert "restore it from your backup" in result.output
    assert client.get("/api/v1/bundles/demo/en").data == published


def test_rotation_endorses_the_next_key_and_the_next_build_signs_with_it(
    built, app, client, runner, bundles_dir
):
    (old,) = client.get("/api/v1/keys").json["keys"]
    result = runner.invoke(args=["bundles", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "next 'satchel build' signs with it" in result.output
    _, new = client.get("/api/v1/keys").json["keys"]
    assert new["endorsement"]["key_id"] == old["id"]
    # Published before the build that signs with it: devices can learn it first.
    assert client.get("/api/v1/bundles/demo/en").json["signature"]["key_id"] == old["id"]
    Ed25519PublicKey.from_public_bytes(unpadded(old["public_key"])).verify(
        unpadded(new["endorsement"]["value"]),
        canonical_bytes({k: new[k] for k in ("alg", "id", "public_key")}),
    )
    assert runner.invoke(args=["bundles", "build"]).exit_code == 0
    response = client.get("/api/v1/bundles/demo/en")
    assert response.json["version"] == 2, "a new key is a new version, content unchanged"
    check_signed_by(response.data, new)
    assert verify_manifest(response.json, [old]) == new["id"]
    shown = runner.invoke(args=["bundles", "keys", "show"]).output
    assert old["id"] in shown and new["id"] in shown.splitlines()[2]
    assert "signs" in shown.splitlines()[2]


def test_rotating_without_a_key_says_to_build_first(runner):
    result = runner.invoke(args=["bundles", "keys", "rotate"])
    assert result.exit_code != 0
    assert "the first 'satchel build' makes one" in result.output


@pytest.fixture
def signer():
    private = Ed25519PrivateKey.generate()
    return Signer([describe_key(private.public_key())], private)


MANIFEST = {
    "bundle": "b",
    "locale": "ar",
    "version": 3,
    "title": "عنوان — “quoted” \U0001f600",
    "coverage": 0.25,
    "total_bytes": 12.0,
    "articles": [{"id": "z"}, {"id": "a"}],
}


def test_signature_round_trip_over_canonical_bytes(signer):
    signed = signer.sign(MANIFEST)
    assert verify_manifest(signed, signer.keys) == signer.keys[0]["id"]
    stored = canonical_bytes(signed)
    assert "عنوان".encode() in stored and b'"total_bytes":12' in stored
    assert verify_manifest(json.loads(stored), signer.keys) == signer.keys[0]["id"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(coverage=0.26), "was changed after it was signed"),
        (lambda m: m["articles"].reverse(), "was changed after it was signed"),
        (lambda m: m.pop("signature"), "is not signed"),
        (lambda m: m["signature"].update(key_id="0" * 16), "signed by an unknown key"),
    ],
    ids=["value", "order", "unsigned", "unknown key"],
)
def test_a_changed_manifest_is_refused(signer, change, message):
    signed = json.loads(canonical_bytes(signer.sign(MANIFEST)))
    change(signed)
    with pytest.raises(SignatureInvalid, match=message):
        verify_manifest(signed, signer.keys)


def test_a_key_offered_under_a_trusted_id_is_not_believed(signer):
    forger = Ed25519PrivateKey.generate()
    impostor = {**describe_key(forger.public_key()), "id": signer.keys[0]["id"]}
    forged = Signer([impostor], forger).sign({**MANIFEST, "keys": [impostor]})
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_manifest(forged, signer.keys)


def test_export_writes_the_published_version_as_one_file(built, app, client, runner, tmp_path):
    result = runner.invoke(
        args=["bundles", "export", "--bundle", "demo", "--locale", "en", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / "demo-en-v1.satchel"
    assert f"Wrote {path}: demo/en v1" in result.output
    bundle_file = read_bundle_file(path)
    assert bundle_file.manifest == client.get("/api/v1/bundles/demo/en").data
    manifest = json.loads(bundle_file.manifest)
    assert list(bundle_file.objects) == list(dict.fromkeys(object_names(manifest)))
    for name, data in bundle_file.objects.items():
        assert client.get(f"/api/v1/objects/{name}").data == data
    metadata, inner = unwrapped(path.read_bytes(), path)
    assert inner.startswith(b"SATCHEL2")
    assert metadata == json.loads(carried_metadata(Store(app.config["DATA_DIR"])))
    assert metadata["timestamp.json"] == json.loads(
        (Store(app.config["DATA_DIR"]).root / "tuf" / "timestamp.json").read_bytes()
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bundle", "nope", "--locale", "en"], "no published bundle named nope"),
        (["--bundle", "demo", "--locale", "fr"], "demo is not published in fr; its locales: en"),
        (["--bundle", "demo", "--locale", "en", "--version", "9"], "v9 is no longer kept"),
    ],
)
def test_export_names_what_is_wrong(built, runner, tmp_path, args, message):
    result = runner.invoke(args=["bundles", "export", *args, "--out", str(tmp_path / "f")])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "f").exists()


def test_a_cut_off_file_is_refused(built, runner, tmp_path):
    path = tmp_path / "demo.satchel"
    runner.invoke(args=["bundles", "export", "--bundle", "demo", "--locale", "en", "--out", path])
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(BundleFileInvalid, match="cut off"):
        read_bundle_file(path)


def test_verify_finds_a_manifest_changed_after_signing(built, app, runner):
    store = Store(app.config["DATA_DIR"])
    manifest_path = store.manifest_path("demo", "en", 1)
    manifest_path.write_bytes(manifest_path.read_bytes().replace(b"Title of beta", b"Title of bet"))
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code != 0
    assert f"{manifest_path}: the manifest of demo/en v1 was changed after it was signed" in (
        result.output
    )


@pytest.mark.parametrize("command", [["keys", "show"], ["verify"]])
def test_a_damaged_key_ring_is_named_by_every_command(built, app, runner, command):
    (Store(app.config["DATA_DIR"]).keys_dir / "keyring.json").write_text("[]")
    result = runner.invoke(args=["bundles", *command])
    assert result.exit_code == 1
    assert "keyring.json is not a key ring Satchel wrote" in result.output
    assert "Traceback" not in result.output
