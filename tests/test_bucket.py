"""Publishing to an S3-compatible bucket (a real SeaweedFS): what a build uploads and how
it is served, ``satchel verify`` on the bucket, and search worker groups that share no
disk, each pulling its data folder from the bucket."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from fnmatch import fnmatchcase as fnmatch
from pathlib import Path

import pytest
from tuf.ngclient import Updater

from deploy.cdn import cdn_stand_in
from deploy.groups import WorkerGroup
from deploy.seaweedfs import CREDENTIALS
from deploy.topology import free_port
from satchel import create_app
from satchel.bucket import READER_PATHS
from satchel.stages.publish import build_lock
from satchel.stages.repository import current_metadata
from satchel.store import CACHE_CONTROL, INDEX_FILE, Store, public_kind

from .helpers.bundles import summary_text
from .helpers.static_server import static_server


def publisher(data: Path, bundles: Path, bucket_config: dict):
    """The command line of a publisher building ``bundles`` into ``data`` and the bucket."""
    config = {"BUNDLES_DIR": str(bundles), "DATA_DIR": str(data), **bucket_config}
    return create_app({"TESTING": True, **config}).test_cli_runner()


def satchel(runner, *args, ok=True):
    result = runner.invoke(args=["bundles", *args])
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def bucket_files(seaweedfs, bucket_config) -> dict[str, dict]:
    """Every file under the bucket's prefix: relative path → its HEAD answer."""
    bucket, prefix = bucket_config["STORE"].removeprefix("s3://").split("/", 1)
    client = seaweedfs.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/").get("Contents", [])
    return {
        entry["Key"].removeprefix(f"{prefix}/"): client.head_object(Bucket=bucket, Key=entry["Key"])
        for entry in listed
    }


