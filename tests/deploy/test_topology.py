"""The production topology on loopback: nginx → gunicorn workers sharing Redis, what
readers send kept in PostgreSQL.

These tests start the real programs (Debian's nginx with its brotli module,
redis-server, PostgreSQL, gunicorn) on free loopback ports, as an operator would run
them, and check what a device or an operator would notice. Every loop is bounded.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import brotli
import pytest
from sqlalchemy import create_engine, select

from deploy.topology import Topology, _alive
from satchel import create_app
from satchel.bucket import Bucket
from satchel.reports.tables import feedback
from satchel.stages.pipeline import build
from satchel.stages.publish import compress_packs
from satchel.store import Store
from satchel.web.security import SECURITY_HEADERS
from satchel.web.shell import HASHED_NAME

from ..helpers.bundles import MANIFEST, write_bundle
from ..helpers.postgres import new_database
from ..helpers.redbot import ALLOWED, FAMILIES, redbot_problems_apart, served_paths
from ..helpers.web_clients import BufferedClient, fetch, fetch_all_headers

LOG_LINE = re.compile(r'pid=<(\d+)> rid=(\S+) "(\w+) (\S+)')
_ids = count()


def served_by(topology: Topology, tag: str) -> dict[str, int]:
    """Request id → gunicorn worker pid, for requests whose id starts with ``tag``."""
    text = topology.access_log_path.read_text() if topology.access_log_path.exists() else ""
    return {
        match[2]: int(match[1]) for match in LOG_LINE.finditer(text) if match[2].startswith(tag)
    }


def versions_from_every_worker(topology: Topology, tag: str, limit: int = 400) -> list:
    """Ask for the bundle list (which nginx never keeps), 8 at a time, until every
    worker has answered (or ``limit``).

    Returns [(status, version, worker pid)] for every request made.
    """
    workers = set(topology.worker_pids())
    results = {}

    def one(_):
        rid = f"{tag}-{next(_ids)}"
        status, _headers, body = fetch(topology.port, "/api/v1/bundles", {"X-Request-ID": rid})
        results[rid] = (status, json.loads(body)[0]["versions"]["en"])

    with ThreadPoolExecutor(8) as pool:
        while len(results) < limit:
            list(pool.map(one, range(24)))
            if set(served_by(topology, tag).values()) >= workers:
                break
    pids = served_by(topology, tag)
    return [(status, version, pids.get(rid)) for rid, (status, version) in results.items()]


def edit_and_publish(bundles: Path, data: Path, old: str, new: str) -> None:
    path = bundles / "demo" / "summaries" / "gamma.md"
    path.write_text(path.read_text().replace(old, new))
    build(bundles, data)


@pytest.fixture(scope="module")
def site(tmp_path_factory, built_app):
    root = tmp_path_factory.mktemp("prod")
    bundles, data = root / "bundles", root / "data"
    write_bundle(bundles, "demo")
    build(bundles, data)
    topology = Topology(data, root / "run", workers=3).start()
    yield topology, bundles, data
    stop_and_discard(topology)


def stop_and_discard(topology: Topology) -> list[str]:
    """Stop the topology and delete its cluster, which may live outside the test's folder."""
    stopped = topology.stop()
    shutil.rmtree(topology.postgres_dir.resolve())
    return stopped


def send_feedback(topology: Topology) -> dict:
    """A reader's "hard to understand" about gamma, sent through nginx; the report sent."""
    report = {"id": str(uuid.uuid4()), "bundle": "demo", "locale": "en", "article": "gamma",
              "version": 1, "answer": "hard", "note": "Too many long words"}  # fmt: skip
    body = json.dumps({"reports": [report]}).encode()
    status, _headers, answer = fetch(
        topology.port,
        "/api/v1/feedback",
        {"Content-Type": "application/json"},
        method="POST",
        body=body,
    )
    assert (status, json.loads(answer)) == (200, {"received": 1, "new": 1})
    return report


def feedback_in_postgres(topology: Topology) -> list[dict]:
    """The feedback rows of the topology's own PostgreSQL, read directly."""
    assert topology.describe()["database_url"].startswith("postgresql+psycopg://")
    engine = create_engine(topology.describe()["database_url"])
    try:
        with engine.connect() as connection:
            return [row._asdict() for row in connection.execute(select(feedback))]
    finally:
        engine.dispose()


