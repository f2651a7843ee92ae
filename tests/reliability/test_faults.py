"""Faults during a build never leave readers with a broken or mixed version, of the data
folder or of the bucket it is uploaded to."""

from __future__ import annotations

import errno
import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from satchel import create_app
from satchel.bucket import Bucket, push
from satchel.errors import PublishFailed
from satchel.manifest import object_names
from satchel.stages.pipeline import build
from satchel.store import POINTER, Store, encoded

from ..helpers.bundles import summary_text, write_bundle
from ..helpers.translating import SPANISH, translate

PROJECT = Path(__file__).resolve().parents[2]

# (module:function, n-th call): spread over load, validate, render, translate, pack,
# publish.
KILL_POINTS = [
    ("satchel.stages.source:load_bundle", 1),
    ("satchel.stages.source:load_summary", 2),
    ("satchel.stages.source:parse_yaml", 4),
    ("satchel.stages.source:split_sections", 3),
    ("satchel.stages.validate:validate_bundle", 2),
    ("satchel.stages.validate:schema_problems", 5),
    ("satchel.stages.render:render_bundle", 1),
    ("satchel.stages.render:render_text", 6),
    ("satchel.stages.render:render_summary", 4),
    ("satchel.stages.translate:localise", 2),
    ("satchel.stages.translate:Chain.pick", 20),
    ("satchel.stages.pack:pack_bundle", 1),
    ("satchel.stages.pack:pack_bundle", 3),
    ("satchel.stages.publish:write_with_siblings", 1),
    ("satchel.stages.publish:write_with_siblings", 6),
    ("satchel.store:write_atomically", 4),
    ("satchel.store:write_atomically", 14),
    ("satchel.stages.publish:publish_bundle", 2),
    ("satchel.stages.publish:next_manifest", 3),
    ("satchel.stages.publish:prune", 1),
]
# Against a bucket: the upload's own kill points: before it, after a few files, between
# the last file and the first pointer, and at its deletions. The bucket is written by
# the upload stage alone, the last: a build killed at any earlier point leaves it as
# untouched as one killed at ``push#1``, and the data folder's kill tests above cover
# the rest of that build.
BUCKET_KILL_POINTS = [
    ("satchel.bucket:push", 1),
    ("satchel.bucket:Bucket.put_file", 3),
    ("satchel.bucket:Bucket.put_file", 30),
    ("satchel.bucket:upload_pointers", 1),
    ("satchel.bucket:Bucket.delete_files", 1),
]


def kill_id(target: str, nth: int) -> str:
    return f"{target.partition(':')[2]}#{nth}"


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """Two bundles with a Spanish catalog, published once, then edited: made once for
    the module, each test takes its own copy (``sources``)."""
    root = tmp_path_factory.mktemp("published")
    bundles, translations, data = root / "bundles", root / "translations", root / "d"
    write_bundle(bundles, "demo")
    write_bundle(bundles, "other")
    app = create_app(
        {"BUNDLES_DIR": str(bundles), "DATA_DIR": str(data), "TRANSLATIONS_DIR": str(translations)}
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["i18n", "add-language", "es", "--bundle", "demo"]).exit_code == 0
    translate(translations / "es" / "LC_MESSAGES" / "demo.po", SPANISH)
    build(bundles, data, translations_dir=translations)
    for bundle in ("demo", "other"):
        for sid in ("alpha", "beta"):
            path = bundles / bundle / "summaries" / f"{sid}.md"
            path.write_text(path.read_text().replace("120 people", "130 people"))
    return root


@pytest.fixture
def sources(published_once, tmp_path):
    """This test's copy of the bundles, their catalogs and the folder they were
    published to (version 1): ``(bundles, translations, data)``."""
    shutil.copytree(published_once, tmp_path, dirs_exist_ok=True)
    return tmp_path / "bundles", tmp_path / "translations", tmp_path / "d"


