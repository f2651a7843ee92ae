"""Faults during a build never leave readers with a broken or mixed version, of the data
folder or of the bucket it is uploaded to."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
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

# Run a build in a child process that SIGKILLs itself on the n-th call of a function
# (a target of "" runs the build to its end), uploading to the bucket of a STORE URL and
# endpoint when given.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    bundles, data, translations, target, nth, *store = sys.argv[1:]
    calls = 0

    def hook(frame, event, arg):
        global calls
        if event == "call" and frame.f_code.co_name == target \\
                and frame.f_globals.get("__name__", "").startswith("satchel."):
            calls += 1
            if calls == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(hook)
    from satchel.bucket import Bucket
    from satchel.stages.pipeline import build
    bucket = Bucket.from_url(*store) if store else None
    build(Path(bundles), Path(data), translations_dir=Path(translations), bucket=bucket)
    print(f"finished after {calls} calls of {target}")
""")

# (function, n-th call): spread over load, validate, render, translate, pack, publish.
KILL_POINTS = [
    ("load_bundle", 1),
    ("load_summary", 2),
    ("parse_yaml", 4),
    ("split_sections", 3),
    ("validate_bundle", 2),
    ("schema_problems", 5),
    ("render_bundle", 1),
    ("render_text", 6),
    ("render_summary", 4),
    ("localise", 2),
    ("pick", 20),
    ("pack_bundle", 1),
    ("pack_bundle", 3),
    ("write_object", 1),
    ("write_object", 6),
    ("write_atomically", 4),
    ("write_atomically", 14),
    ("publish_bundle", 2),
    ("next_manifest", 3),
    ("prune", 1),
]
# Against a bucket: the upload's own kill points: before it, after a few files, between
# the last file and the first pointer, and at its deletions. The bucket is written by
# the upload stage alone, the last: a build killed at any earlier point leaves it as
# untouched as one killed at ``push#1``, and the data folder's kill tests above cover
# the rest of that build.
BUCKET_KILL_POINTS = [
    ("push", 1),
    ("put_file", 3),
    ("put_file", 30),
    ("upload_pointers", 1),
    ("delete_files", 1),
]


@pytest.fixture
def sources(tmp_path):
    """Two bundles with a Spanish catalog, published once, then edited."""
    bundles, translations, data = tmp_path / "bundles", tmp_path / "translations", tmp_path / "d"
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
    return bundles, translations, data


@pytest.fixture(scope="module")
def frozen_code(tmp_path_factory):
    """A copy of the package and the catalogs it ships, for the killed build and the one
    after it to run the very same code. The rules version in every manifest is a digest
    of the source (``satchel.code``): had the second build run other code than the
    first (the checkout edited while the suite runs), it would rightly publish a
    version 3, as any rule change does."""
    folder = tmp_path_factory.mktemp("code")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT / "satchel", folder / "satchel", ignore=ignore)
    shutil.copytree(PROJECT / "translations", folder / "translations", ignore=ignore)
    return folder


def run_build(
    code: Path, bundles: Path, data: Path, translations: Path, target="", nth=0, store=()
):
    """Build in a child process running ``code``, killed at the ``nth`` call of ``target``;
    ``store``: the STORE URL and endpoint of a bucket to upload to."""
    arguments = [str(bundles), str(data), str(translations), target, str(nth), *store]
    return subprocess.run(
        [sys.executable, "-c", KILLER, *arguments],
        cwd=code,  # with -c the current folder comes first on sys.path: ``code`` is imported
        capture_output=True,
        text=True,
        timeout=120,
    )


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


@pytest.mark.parametrize("target, nth", KILL_POINTS, ids=[f"{t}#{n}" for t, n in KILL_POINTS])
def test_sigkill_anywhere_leaves_a_whole_version(sources, frozen_code, tmp_path, target, nth):
    bundles, translations, baseline = sources
    data = tmp_path / f"killed-{target}-{nth}"
    shutil.copytree(baseline, data)
    result = run_build(frozen_code, bundles, data, translations, target, nth)
    assert result.returncode == -9, f"never reached {target}#{nth}: {result.stdout}"
    before = assert_consistent(data)
    assert set(before.values()) <= {1, 2}
    result = run_build(frozen_code, bundles, data, translations)
    assert result.returncode == 0, result.stderr
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
    "target, nth", BUCKET_KILL_POINTS, ids=[f"{t}#{n}" for t, n in BUCKET_KILL_POINTS]
)
def test_sigkill_anywhere_leaves_the_bucket_serving_a_whole_version(
    sources, frozen_code, tmp_path, bucket_config, target, nth
):
    bundles, translations, baseline = sources
    data = tmp_path / "data"
    shutil.copytree(baseline, data)
    store = (bucket_config["STORE"], bucket_config["S3_ENDPOINT"])
    bucket = Bucket.from_url(*store)
    push(Store(data), bucket)  # the bucket serves version 1, as the folder does
    result = run_build(frozen_code, bundles, data, translations, target, nth, store)
    assert result.returncode == -9, f"never reached {target}#{nth}: {result.stdout}"
    assert set(assert_bucket_consistent(bucket).values()) <= {1, 2}
    result = run_build(frozen_code, bundles, data, translations, store=store)
    assert result.returncode == 0, result.stderr
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