def test_every_worker_serves_a_new_version_as_soon_as_it_is_published(site):
    topology, bundles, data = site
    before = versions_from_every_worker(topology, "before")
    assert {pid for _, _, pid in before} >= set(topology.worker_pids())
    assert {(status, version) for status, version, _ in before} == {(200, 1)}

    # Readers keep asking while the build publishes.
    flowing, stop = [[] for _ in range(4)], threading.Event()

    def reader(seen):
        for _ in range(2000):
            if stop.is_set():
                break
            status, _headers, body = fetch(topology.port, MANIFEST)
            seen.append((status, json.loads(body).get("version")))

    threads = [threading.Thread(target=reader, args=(seen,)) for seen in flowing]
    for thread in threads:
        thread.start()
    try:
        edit_and_publish(bundles, data, "120 people", "121 people")
        after = versions_from_every_worker(topology, "after")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    # Right after the publish, every worker serves version 2 and nothing older.
    assert {pid for _, _, pid in after} >= set(topology.worker_pids())
    assert {(status, version) for status, version, _ in after} == {(200, 2)}
    # While it happened, no reader saw an error or went back to an older version.
    for seen in flowing:
        assert seen and {status for status, _ in seen} == {200}
        versions = [version for _, version in seen]
        assert versions == sorted(versions)
        assert set(versions) <= {1, 2}


def within_a_second_of_publishing(data: Path, shown) -> None:
    """Ask ``shown()`` until it is true; fail if that is over a second after the switch to
    the new version (current.json's rename)."""
    switched = (data / "bundles" / "demo" / "current.json").stat().st_mtime
    while not shown():
        assert time.time() - switched <= 1.0, "a publish took over a second to show"
        time.sleep(0.02)


def latest_version_seen(topology: Topology, etag: str) -> tuple[int, int]:
    """The version a phone's update check and a manifest download get through nginx now."""
    status, headers, body = fetch(
        topology.port, MANIFEST + "/changes?since=1", {"If-None-Match": etag}
    )
    checked = 1 if status == 304 else json.loads(body)["to"]
    return checked, json.loads(fetch(topology.port, MANIFEST)[2])["version"]


def started_demo(tmp_path: Path, **settings) -> tuple[Topology, Path, Path]:
    """A topology of its own over a new demo bundle: (topology, bundles, data)."""
    bundles, data = tmp_path / "bundles", tmp_path / "data"
    write_bundle(bundles, "demo")
    build(bundles, data)
    return Topology(data, tmp_path / "run", **{"workers": 2, **settings}).start(), bundles, data


def test_a_worker_machine_serves_what_it_pulls_from_the_bucket(
    tmp_path, bucket_config, monkeypatch
):
    settings = {f"SATCHEL_{name}": value for name, value in bucket_config.items()}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    write_bundle(tmp_path / "bundles", "demo")
    bucket = Bucket.from_url(bucket_config["STORE"], bucket_config["S3_ENDPOINT"])
    build(tmp_path / "bundles", tmp_path / "publisher", bucket=bucket)
    topology = Topology(tmp_path / "worker", tmp_path / "run", workers=1, pull_every=1).start()
    try:
        deadline = time.monotonic() + 30
        while fetch(topology.port, MANIFEST)[0] != 200:
            assert time.monotonic() < deadline, "the worker machine never served the bundle"
            time.sleep(0.2)
        assert json.loads(fetch(topology.port, MANIFEST)[2])["version"] == 1
        assert topology.status()["pull"]
    finally:
        assert "pull" in topology.stop()


def test_feedback_sent_through_nginx_is_kept_in_the_topologys_postgresql(site):
    topology, _bundles, _data = site
    report = send_feedback(topology)
    [kept] = [row for row in feedback_in_postgres(topology) if row["id"] == report["id"]]
    assert (kept["article"], kept["answer"], kept["note"]) == ("gamma", "hard", report["note"])


