"""The published data folder as a TUF repository, checked with python-tuf's ``ngclient``
(the reference client) over a plain static HTTP server: what any TUF client, and so any
phone reading from a mirror, gets from it. The key ceremony and ``satchel refresh``
through the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tuf.api.exceptions import (
    BadVersionNumberError,
    ExpiredMetadataError,
    UnsignedMetadataError,
)
from tuf.ngclient import Updater

from satchel.stages.pipeline import build
from satchel.stages.repository import (
    HASHED,
    ONLINE_ROLES,
    KeyFolders,
    current_metadata,
    find_signer,
)
from satchel.store import Store

from ..helpers.bundles import summary_text, write_bundle
from ..helpers.static_server import static_server
from ..helpers.tuf_forgery import forge_root_below_threshold, forge_targets_signed_by

MANIFEST = "bundles/demo/en/{}.json"


@pytest.fixture
def store(app):
    return Store(app.config["DATA_DIR"])


@pytest.fixture
def mirror(store, built):
    """The data folder served by a dumb static server, as a mirror or hotspot would."""
    with static_server(store.root) as url:
        yield url


def first_root(store) -> bytes:
    return (store.root / "tuf" / "1.root.json").read_bytes()


def updater(store, url, tmp_path, name="device") -> Updater:
    """A TUF client that trusts the first root (as a device does after migrating)."""
    folder = tmp_path / name
    (folder / "downloads").mkdir(parents=True, exist_ok=True)
    return Updater(
        str(folder),
        f"{url}tuf/",
        str(folder / "downloads"),
        url,
        bootstrap=first_root(store),
    )


def download(client: Updater, name: str) -> bytes:
    """The target ``name``, downloaded and checked against the signed targets."""
    return Path(client.download_target(client.get_targetinfo(name))).read_bytes()


def cli(runner, *args):
    result = runner.invoke(args=["bundles", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_first_build_makes_every_key_and_says_a_real_publisher_runs_the_ceremony(app, build, store):
    result = build()
    assert f"Created the TUF repository keys in {store.keys_dir}" in result.output
    assert "satchel keys ceremony --offline DIR" in result.output
    for folder in ("root", "tuf"):
        for pem in (store.keys_dir / folder).glob("*.pem"):
            assert pem.stat().st_mode & 0o077 == 0, f"{pem} is readable by others"
    assert len(list((store.keys_dir / "tuf").glob("*.pem"))) == 3
    assert "Created the TUF" not in build().output


def test_ngclient_downloads_a_verified_manifest_from_a_static_mirror(
    store, mirror, tmp_path, bundles_dir, build
):
    client = updater(store, mirror, tmp_path)
    client.refresh()
    assert download(client, MANIFEST.format(1)) == store.manifest_bytes("demo", "en", 1)
    pointer = download(client, "bundles/demo/current.json")
    assert json.loads(pointer) == {"locales": {"en": 1}}
    assert client.get_targetinfo("objects/00") is None, "objects are vouched for by manifests"

    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    build()
    again = updater(store, mirror, tmp_path)
    again.refresh()
    assert b"Title of delta" in download(again, MANIFEST.format(2))


def test_a_build_with_nothing_new_signs_nothing_and_refresh_a_new_timestamp(
    store, built, build, runner
):
    before = signed_versions(store)
    build()
    assert signed_versions(store) == before
    cli(runner, "refresh")
    assert signed_versions(store) == {**before, "timestamp": before["timestamp"] + 1}


def signed_versions(store) -> dict[str, int]:
    return {role: current_metadata(store, role).signed.version for role in ONLINE_ROLES}


def test_a_frozen_mirror_is_refused_once_its_timestamp_expires(store, tmp_path, app, bundles_dir):
    runner = app.test_cli_runner()
    build(bundles_dir, store.root, now=datetime.now(UTC) - timedelta(days=2))
    with static_server(store.root) as url:
        with pytest.raises(ExpiredMetadataError, match="timestamp"):
            updater(store, url, tmp_path).refresh()
        assert "Signed the repository's metadata" in cli(runner, "refresh")
        updater(store, url, tmp_path, "after-refresh").refresh()


def test_an_older_timestamp_is_a_rollback_and_refused(store, mirror, tmp_path, runner):
    old = (store.root / "tuf" / "timestamp.json").read_bytes()
    cli(runner, "refresh")
    client = updater(store, mirror, tmp_path)
    client.refresh()
    (store.root / "tuf" / "timestamp.json").write_bytes(old)
    with pytest.raises(BadVersionNumberError):
        updater(store, mirror, tmp_path).refresh()


def test_root_rotation_is_followed_across_versions_and_a_revoked_targets_key_refused(
    store, mirror, tmp_path, runner
):
    offline = tmp_path / "usb"
    output = cli(runner, "keys", "ceremony", "--offline", str(offline))
    assert "Published root version 2: 3 root keys" in output
    assert not list((store.keys_dir / "root").glob("*.pem")), "the root key left the server"
    targets_key = current_metadata(store, "root").signed.roles["targets"].keyids[0]
    stolen = find_signer(targets_key, KeyFolders.of(store))
    output = cli(runner, "keys", "rotate-role", "targets", "--offline", str(offline))
    assert f"Replaced the targets key {targets_key[:12]}" in output
    assert current_metadata(store, "root").signed.version == 3

    client = updater(store, mirror, tmp_path)  # trusts root 1 only: walks 2 and 3
    client.refresh()
    assert client.get_targetinfo(MANIFEST.format(1)) is not None

    forge_targets_signed_by(store, stolen, MANIFEST.format(1))
    with pytest.raises(UnsignedMetadataError, match="targets"):
        updater(store, mirror, tmp_path, "fresh").refresh()


def test_a_root_not_signed_by_the_old_threshold_is_refused(store, mirror, tmp_path, runner):
    offline = tmp_path / "usb"
    cli(
        runner,
        "keys",
        "ceremony",
        "--offline",
        str(offline),
        "--root-keys",
        "3",
        "--threshold",
        "2",
    )
    forge_root_below_threshold(store, offline)
    with pytest.raises(UnsignedMetadataError, match="root"):
        updater(store, mirror, tmp_path).refresh()


def test_refresh_names_a_missing_key_and_where_it_should_be(store, built, runner):
    (timestamp_key,) = current_metadata(store, "root").signed.roles["timestamp"].keyids
    (store.keys_dir / "tuf" / f"{timestamp_key}.pem").unlink()
    result = runner.invoke(args=["bundles", "refresh"])
    assert result.exit_code != 0
    assert f"the timestamp role needs 1 of its keys ({timestamp_key[:12]})" in result.output
    assert str(store.keys_dir / "tuf") in result.output
    assert "satchel keys rotate-role timestamp" in result.output


def test_a_root_change_without_the_offline_keys_says_where_to_find_them(
    store, built, runner, tmp_path
):
    cli(runner, "keys", "ceremony", "--offline", str(tmp_path / "usb"))
    result = runner.invoke(args=["bundles", "keys", "rotate-role", "snapshot"])
    assert result.exit_code != 0
    assert "the root role needs 2 of its keys" in result.output
    assert "--offline" in result.output


def test_revoking_below_the_threshold_is_refused(store, built, runner):
    (targets_key,) = current_metadata(store, "root").signed.roles["targets"].keyids
    result = runner.invoke(args=["bundles", "keys", "revoke", "targets", targets_key[:8]])
    assert result.exit_code != 0
    assert "fewer keys than its threshold" in result.output
    assert f"satchel keys rotate-role targets --key {targets_key[:12]}" in result.output


def test_roles_lists_keys_thresholds_and_expiry(store, built, runner, tmp_path):
    shown = cli(runner, "keys", "roles")
    assert "timestamp  1" in shown and "root       1" in shown
    cli(runner, "keys", "ceremony", "--offline", str(tmp_path / "usb"))
    assert "root       2" in cli(runner, "keys", "roles")


def test_a_pruned_version_loses_its_hashed_name_too(store, bundles_dir, build):
    shutil.rmtree(bundles_dir / "demo")
    write_bundle(bundles_dir, "demo", retain=1)
    build()
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    build()
    hashed = [
        p.name for p in (store.bundles_dir / "demo" / "en").glob("*.json") if HASHED.match(p.name)
    ]
    assert [name.split(".", 1)[1] for name in hashed] == ["2.json"]


def test_verify_names_expired_metadata_and_a_target_changed_on_disk(store, app, bundles_dir):
    runner = app.test_cli_runner()
    build(bundles_dir, store.root, now=datetime.now(UTC) - timedelta(days=2))
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code != 0
    assert f"{store.root / 'tuf' / 'timestamp.json'}: expired at" in result.output
    assert "'satchel refresh' signs expired TUF metadata anew" in result.output
    cli(runner, "refresh")
    assert "the TUF metadata are intact" in cli(runner, "verify")
    pointer = store.pointer_path("demo")
    pointer.write_text('{"locales": {"en": 7}}')
    result = runner.invoke(args=["bundles", "verify"])
    assert f"{pointer}: its bytes are not the ones the signed TUF targets list" in result.output


def test_verify_names_a_missing_hashed_copy_and_an_unlisted_manifest_and_refresh_repairs_them(
    store, app, bundles_dir
):
    runner = app.test_cli_runner()
    build(bundles_dir, store.root)
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    build(bundles_dir, store.root)  # version 2, and the update from version 1
    listed = current_metadata(store, "targets").signed.targets
    folder = store.bundles_dir / "demo" / "en"
    hashed = folder / f"{listed[MANIFEST.format(2)].hashes['sha256']}.2.json"
    hashed.unlink()
    stray = folder / "3.json"
    shutil.copy(folder / "2.json", stray)
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code != 0
    assert (
        f"{hashed}: the signed TUF targets list it, but it is missing: 'satchel refresh' links "
        "a hashed copy (<sha256>.<name>) again" in result.output
    )
    assert (
        f"{stray}: the signed TUF targets do not list it, so devices refuse it: 'satchel "
        "refresh' lists it if you published it; else delete it" in result.output
    )
    stray.unlink()
    cli(runner, "refresh")
    assert "the TUF metadata are intact" in cli(runner, "verify")
