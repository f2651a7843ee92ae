"""The device's TUF client (static/lib/tuf.js) in Chromium, against a mirror under the test's
control: a data folder the test builds, forges and serves through ``page.route``. It follows
the publisher across root rotations and refuses what python-tuf's ngclient refuses (tests/
stages/test_repository.py): an expired timestamp, a rollback, a snapshot naming other targets
than the ones served, targets signed by a revoked key, a root below its threshold."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.formats import encode_canonical

from satchel.stages.pipeline import build
from satchel.stages.repository import KeyFolders, current_metadata, find_signer
from satchel.stages.sign import describe_key, open_signer, rotate
from satchel.store import Store

from ..helpers.bundles import summary_text
from ..helpers.tuf_forgery import forge_root_below_threshold, forge_targets_signed_by
from .conftest import ready

MIRROR = "/mirror/"
MANIFEST = "bundles/demo/en/{}.json"

REFRESH = """async ([state, now]) => {
  const tuf = await import("/static/lib/tuf.js");
  const fetchMetadata = async (name) => {
    const response = await fetch(`/mirror/tuf/${name}`);
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
  };
  try {
    return {state: await tuf.refresh(state, fetchMetadata, {now: new Date(now), source: "Mirror"})};
  } catch (error) {
    if (!error.code) throw error;
    return {error: error.code, role: error.role, source: error.source,
            date: error.date && error.date.toISOString()};
  }
}"""

CHECK = """async ([targets, path, text]) => {
  const tuf = await import("/static/lib/tuf.js");
  try {
    await tuf.checkTarget(targets, path, new TextEncoder().encode(text));
    return "accepted";
  } catch (error) {
    return error.code;
  }
}"""


class Device:
    """A page whose TUF client trusts the mirror's first root, as one that migrated does."""

    def __init__(self, page, store: Store):
        self.page = page
        self.state = {"root": json.loads((store.root / "tuf" / "1.root.json").read_bytes())}

    def refresh(self, now: datetime | None = None) -> dict:
        now = (now or datetime.now(UTC)).isoformat()
        answer = self.page.evaluate(REFRESH, [self.state, now])
        self.state = answer.get("state", self.state)
        return answer

    def check(self, path: str, data: bytes) -> str:
        return self.page.evaluate(CHECK, [self.state["targets"], path, data.decode()])


def serve_mirror(route, root: Path) -> None:
    path = root / route.request.url.split(MIRROR, 1)[1]
    if path.is_file():
        route.fulfill(status=200, body=path.read_bytes(), content_type="application/json")
    else:
        route.fulfill(status=404, body=b"")


@pytest.fixture
def mirror(app, bundles_dir):
    """The app's data folder (the CLI's ``runner`` changes it), built once."""
    store = Store(app.config["DATA_DIR"])
    build(bundles_dir, store.root)
    return store


@pytest.fixture
def device(new_page, live_server, mirror):
    # No service worker: once one controls the page, its fetches of /mirror/ may pass
    # the test's route by (the first refresh then found no metadata, now and then).
    page = new_page(service_workers="block")
    ready(page, live_server + "/")
    page.route(f"**{MIRROR}**", lambda route: serve_mirror(route, mirror.root))
    return Device(page, mirror)


def cli(runner, *args) -> None:
    result = runner.invoke(args=["bundles", *args])
    assert result.exit_code == 0, result.output


TRICKY = [
    {"b": 1, "a": [True, False, None], "": "empty key"},
    'quote " and back\\slash',
    "control \n\t\x01\x1f and DEL \x7f",
    "é ü ß 中文 עברית",
    {"\uff5e": 1, "😀": 2, "a": 3, "Z": 4, "\ue000": 5},
    [0, -7, 2**53 - 1, -(2**53 - 1)],
    {"nested": {"z": [{"y": "x"}], "a": {}}},
]


def test_canonical_json_is_securesystemslib_s(device):
    script = """async (values) => {
      const tuf = await import("/static/lib/tuf.js");
      return values.map((value) => Array.from(tuf.canonicalBytes(value)));
    }"""
    got = device.page.evaluate(script, TRICKY)
    assert [bytes(b) for b in got] == [encode_canonical(v).encode() for v in TRICKY]
    refused = """async () => {
      const tuf = await import("/static/lib/tuf.js");
      try { tuf.canonicalBytes({a: 1.5}); } catch (error) { return error.code; }
    }"""
    assert device.page.evaluate(refused) == "bad_metadata"  # as securesystemslib refuses floats