def test_with_the_servers_own_postgresql_it_is_migrated_and_no_cluster_runs(tmp_path, postgres):
    database = new_database(postgres, tmp_path)
    topology, _bundles, _data = started_demo(tmp_path, workers=1, server_database_url=database)
    try:
        assert "postgres" not in topology.status()
        assert not topology.postgres_dir.exists()
        report = send_feedback(topology)
        assert [row["id"] for row in feedback_in_postgres(topology)] == [report["id"]]
        assert topology.describe()["database_url"] == database
    finally:
        assert sorted(topology.stop()) == ["gunicorn", "nginx", "redis"]


def test_nginx_answers_update_checks_and_a_publish_shows_within_a_second(tmp_path):
    topology, bundles, data = started_demo(tmp_path)
    try:
        etag = fetch(topology.port, MANIFEST)[1]["etag"]
        # Fifty phones checking at once: nginx answers, the app sees one or two of them.
        tag = f"checks-{next(_ids)}"
        for index in range(50):
            headers = {"If-None-Match": etag, "X-Request-ID": f"{tag}-{index}"}
            status, _headers, body = fetch(topology.port, MANIFEST + "/changes?since=1", headers)
            assert (status, body) == (304, b"")
        time.sleep(0.2)  # gunicorn writes its access log after answering
        assert 1 <= len(served_by(topology, tag)) <= 3
        # Errors keep the app's JSON shape and are never kept.
        status, _headers, body = fetch(topology.port, "/api/v1/bundles/demo/en/changes?since=9")
        assert (status, json.loads(body)["error"]["code"]) == (410, "version_expired")

        # Phones keep checking while a new version is published: each sees it within a
        # second of the switch to it (current.json's rename).
        assert latest_version_seen(topology, etag) == (1, 1)
        edit_and_publish(bundles, data, "120 people", "121 people")
        within_a_second_of_publishing(data, lambda: latest_version_seen(topology, etag) == (2, 2))
    finally:
        stop_and_discard(topology)


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br", "br, gzip"])
def test_nginx_serves_objects_from_disk_with_the_apps_bytes(site, encoding):
    topology, _bundles, _data = site
    manifest = json.loads(fetch(topology.port, MANIFEST)[2])
    names = [entry["object"] for entry in manifest["articles"] + manifest["about"]]
    tag = f"object-{next(_ids)}"
    for name in names:
        path = f"/api/v1/objects/{name}"
        headers = {"Accept-Encoding": encoding}
        via_nginx = fetch(topology.port, path, {**headers, "X-Request-ID": f"{tag}-{name}"})
        from_app = fetch(topology.app_port, path, headers)
        assert via_nginx[0] == from_app[0] == 200
        assert via_nginx[2] == from_app[2]
        for header in ("content-type", "content-encoding", "vary", "cache-control"):
            assert via_nginx[1].get(header) == from_app[1].get(header), header
        assert "immutable" in via_nginx[1]["cache-control"]
        assert via_nginx[1]["etag"]
    # Served by nginx itself: gunicorn's log holds only the one request we sent it on purpose.
    control = f"{tag}-list"
    fetch(topology.port, "/api/v1/bundles", {"X-Request-ID": control})
    assert only_the_control_reached_gunicorn(topology, tag, control)


def only_the_control_reached_gunicorn(topology: Topology, tag: str, control: str) -> bool:
    """True if, of the requests tagged ``tag``, gunicorn logged ``control`` alone."""
    for _ in range(50):  # the access log is written just after the response
        if served_by(topology, tag):
            break
        time.sleep(0.05)
    return set(served_by(topology, tag)) == {control}


def shell_of(port: int) -> dict:
    """The service worker's precache list, as a browser installing it gets it."""
    status, _headers, body = fetch(port, "/sw.js")
    assert status == 200
    head = body.decode().split("\n", 1)[0]
    return json.loads(head.removeprefix("const SHELL = ").removesuffix(";"))


def decoded(headers: dict, body: bytes) -> bytes:
    encoding = headers.get("content-encoding")
    return brotli.decompress(body) if encoding == "br" else body


