"""The static repository (docs/repository.md): the files publish writes for devices to read
and update from, and Flask serving them under /repo/ as a static server would."""

from __future__ import annotations

import json
from pathlib import Path

import brotli
import pytest

from satchel.store import public_kind

from ..helpers.bundles import edit_summary

AS_BROTLI = {"Accept-Encoding": "br"}
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def two_versions(client, bundles_dir, build):
    build()
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    build()
    return client


def test_the_bundle_list_file_is_what_the_api_lists(two_versions):
    client = two_versions
    response = client.get("/repo/bundles.json")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.json == client.get("/api/v1/bundles").json
    assert response.json[0]["versions"] == {"en": 2}
    pointer = client.get("/repo/bundles/demo/current.json")
    assert pointer.json == {"locales": {"en": 2}}
    assert pointer.headers["Cache-Control"] == "public, no-cache"
    revalidated = client.get(
        "/repo/bundles.json", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert revalidated.status_code == 304


def test_an_update_is_a_file_from_each_kept_version(two_versions, bundles_dir, build):
    client = two_versions
    edit_summary(bundles_dir, "beta", "12 weeks", "20 weeks")
    build()
    for since in (1, 2):
        stored = client.get(f"/repo/bundles/demo/en/changes/{since}-3.json", headers=AS_BROTLI)
        assert stored.headers["Cache-Control"] == YEAR
        assert stored.content_encoding == "br" and "Accept-Encoding" in stored.vary
        changes = json.loads(brotli.decompress(stored.data))
        computed = client.get(f"/api/v1/bundles/demo/en/changes?since={since}").json
        assert changes == computed | {"transfer_bytes": changes["transfer_bytes"]}
        assert changes["transfer_bytes"] < changes["bytes"]  # counted as brotli copies
    assert client.get("/repo/bundles/demo/en/changes/1-2.json").status_code == 200
    assert client.get("/repo/bundles/demo/en/changes/2-1.json").status_code == 404


def test_updates_are_pruned_with_their_versions(client, bundles_dir, build):
    path = bundles_dir / "demo" / "bundle.yaml"
    path.write_text(path.read_text().replace("retain_versions: 5", "retain_versions: 2"))
    for weeks in (12, 16, 20):
        edit_summary(bundles_dir, "alpha", f"{weeks - 4} weeks", f"{weeks} weeks")
        build()
    folder = Path(client.application.config["DATA_DIR"]) / "bundles" / "demo" / "en" / "changes"
    assert client.get("/repo/bundles/demo/en/changes/1-2.json").status_code == 404
    assert client.get("/repo/bundles/demo/en/changes/2-3.json").status_code == 200
    # The kept update and its compressed copies only: the manifest it rebuilds vouches for it,
    # so it is no TUF target and has no copy under a hashed name.
    assert sorted(p.name for p in folder.iterdir()) == ["2-3.json", "2-3.json.br", "2-3.json.gz"]


def test_manifests_packs_objects_and_keys_are_served_as_stored(two_versions):
    client = two_versions
    manifest = client.get("/repo/bundles/demo/en/2.json")
    assert manifest.data == client.get("/api/v1/bundles/demo/en").data
    assert manifest.headers["Cache-Control"] == YEAR
    pack = client.get("/repo/bundles/demo/en/2.pack.ndjson.br")
    assert pack.mimetype == "application/x-ndjson" and pack.content_encoding == "br"
    assert brotli.decompress(pack.data) == client.get("/api/v1/bundles/demo/en/pack").data
    name = manifest.json["articles"][0]["object"]
    plain = client.get(f"/repo/objects/{name[:2]}/{name}")
    assert plain.data == client.get(f"/api/v1/objects/{name}").data
    assert plain.mimetype == "application/json" and plain.headers["Cache-Control"] == YEAR
    encoded = client.get(f"/repo/objects/{name[:2]}/{name}", headers=AS_BROTLI)
    assert brotli.decompress(encoded.data) == plain.data
    segment = manifest.json["search"]["segments"][0]["object"]
    assert client.get(f"/repo/objects/{segment[:2]}/{segment}").mimetype == (
        "application/octet-stream"
    )
    keys = client.get("/repo/keys/keyring.json")
    assert keys.json == client.get("/api/v1/keys").json
    assert keys.headers["Cache-Control"] == "public, no-cache"


def test_what_a_first_install_downloads_is_a_file_beside_the_pack(two_versions):
    client = two_versions
    stored = client.get("/repo/bundles/demo/en/2.download.json")
    assert stored.headers["Cache-Control"] == YEAR
    assert stored.json == client.get("/api/v1/bundles/demo/en/download", headers=AS_BROTLI).json


def test_every_interface_catalog_is_a_file_the_source_language_too(two_versions):
    client = two_versions
    for locale in ("en", "es", "ar"):
        stored = client.get(f"/repo/ui/{locale}.json")
        assert stored.headers["Cache-Control"] == "public, no-cache"
        assert stored.json == client.get(f"/api/v1/locales/{locale}/messages").json


def test_the_list_of_languages_is_a_file_saying_which_the_interface_speaks(two_versions):
    client = two_versions
    stored = client.get("/repo/locales.json")
    assert stored.headers["Cache-Control"] == "public, no-cache"
    assert stored.json == client.get("/api/v1/locales").json
    listed = {entry["code"]: entry for entry in stored.json}
    assert {code for code, entry in listed.items() if entry["interface"]} >= {"en", "es", "ar"}
    assert listed["en"]["bundles"]["demo"]["version"] == 2


def test_private_files_are_not_served(two_versions):
    client = two_versions
    key_id = client.get("/api/v1/keys").json["keys"][0]["id"]
    response = client.get(f"/repo/keys/{key_id}.pem")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_in_repository"
    assert b"PRIVATE" not in response.data


@pytest.mark.parametrize(
    "path, kind",
    [
        ("bundles.json", "mutable"),
        ("keys/keyring.json", "mutable"),
        ("ui/pt-BR.json", "mutable"),
        ("bundles/demo/current.json", "mutable"),
        ("bundles/demo/pt-BR/12.json.br", "immutable"),
        ("bundles/demo/en/12.pack.ndjson.br", "immutable"),
        ("bundles/demo/en/12.download.json", "immutable"),
        ("bundles/demo/en/changes/3-12.json.gz", "immutable"),
        ("objects/ab/ab" + "0" * 62, "immutable"),
        ("objects/ab/ab" + "0" * 62 + ".gz", "immutable"),
        ("objects/cd/ab" + "0" * 62, None),  # not in its folder
        ("keys/abc.pem", None),
        ("bundles/demo/en/index/1/_MAIN_1.toc", None),
        ("bundles/demo/en/.tmp-x1.json", None),
        ("bundles/demo/en/12.pack.ndjson", None),  # only its brotli copy is ever written
        (".build.lock", None),
        ("bundles/../keys/keyring.json", None),
        ("bundles/demo/en/0.json", None),
        ("bundles.json.br", None),
    ],
)
def test_which_paths_are_public(path, kind):
    assert public_kind(path) == kind