def test_a_build_uploads_the_public_tree_with_its_cache_policy_and_nothing_private(
    tmp_path, bundles_dir, bucket_config, seaweedfs
):
    output = satchel(publisher(tmp_path / "data", bundles_dir, bucket_config), "build")
    assert "(pointers last)" in output
    store = Store(tmp_path / "data")
    stored = bucket_files(seaweedfs, bucket_config)
    public = {path for path in store.files() if public_kind(path)}
    indexes = {f"server/{path}" for path in store.files() if INDEX_FILE.fullmatch(path)}
    assert indexes and set(stored) == public | indexes
    readable = {path for path in stored if any(fnmatch(path, rule) for rule in READER_PATHS)}
    assert readable == public, "satchel reader-policy opens the public tree, not the indexes"
    assert {"bundles/demo/current.json", "keys/keyring.json"} <= public
    assert any(path.endswith(".pack.ndjson.br") for path in public)
    assert not [path for path in stored if path.endswith(".pem") or "lock" in path]
    for path, head in stored.items():
        kind = public_kind(path)
        assert head["CacheControl"] == (CACHE_CONTROL[kind] if kind else "private, no-store")
    manifest = stored["bundles/demo/en/1.json.br"]
    assert (manifest["ContentType"], manifest["ContentEncoding"]) == ("application/json", "br")
    listing = store.manifest("demo", "en", 1)
    article, segment = listing["articles"][0]["object"], listing["search"]["segments"][0]["object"]
    # SeaweedFS (not S3) stores application/octet-stream as a type guessed from a file
    # name's extension: application/gzip for the segment's .gz copy.
    copies = {(article, "application/json"): ("", ".br", ".gz")}
    copies[segment, "application/octet-stream"] = ("", ".br")
    for (name, content_type), suffixes in copies.items():
        for suffix in suffixes:
            assert stored[f"objects/{name[:2]}/{name}{suffix}"]["ContentType"] == content_type
    assert stored["bundles/demo/current.json"]["CacheControl"] == "public, no-cache"


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_verify_names_a_damaged_object_in_the_bucket_and_push_repairs_it(
    tmp_path, bundles_dir, bucket_config, seaweedfs, damage
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    assert "and every manifest in s3://" in satchel(runner, "verify")
    name = Store(tmp_path / "data").manifest("demo", "en", 1)["articles"][1]["object"]
    bucket = bucket_config["STORE"].removeprefix("s3://").split("/")[0]
    key = f"site/objects/{name[:2]}/{name}"
    client = seaweedfs.client()
    if damage == "flip":
        raw = bytearray(client.get_object(Bucket=bucket, Key=key)["Body"].read())
        raw[10] ^= 1
        client.put_object(Bucket=bucket, Key=key, Body=bytes(raw))
    else:
        client.delete_object(Bucket=bucket, Key=key)
    output = satchel(runner, "verify", ok=False)
    problem = "corrupt: its sha256 does not match its name" if damage == "flip" else "missing"
    assert f"s3://{bucket}/{key}: {problem}" in output
    assert "'satchel push' uploads again" in output
    assert "Uploaded 1 files" in satchel(runner, "push")
    assert "are intact" in satchel(runner, "verify")


def test_verify_checks_the_bucket_against_its_tuf_targets_and_push_repairs_it(
    tmp_path, bundles_dir, bucket_config, seaweedfs
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    listed = current_metadata(Store(tmp_path / "data"), "targets").signed.targets["bundles.json"]
    hashed = f"{listed.hashes['sha256']}.bundles.json"
    bucket = bucket_config["STORE"].removeprefix("s3://").split("/")[0]
    stray = "bundles/demo/fr/1.json"  # a manifest no pointer names
    client = seaweedfs.client()
    client.delete_object(Bucket=bucket, Key=f"site/{hashed}")
    client.put_object(Bucket=bucket, Key=f"site/{stray}", Body=b"{}")
    output = satchel(runner, "verify", ok=False)
    assert (
        f"s3://{bucket}/site/{hashed}: the signed TUF targets list it, but it is missing: run "
        "'satchel push'" in output
    )
    assert f"s3://{bucket}/site/{stray}: the signed TUF targets do not list it" in output
    client.delete_object(Bucket=bucket, Key=f"site/{stray}")
    satchel(runner, "push")
    assert "and every manifest in s3://" in satchel(runner, "verify")


def get(port: int, path: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.status, response.read()


def search(port: int, q: str) -> dict | None:
    """The search answer of a worker group; None while it can't answer yet."""
    try:
        return json.loads(get(port, f"/api/v1/search?q={q}&bundle=demo&locale=en")[1])
    except OSError:
        return None


def wait_for(answer, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = answer()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no answer in {seconds} s")


def ids(answer: dict) -> list[str]:
    return [hit["id"] for hit in answer["hits"]]


def test_worker_groups_pulled_from_the_bucket_answer_alike_and_take_a_publish_unrestarted(
    tmp_path, bundles_dir, bucket_config
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    groups = [
        WorkerGroup(tmp_path / name, tmp_path / f"run-{name}", *bucket_config.values()).start()
        for name in ("a", "b")
    ]
    try:
        answers = [search(group.port, "tired") for group in groups]
        assert answers[0] == answers[1] and len(ids(answers[0])) == 3
        assert not list((tmp_path / "a").rglob("*.pem"))
        served_by = [group.services["gunicorn"].pid() for group in groups]
        summary = bundles_dir / "demo" / "summaries" / "beta.md"
        summary.write_text(summary_text("beta", takeaway="Walnuts helped people sleep."))
        satchel(runner, "build")
        started = time.monotonic()
        found = [wait_for(lambda g=group: ids(search(g.port, "walnuts"))) for group in groups]
        assert found == [["beta"], ["beta"]] and time.monotonic() - started < 10
        assert [group.services["gunicorn"].pid() for group in groups] == served_by
    finally:
        for group in groups:
            group.stop()


def test_a_pull_keeps_the_served_version_while_the_bucket_lacks_a_file_of_the_new_one(
    tmp_path, bundles_dir, bucket_config, seaweedfs
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    worker = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "worker"), **bucket_config})
    assert "Pulled" in satchel(worker.test_cli_runner(), "pull")
    summary = bundles_dir / "demo" / "summaries" / "beta.md"
    summary.write_text(summary_text("beta", takeaway="Walnuts helped people sleep."))
    satchel(runner, "build")
    new = Store(tmp_path / "data").manifest("demo", "en", 2)["articles"][1]["object"]
    bucket = bucket_config["STORE"].removeprefix("s3://").split("/")[0]
    seaweedfs.client().delete_object(Bucket=bucket, Key=f"site/objects/{new[:2]}/{new}")
    output = satchel(worker.test_cli_runner(), "pull")
    assert (
        f"Kept back: bundles/demo/current.json: kept the folder's version; the bucket's "
        f"names objects/{new[:2]}/{new}" in output
    )
    client = worker.test_client()
    assert client.get("/api/v1/bundles/demo/en").json["version"] == 1
    assert client.get("/api/v1/search?q=walnuts&bundle=demo").json["hits"] == []
    satchel(runner, "push")  # as verify would say: the publisher uploads it again
    satchel(worker.test_cli_runner(), "pull")
    assert client.get("/api/v1/bundles/demo/en").json["version"] == 2
    assert ids(client.get("/api/v1/search?q=walnuts&bundle=demo").json) == ["beta"]


def test_one_pull_at_a_time_clears_what_a_killed_one_left(tmp_path, bundles_dir, bucket_config):
    satchel(publisher(tmp_path / "data", bundles_dir, bucket_config), "build")
    worker = Store(tmp_path / "worker")
    runner = create_app({"TESTING": True, "DATA_DIR": str(worker.root), **bucket_config})
    runner = runner.test_cli_runner()
    satchel(runner, "pull")
    debris = worker.objects_dir / "ab" / ".tmp-killed"
    debris.parent.mkdir(exist_ok=True)
    debris.write_bytes(b"half a file")
    with build_lock(worker):
        output = satchel(runner, "pull", ok=False)
    assert f"another build or pull is writing to {worker.root}; wait for it" in output
    satchel(runner, "pull")
    assert not debris.exists()


def test_a_bucket_that_is_down_fails_the_upload_with_what_to_do_and_the_folder_published(
    tmp_path, bundles_dir, monkeypatch
):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    down = {"STORE": "s3://content/site", "S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    output = satchel(publisher(tmp_path / "data", bundles_dir, down), "build", ok=False)
    assert "could not upload to s3://content/site/" in output
    assert "Readers of the bucket still get the version its pointers name" in output
    assert Store(tmp_path / "data").current("demo") == {"en": 1}


def test_a_store_that_is_not_an_s3_url_is_refused_by_name(tmp_path, bundles_dir):
    wrong = {"STORE": "/srv/bucket", "S3_ENDPOINT": ""}
    output = satchel(publisher(tmp_path / "data", bundles_dir, wrong), "build", ok=False)
    assert "STORE (SATCHEL_STORE) is '/srv/bucket': give s3://bucket" in output
    assert not (tmp_path / "data").exists()


def tuf_download(device: Path, url: str, published: Store, target: str) -> Path:
    """``target`` downloaded by python-tuf's reference client from the repository at ``url``,
    trusting the publisher's first root."""
    (device / "downloads").mkdir(parents=True)
    client = Updater(
        str(device),
        f"{url}tuf/",
        str(device / "downloads"),
        url,
        bootstrap=(published.root / "tuf" / "1.root.json").read_bytes(),
    )
    client.refresh()
    return Path(client.download_target(client.get_targetinfo(target)))


def test_ngclient_updates_from_the_bucket_behind_a_cdn(
    tmp_path, bundles_dir, bucket_config, seaweedfs
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    name = bucket_config["STORE"].removeprefix("s3://").split("/")[0]
    seaweedfs.client().put_bucket_policy(Bucket=name, Policy=satchel(runner, "reader-policy"))
    published = Store(tmp_path / "data")
    bucket_url = f"{bucket_config['S3_ENDPOINT']}/{bucket_config['STORE'].removeprefix('s3://')}/"
    with cdn_stand_in(bucket_url, tmp_path / "cdn") as cdn:
        manifest = tuf_download(tmp_path / "device", cdn, published, "bundles/demo/en/1.json")
    assert manifest.read_bytes() == published.manifest_bytes("demo", "en", 1)
    served = (tmp_path / "cdn" / "access.log").read_text()
    assert "/tuf/timestamp.json" in served and "/bundles/demo/en/" in served
    index = next(path for path in bucket_files(seaweedfs, bucket_config) if "server/" in path)
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(bucket_url + index)  # the search indexes stay private


def test_a_hotspot_synced_from_the_bucket_is_a_tuf_repository_refresh_keeps_fresh(
    tmp_path, bundles_dir, bucket_config
):
    runner = publisher(tmp_path / "data", bundles_dir, bucket_config)
    satchel(runner, "build")
    assert "Uploaded" in satchel(runner, "refresh")
    published = Store(tmp_path / "data")
    hotspot = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "hotspot"), **bucket_config})
    satchel(hotspot.test_cli_runner(), "pull")
    assert (tmp_path / "hotspot" / "tuf" / "timestamp.json").read_bytes() == (
        published.root / "tuf" / "timestamp.json"
    ).read_bytes(), "the refreshed timestamp reached the bucket"
    with static_server(tmp_path / "hotspot") as url:
        manifest = tuf_download(tmp_path / "device", url, published, "bundles/demo/en/1.json")
    assert manifest.read_bytes() == published.manifest_bytes("demo", "en", 1)