@pytest.mark.parametrize("encoding", ["identity", "gzip, deflate, br"])
def test_nginx_serves_the_shell_files_itself_as_the_worker_lists_them(site, encoding):
    topology, _bundles, _data = site
    files = [entry for entry in shell_of(topology.port)["files"] if entry["url"] != "/"]
    urls = {entry["url"] for entry in files}
    assert {"/static/lib/search-worker.js", "/static/manifest.webmanifest"} <= urls
    assert any(HASHED_NAME.search(url) for url in urls)
    tag = f"static-{next(_ids)}"
    compressed = 0
    for entry in files:
        url, rid = entry["url"], f"{tag}-{entry['url']}"
        ask = {"Accept-Encoding": encoding}
        status, headers, body = fetch(topology.port, url, {**ask, "X-Request-ID": rid})
        app_status, app_headers, app_body = fetch(topology.app_port, url)
        assert status == app_status == 200, url
        # The bytes the service worker checks against its list, and the app's type.
        assert decoded(headers, body) == app_body, url
        assert hashlib.sha256(app_body).hexdigest() == entry["sha256"], url
        assert headers["content-type"] == app_headers["content-type"], url
        assert headers["cache-control"] == app_headers["cache-control"].replace(
            "no-cache, max-age=0", "no-cache"
        ), url
        immutable = "public, max-age=31536000, immutable"
        assert (headers["cache-control"] == immutable) == bool(HASHED_NAME.search(url)), url
        compressed += headers.get("content-encoding") == "br"
        # Unchanged, a revalidation costs a 304 and no body.
        again = {**ask, "If-None-Match": headers["etag"], "X-Request-ID": f"{rid}-again"}
        assert fetch(topology.port, url, again)[:3:2] == (304, b""), url
    assert compressed if encoding != "identity" else not compressed
    control = f"{tag}-control"
    fetch(topology.port, "/api/v1/bundles", {"X-Request-ID": control})
    assert only_the_control_reached_gunicorn(topology, tag, control)


def test_missing_static_files_get_the_apps_json_errors(site):
    topology, _bundles, _data = site
    for path, method, code in [
        ("/static/no-such-file.js", "GET", "not_found"),
        ("/static/icons/", "GET", "not_found"),
        ("/static/", "GET", "not_found"),
        ("/static/manifest.webmanifest", "POST", "method_not_allowed"),
    ]:
        status, headers, body = fetch(topology.port, path, method=method)
        assert headers["content-type"] == "application/json", path
        assert json.loads(body)["error"]["code"] == code, path


def test_the_page_and_the_worker_come_from_the_app_and_revalidate(site):
    topology, _bundles, _data = site
    for path in ("/", "/sw.js"):
        status, headers, body = fetch(topology.port, path, {"Accept-Encoding": "br"})
        app_status, app_headers, app_body = fetch(topology.app_port, path)
        assert status == app_status == 200
        assert decoded(headers, body) == app_body, path
        assert "no-cache" in headers["cache-control"], path
        again = {"Accept-Encoding": "br", "If-None-Match": headers["etag"]}
        assert fetch(topology.port, path, again)[:3:2] == (304, b""), path
    # The page names the negotiated language, which only the app knows.
    assert fetch(topology.port, "/")[1]["content-language"] == "en"


def first_object(port: int) -> str:
    return "/api/v1/objects/" + json.loads(fetch(port, MANIFEST)[2])["articles"][0]["object"]


SENT_BY = {
    "an object (nginx, from DATA_DIR)": lambda port: (first_object(port), {}),
    "an object again (a 304 from nginx)": lambda port: (
        first_object(port),
        {"If-None-Match": fetch(port, first_object(port))[1]["etag"]},
    ),
    "a static file (nginx)": lambda port: (
        "/static/manifest.webmanifest",
        {"Accept-Encoding": "br"},
    ),
    "a manifest (the app's answer, nginx's bytes)": lambda port: (MANIFEST, {}),
    "the page (the app)": lambda port: ("/", {}),
    "the worker (the app)": lambda port: ("/sw.js", {}),
    "an unknown object (the app's error)": lambda port: ("/api/v1/objects/" + "ab" * 32, {}),
    "a bad path (nginx's own error)": lambda port: ("/static/%00", {}),
}


@pytest.mark.parametrize("sender", SENT_BY)
def test_every_response_carries_the_security_headers_once(site, sender):
    topology, _bundles, _data = site
    path, headers = SENT_BY[sender](topology.port)
    _status, sent, _body = fetch_all_headers(topology.port, path, headers)
    for name, value in SECURITY_HEADERS.items():
        assert [v for n, v in sent if n.lower() == name.lower()] == [value], name