def test_the_device_verifies_the_current_manifest_and_refuses_any_other(
    device, mirror, bundles_dir
):
    assert "state" in device.refresh()
    manifest = mirror.manifest_bytes("demo", "en", 1)
    assert device.check(MANIFEST.format(1), manifest) == "accepted"
    changed = manifest.replace(b"Title of alpha", b"Title of alphA")
    assert device.check(MANIFEST.format(1), changed) == "not_in_targets"
    publish_a_new_version(bundles_dir, mirror)
    assert "state" in device.refresh()
    # The old manifest served where the new one is: refused.
    assert device.check(MANIFEST.format(2), manifest) == "not_in_targets"
    assert device.check(MANIFEST.format(2), mirror.manifest_bytes("demo", "en", 2)) == "accepted"


def publish_a_new_version(bundles_dir: Path, mirror: Store) -> None:
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    build(bundles_dir, mirror.root)


def test_a_frozen_mirror_is_refused_naming_the_source_and_date(device, mirror):
    expires = current_metadata(mirror, "timestamp").signed.expires
    answer = device.refresh(now=expires + timedelta(minutes=1))
    assert answer["error"] == "stale_source" and answer["source"] == "Mirror"
    assert answer["date"] == expires.isoformat().replace("+00:00", ".000Z")
    assert "state" in device.refresh()


def test_an_older_timestamp_is_a_rollback(device, mirror, runner):
    old = (mirror.root / "tuf" / "timestamp.json").read_bytes()
    cli(runner, "refresh")
    assert "state" in device.refresh()
    (mirror.root / "tuf" / "timestamp.json").write_bytes(old)
    assert device.refresh()["error"] == "rollback"


def test_a_snapshot_naming_other_targets_than_those_served_is_refused(device, mirror, bundles_dir):
    publish_a_new_version(bundles_dir, mirror)
    folder = mirror.root / "tuf"
    shutil.copy(folder / "1.targets.json", folder / "2.targets.json")
    answer = device.refresh()
    assert (answer["error"], answer["role"]) == ("mixed_metadata", "targets")


def test_rotations_are_followed_and_a_revoked_targets_key_refused(device, mirror, runner, tmp_path):
    offline = tmp_path / "usb"
    cli(runner, "keys", "ceremony", "--offline", str(offline))
    (targets_key,) = current_metadata(mirror, "root").signed.roles["targets"].keyids
    stolen = find_signer(targets_key, KeyFolders.of(mirror))
    cli(runner, "keys", "rotate-role", "targets", "--offline", str(offline))
    answer = device.refresh()  # from root 1 across 2 to 3
    assert answer["state"]["root"]["signed"]["version"] == 3
    forge_targets_signed_by(mirror, stolen, MANIFEST.format(1))
    answer = device.refresh()
    assert (answer["error"], answer["role"]) == ("untrusted_metadata", "targets")


def test_a_root_below_its_threshold_is_refused(device, mirror, runner, tmp_path):
    offline = tmp_path / "usb"
    cli(runner, "keys", "ceremony", "--offline", str(offline))
    forge_root_below_threshold(mirror, offline)
    answer = device.refresh()
    assert (answer["error"], answer["role"]) == ("untrusted_metadata", "root")


MIGRATE = """async ([root, keys]) => {
  const tuf = await import("/static/lib/tuf.js");
  return tuf.signedByPublisher(root, keys);
}"""


def test_a_device_trusting_the_publisher_key_trusts_the_first_root_and_no_other(device, mirror):
    root = json.loads((mirror.root / "tuf" / "1.root.json").read_bytes())
    publisher = mirror.publisher_keys()
    stranger = describe_key(Ed25519PrivateKey.generate().public_key())
    assert device.page.evaluate(MIGRATE, [root, publisher]) is True
    assert device.page.evaluate(MIGRATE, [root, [stranger]]) is False
    unendorsed = {**root, "signatures": root["signatures"][:1]}  # the root key's alone
    assert device.page.evaluate(MIGRATE, [unendorsed, publisher]) is False
    changed = {**root, "signed": {**root["signed"], "expires": "2099-01-01T00:00:00Z"}}
    assert device.page.evaluate(MIGRATE, [changed, publisher]) is False


def test_a_device_trusting_only_an_older_publisher_key_trusts_the_first_root(
    page, live_server, bundles_dir, tmp_path
):
    store = Store(tmp_path / "data")
    (older,) = open_signer(store).keys
    rotate(store)  # before the first TUF root: devices that never updated trust only `older`
    build(bundles_dir, store.root)
    root = json.loads((store.root / "tuf" / "1.root.json").read_bytes())
    ready(page, live_server + "/")
    assert page.evaluate(MIGRATE, [root, [older]]) is True
    assert page.evaluate(MIGRATE, [root, store.publisher_keys()[1:]]) is True