@pytest.fixture(scope="module")
def builds(published_once, tmp_path_factory):
    """Builds in child processes forked from ``build_server.py``, each killed at the
    ``nth`` call of ``target`` or run to its end, all running a copy of the package and
    the catalogs it ships made for the module. The rules version in every manifest is a
    digest of the source (``satchel.code``): had the build after a killed one run other
    code (the checkout edited while the suite runs), it would rightly publish a version
    3, as any rule change does."""
    code = tmp_path_factory.mktemp("code")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT / "satchel", code / "satchel", ignore=ignore)
    shutil.copytree(PROJECT / "translations", code / "translations", ignore=ignore)
    shutil.copy(Path(__file__).with_name("build_server.py"), code)
    bundles, translations = published_once / "bundles", published_once / "translations"
    log = code / "server.log"
    with (
        log.open("w") as errors,
        subprocess.Popen(
            [sys.executable, "build_server.py", bundles, translations, code / "warm-up"],
            cwd=code,  # the script's folder comes first on sys.path: the copy is imported
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as server,
    ):
        yield functools.partial(run_build, server, log)  # closing stdin stops the server


@dataclass
class Built:
    returncode: int  # -9 when killed
    output: str


def run_build(server, server_log: Path, bundles, data, translations, target="", nth=0, store=()):
    """Build in a child of the build server, killed at the ``nth`` call of ``target``
    (``module:qualname``); ``store``: the STORE URL and endpoint of a bucket to upload to."""
    log = data.with_name(f"{data.name}.log")
    request = {
        "bundles": str(bundles),
        "data": str(data),
        "translations": str(translations),
        "target": target,
        "nth": nth,
        "store": list(store),
        "log": str(log),
        "environment": dict(os.environ),
    }
    server.stdin.write(json.dumps(request) + "\n")
    server.stdin.flush()
    answer = server.stdout.readline()
    assert answer, f"the build server stopped: {server_log.read_text()}"
    return Built(json.loads(answer), log.read_text())


def assert_consistent(data: Path) -> dict:
    """Every published manifest is whole: each object it names is there and intact."""
    store = Store(data)
    client = create_app({"DATA_DIR": str(data)}).test_client()
    seen = {}
    for bundle in store.bundles():
        for locale, version in store.current(bundle).items():
            response = client.get(f"/api/v1/bundles/{bundle}/{locale}")
            assert response.status_code == 200
            manifest = response.json
            assert manifest["version"] == version
            for name in object_names(manifest):
                assert hashlib.sha256(store.object_path(name).read_bytes()).hexdigest() == name
            seen[(bundle, locale)] = version
    return seen


@pytest.mark.parametrize("target, nth", KILL_POINTS, ids=[kill_id(*point) for point in KILL_POINTS])
def test_sigkill_anywhere_leaves_a_whole_version(sources, builds, tmp_path, target, nth):
    bundles, translations, baseline = sources
    data = tmp_path / "killed"
    shutil.copytree(baseline, data)
    result = builds(bundles, data, translations, target, nth)
    assert result.returncode == -9, f"never reached {target}#{nth}: {result.output}"
    before = assert_consistent(data)
    assert set(before.values()) <= {1, 2}
    result = builds(bundles, data, translations)
    assert result.returncode == 0, result.output
    after = assert_consistent(data)
    assert set(after.values()) == {2}
    store = Store(data)
    assert not list(data.rglob(".tmp-*"))
    on_disk = {p.name for p in store.objects_dir.glob("*/*") if "." not in p.name}
    assert on_disk == store.kept_objects()


def assert_bucket_consistent(bucket: Bucket) -> dict:
    """Every manifest a pointer of the bucket names is there, and each object it names is
    there and intact: what a reader of the bucket (a CDN, a mirror, a pull) follows."""
    seen = {}
    for stored in bucket.listing():
        if pointer := POINTER.fullmatch(stored):
            bundle = pointer.group(1)
            for locale, version in json.loads(bucket.get(stored))["locales"].items():
                manifest = bucket.get(f"bundles/{bundle}/{locale}/{version}.json")
                assert manifest, f"{stored} names {locale} v{version}, not in the bucket"
                manifest = json.loads(manifest)
                assert manifest["version"] == version
                for name in object_names(manifest):
                    data = bucket.get(f"objects/{name[:2]}/{name}") or b""
                    assert hashlib.sha256(data).hexdigest() == name
                seen[(bundle, locale)] = version
    return seen


@pytest.mark.parametrize(
    "target, nth", BUCKET_KILL_POINTS, ids=[kill_id(*point) for point in BUCKET_KILL_POINTS]
)
def test_sigkill_anywhere_leaves_the_bucket_serving_a_whole_version(
    sources, builds, tmp_path, bucket_config, target, nth
):
    bundles, translations, baseline = sources
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    store = (bucket_config["STORE"], bucket_config["S3_ENDPOINT"])
    bucket = Bucket.from_url(*store)
    push(Store(data), bucket)  # the bucket serves version 1, as the folder does
    result = builds(bundles, data, translations, target, nth, store)
    assert result.returncode == -9, f"never reached {target}#{nth}: {result.output}"
    assert set(assert_bucket_consistent(bucket).values()) <= {1, 2}
    result = builds(bundles, data, translations, store=store)
    assert result.returncode == 0, result.output
    assert set(assert_bucket_consistent(bucket).values()) == {2}
    listed = {stored.rpartition("/")[2] for stored in bucket.listing() if "objects/" in stored}
    assert {name for name in listed if "." not in name} == Store(data).kept_objects()


@pytest.mark.parametrize("failing_write", [1, 5, 12, "pointer"])
@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
def test_disk_full_or_read_only_keeps_the_published_version(
    sources, monkeypatch, failing_write, error
):
    bundles, translations, data = sources
    before = assert_consistent(data)
    from satchel.stages import publish

    real_write, calls = publish.write_atomically, []

    def faulty(path, payload, durable=False):
        calls.append(path)
        if failing_write == len(calls) or (
            failing_write == "pointer" and path.name == "current.json"
        ):
            raise OSError(error, errno.errorcode[error], str(path))
        return real_write(path, payload, durable)

    monkeypatch.setattr(publish, "write_atomically", faulty)
    with pytest.raises(PublishFailed) as failure:
        build(bundles, data, translations_dir=translations)
    message = str(failure.value)
    assert "published version is unchanged" in message and str(data) in message
    assert assert_consistent(data) == before
    monkeypatch.undo()
    build(bundles, data, translations_dir=translations)
    assert set(assert_consistent(data).values()) == {2}
    assert not list(data.rglob(".tmp-*"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "bad-br"])
def test_verify_reports_damage_and_build_repairs_it(sources, damage):
    bundles, translations, data = sources
    app = create_app(
        {"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles), "TRANSLATIONS_DIR": str(translations)}
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["bundles", "verify"]).exit_code == 0
    store = Store(data)
    name = store.manifest("demo", "en", 1)["articles"][2]["object"]  # gamma: in v1 and v2
    path = store.object_path(name)
    if damage == "flip":
        raw = bytearray(path.read_bytes())
        raw[10] ^= 1
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "delete":
        path.unlink()
    else:
        store.object_path(name, "br").write_bytes(b"not brotli")
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code == 1
    assert str(path) in result.output
    build(bundles, data, translations_dir=translations)
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_build_replaces_a_damaged_device_search_segment(sources):
    bundles, translations, data = sources
    store = Store(data)
    segment = store.manifest("demo", "en", 1)["search"]["segments"][0]["object"]
    path = store.object_path(segment)
    path.write_bytes(path.read_bytes()[:-7])
    build(bundles, data, translations_dir=translations)
    assert assert_consistent(data)[("demo", "en")] == 2
    segments = Store(data).manifest("demo", "en", 2)["search"]["segments"]
    assert [s["object"] for s in segments] != [segment]


def test_replaced_versions_outlive_retention_for_the_grace_period(tmp_path):
    bundles, data = tmp_path / "bundles", tmp_path / "data"
    folder = write_bundle(bundles, "demo", retain=1)
    for n in range(3):
        (folder / "summaries" / "gamma.md").write_text(summary_text("gamma", title=f"Take {n}"))
        build(bundles, data, prune_grace=3600)
    assert Store(data).versions("demo", "en") == [1, 2, 3]
    build(bundles, data, prune_grace=0)
    assert Store(data).versions("demo", "en") == [3]


def test_limits_on_source_files(bundles_dir, tmp_path):
    from satchel.stages.source import Limits

    with pytest.raises(Exception, match=r"holds 3 files; the limit is 2 \(BUNDLE_MAX_FILES\)"):
        build(bundles_dir, tmp_path / "d", limits=Limits(max_files=2))
    with pytest.raises(Exception, match=r"alpha\.md: file: is [\d,]+ bytes; the limit is 500"):
        build(bundles_dir, tmp_path / "d", limits=Limits(max_file_bytes=500))
    assert Store(tmp_path / "d").bundles() == []


@pytest.mark.parametrize("damaged", ["pack", "manifest copy", "truncated manifest copy"])
def test_verify_reports_a_damaged_pack_or_manifest_copy(sources, damaged):
    _bundles, _translations, data = sources
    app = create_app({"DATA_DIR": str(data)})
    runner, client = app.test_cli_runner(), app.test_client()
    result = runner.invoke(args=["bundles", "compress-packs"])
    assert "Compressed the demo/en v1 pack" in result.output
    store = Store(data)
    path = (
        encoded(store.pack_path("demo", "en", 1), "br")
        if damaged == "pack"
        else encoded(store.manifest_path("demo", "en", 1), "gzip")
    )
    damage = {
        "pack": b"\x1b\x00",
        "manifest copy": gzip.compress(b'{"articles": []}'),
        "truncated manifest copy": path.read_bytes()[:-9],
    }
    path.write_bytes(damage[damaged])
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code == 1 and f"{path}: corrupt" in result.output
    # As the message says: delete it, make the pack again, and all is well.
    path.unlink()
    runner.invoke(args=["bundles", "compress-packs"])
    result = runner.invoke(args=["bundles", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    manifest = client.get("/api/v1/bundles/demo/en", headers={"Accept-Encoding": "gzip"})
    body = manifest.data
    if damaged == "pack":
        body = gzip.decompress(body)  # the manifest's gzip copy was never touched
    assert manifest.headers.get("Content-Encoding") == ("gzip" if damaged == "pack" else None)
    assert json.loads(body)["version"] == 1