def test_missing_or_malformed_objects_get_the_apps_json_errors(site):
    topology, _bundles, _data = site
    status, headers, body = fetch(topology.port, "/api/v1/objects/" + "ab" * 32)
    assert (status, json.loads(body)["error"]["code"]) == (404, "object_not_found")
    assert headers["content-type"] == "application/json"
    status, _headers, body = fetch(topology.port, "/api/v1/objects/not-a-sha")
    assert (status, json.loads(body)["error"]["code"]) == (400, "invalid_object_name")
    manifest = json.loads(fetch(topology.port, MANIFEST)[2])
    path = "/api/v1/objects/" + manifest["articles"][0]["object"]
    status, _headers, body = fetch(topology.port, path, method="POST")
    assert (status, json.loads(body)["error"]["code"]) == (405, "method_not_allowed")


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("gzip, deflate, br", "br")])
def test_compressed_manifest_revalidates_with_its_etag(site, accept, encoding):
    topology, _bundles, _data = site
    status, headers, _body = fetch(topology.port, MANIFEST, {"Accept-Encoding": accept})
    assert status == 200 and headers["content-encoding"] == encoding
    status, _headers, body = fetch(
        topology.port, MANIFEST, {"Accept-Encoding": accept, "If-None-Match": headers["etag"]}
    )
    assert (status, body) == (304, b"")


def without_nginx(data: Path):
    """The same app, sending every file itself."""
    app = create_app({"DATA_DIR": str(data), "TESTING": True})
    app.test_client_class = BufferedClient
    return app.test_client()


SENT_AS_THE_APP_SENDS = (
    "content-type",
    "content-encoding",
    "etag",
    "vary",
    "cache-control",
    "content-security-policy",
    "x-content-type-options",
)


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br", "gzip, deflate, br"])
def test_nginx_sends_the_stored_manifest_with_the_apps_headers(site, encoding):
    topology, _bundles, data = site
    status, headers, body = fetch(topology.port, MANIFEST, {"Accept-Encoding": encoding})
    direct = without_nginx(data).get(MANIFEST, headers={"Accept-Encoding": encoding})
    assert (status, body) == (200, direct.data)
    for header in SENT_AS_THE_APP_SENDS:
        assert headers.get(header) == direct.headers.get(header), header
    assert "last-modified" not in headers


def test_first_install_pack_comes_brotli_compressed_and_whole(site):
    topology, _bundles, data = site
    path = MANIFEST + "/pack"
    plain = without_nginx(data).get(path).data
    # Before the build has compressed it, nginx compresses the plain stream on the fly.
    status, headers, body = fetch(topology.port, path, {"Accept-Encoding": "gzip, br"})
    assert (status, headers["content-encoding"]) == (200, "br")
    assert len(body) < len(plain) / 3 and brotli.decompress(body) == plain
    # Then nginx sends the stored file, byte for byte what the app would send.
    assert compress_packs(Store(data))
    status, headers, body = fetch(topology.port, path, {"Accept-Encoding": "gzip, br"})
    direct = without_nginx(data).get(path, headers={"Accept-Encoding": "gzip, br"})
    assert (status, body) == (200, direct.data) and brotli.decompress(body) == plain
    for header in SENT_AS_THE_APP_SENDS:
        assert headers.get(header) == direct.headers.get(header), header
    assert fetch(topology.port, path)[2] == plain


def repository_files(data: Path) -> list[str]:
    """A file of each kind in the static repository (docs/repository.md), the pack included."""
    store = Store(data)
    compress_packs(store)  # as `satchel bundles build` does
    version = store.current("demo")["en"]  # the tests before may have published again
    article = store.manifest("demo", "en", version)["articles"][0]["object"]
    return [
        "bundles.json",
        "keys/keyring.json",
        "bundles/demo/current.json",
        f"bundles/demo/en/{version}.json",
        f"bundles/demo/en/{version}.pack.ndjson.br",
        f"bundles/demo/en/{version}.download.json",
        f"objects/{article[:2]}/{article}",
        "tuf/timestamp.json",
    ]


@pytest.mark.parametrize("encoding", ["identity", "gzip", "gzip, deflate, br"])
def test_nginx_serves_the_repository_from_the_data_folder_as_the_app_does(site, encoding):
    topology, _bundles, data = site
    tag = f"repo-{next(_ids)}"
    for path in repository_files(data):
        asked = {"Accept-Encoding": encoding}
        status, headers, body = fetch(
            topology.port, "/repo/" + path, {**asked, "X-Request-ID": f"{tag}-{path}"}
        )
        direct = without_nginx(data).get("/repo/" + path, headers=asked)
        assert (status, direct.status_code) == (200, 200), path
        assert decoded(headers, body) == decoded(direct.headers, direct.data), path
        for header in ("content-type", "cache-control", "vary"):
            assert headers.get(header) == direct.headers.get(header), (path, header)
        if direct.content_encoding:  # a stored copy: nginx sends the same one
            assert headers["content-encoding"] == direct.content_encoding, path
        again = {**asked, "If-None-Match": headers["etag"]}
        assert fetch(topology.port, "/repo/" + path, again)[0] == 304, path
    control = f"{tag}-list"
    fetch(topology.port, "/api/v1/bundles", {"X-Request-ID": control})
    assert only_the_control_reached_gunicorn(topology, tag, control)


def test_private_or_missing_repository_files_get_the_apps_json_errors(site):
    topology, _bundles, _data = site
    key_id = json.loads(fetch(topology.port, "/repo/keys/keyring.json")[2])["keys"][0]["id"]
    for path in (f"keys/{key_id}.pem", "bundles/demo/en/9.json", "objects/ab/ab" + "0" * 62):
        status, headers, body = fetch(topology.port, "/repo/" + path)
        assert (status, json.loads(body)["error"]["code"]) == (404, "not_in_repository"), path
        assert b"PRIVATE" not in body


@pytest.mark.parametrize("family", FAMILIES)
def test_redbot_finds_no_date_or_caching_problem_through_nginx(site, family):
    topology, bundles, data = site
    store = Store(data)
    if store.current("demo")["en"] == 1:  # an update exists, from version 1
        edit_and_publish(bundles, data, "12 weeks", "14 weeks")
    compress_packs(store)
    manifest = json.loads(fetch(topology.port, MANIFEST)[2])
    path = served_paths(manifest)[family]
    assert redbot_problems_apart(topology.url + path, ALLOWED) == []


def test_without_redis_readers_are_served_uncached_and_stop_ends_everything(tmp_path):
    topology, bundles, data = started_demo(tmp_path)
    report = send_feedback(topology)
    try:
        paths = [MANIFEST, "/api/v1/bundles", "/api/v1/locales", MANIFEST + "/changes?since=1"]
        assert all(fetch(topology.port, path)[0] == 200 for path in paths)
        assert topology.services["redis"].stop()
        for _ in range(10):
            for path in paths:
                status, _headers, body = fetch(topology.port, path)
                assert status == 200, (path, body)
        edit_and_publish(bundles, data, "120 people", "122 people")
        answers = versions_from_every_worker(topology, "no-redis", 48)
        assert {pid for _, _, pid in answers} >= set(topology.worker_pids())
        assert {(status, version) for status, version, _ in answers} == {(200, 2)}

        def changed():
            status, _headers, body = fetch(topology.port, MANIFEST + "/changes?since=1")
            assert status == 200
            return [e["id"] for e in json.loads(body)["changed"]] == ["gamma"]

        within_a_second_of_publishing(data, changed)
    finally:
        pids = [*topology.status().values(), *topology.worker_pids()]
        assert topology.status()["postgres"] in pids
        assert sorted(topology.stop()) == ["gunicorn", "nginx", "postgres"]
    assert not any(pid and _alive(pid) for pid in pids)
    assert not list((tmp_path / "run").glob("*.pid"))
    assert not (topology.postgres_dir / "data" / "postmaster.pid").exists()
    # Started again, the topology keeps its cluster and what readers sent.
    again = Topology(data, tmp_path / "run", workers=1).start()
    try:
        assert [row["id"] for row in feedback_in_postgres(again)] == [report["id"]]
    finally:
        stop_and_discard(again)
