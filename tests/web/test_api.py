"""The HTTP API through Flask's test client, as a device would use it."""

from __future__ import annotations

import gzip
import hashlib
import json

import brotli
import pytest

from satchel.manifest import apply_changes

from ..helpers.bundles import summary_text
from .failing_requests import ERRORS


def edit_summary(bundles_dir, summary_id, old, new):
    path = bundles_dir / "demo" / "summaries" / f"{summary_id}.md"
    path.write_text(path.read_text().replace(old, new))


def test_health(client):
    assert client.get("/api/v1/health").json == {"status": "ok"}


def test_bundle_list(client, built):
    assert client.get("/api/v1/bundles").json == [
        {
            "id": "demo",
            "title": "Test bundle demo",
            "description": "A bundle for tests.",
            "source_locale": "en",
            "locales": ["en"],
            "versions": {"en": 1},
        }
    ]


def test_manifest_etag_and_304(client, built):
    response = client.get("/api/v1/bundles/demo/en")
    assert response.status_code == 200
    assert response.json["version"] == 1 and response.json["bundle"] == "demo"
    etag, weak = response.get_etag()
    assert not weak and etag == hashlib.sha256(response.data).hexdigest()
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/v1/bundles/demo/en", headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.data == b""


def test_publish_is_visible_at_once_despite_the_cache(client, bundles_dir, build):
    build()
    etag = client.get("/api/v1/bundles/demo/en").get_etag()[0]
    assert client.get("/api/v1/bundles").json[0]["versions"] == {"en": 1}
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    build()
    fresh = client.get("/api/v1/bundles/demo/en", headers={"If-None-Match": f'"{etag}"'})
    assert fresh.status_code == 200 and fresh.json["version"] == 2
    assert client.get("/api/v1/bundles").json[0]["versions"] == {"en": 2}


def test_changes_lists_what_a_device_must_fetch(client, bundles_dir, build):
    build()
    first = client.get("/api/v1/bundles/demo/en")
    assert client.get("/api/v1/bundles/demo/en/changes?since=1").json == {
        "bundle": "demo",
        "locale": "en",
        "from": 1,
        "to": 1,
        "added": [],
        "changed": [],
        "removed": [],
        "about": [],
        "search": [],
        "bytes": 0,
        "transfer_bytes": 0,
        "manifest": {"sha256": first.get_etag()[0], "bytes": len(first.data), "patch": {}},
    }
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    (bundles_dir / "demo" / "summaries" / "gamma.md").unlink()
    edit_summary(bundles_dir, "beta", "related: [alpha, gamma]", "related: [alpha]")
    build()
    changes = client.get("/api/v1/bundles/demo/en/changes?since=1").json
    manifest = client.get("/api/v1/bundles/demo/en").json
    entries = {a["id"]: a for a in manifest["articles"]}
    assert changes["from"] == 1 and changes["to"] == 2
    assert changes["added"] == [entries["delta"]]
    assert changes["changed"] == [entries["alpha"], entries["beta"]]
    assert changes["removed"] == ["gamma"]
    # The device index changed too: its new segments are listed and counted, nothing else.
    old = client.get("/api/v1/bundles/demo/en/changes?since=2").json  # nothing since 2
    assert old["search"] == [] and old["bytes"] == 0
    segments = manifest["search"]["segments"]
    assert changes["search"] and all(s in segments for s in changes["search"])
    assert changes["bytes"] == sum(entries[i]["bytes"] for i in ("alpha", "beta", "delta")) + sum(
        s["bytes"] for s in changes["search"]
    )
    fetched = [entries[i]["object"] for i in ("alpha", "beta", "delta")] + [
        s["object"] for s in changes["search"]
    ]
    as_brotli = {"Accept-Encoding": "br"}
    sent = client.get("/api/v1/bundles/demo/en/changes?since=1", headers=as_brotli).json
    assert sent["transfer_bytes"] == sum(
        len(client.get(f"/api/v1/objects/{name}", headers=as_brotli).data) for name in fetched
    )
    assert sent["transfer_bytes"] < changes["transfer_bytes"] == changes["bytes"]


def test_changes_rebuild_the_exact_new_manifest(client, bundles_dir, build):
    build()
    old = client.get("/api/v1/bundles/demo/en").json
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("delta"))
    edit_summary(bundles_dir, "beta", "related: [alpha, gamma]", "related: [alpha]")
    edit_summary(bundles_dir, "gamma", "status: published", "status: withdrawn")
    build()
    new = client.get("/api/v1/bundles/demo/en")
    changes = client.get("/api/v1/bundles/demo/en/changes?since=1").json
    rebuilt = apply_changes(old, changes)
    assert rebuilt == new.json
    data = json.dumps(rebuilt, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert data == new.data  # JSON.stringify with sorted keys writes these same bytes
    assert changes["manifest"] == {
        "sha256": hashlib.sha256(new.data).hexdigest(),
        "bytes": len(new.data),
        "patch": changes["manifest"]["patch"],
    }
    assert set(changes["manifest"]["patch"]) >= {"version", "total_bytes", "search"}
    assert "articles" not in changes["manifest"]["patch"]


def test_changes_is_a_304_when_nothing_changed(client, bundles_dir, build):
    build()
    etag = client.get("/api/v1/bundles/demo/en").get_etag()[0]
    asked = {"If-None-Match": f'"{etag}"'}
    check = client.get("/api/v1/bundles/demo/en/changes?since=1", headers=asked)
    assert check.status_code == 304 and check.data == b"" and check.get_etag()[0] == etag
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    build()
    fresh = client.get("/api/v1/bundles/demo/en/changes?since=1", headers=asked)
    assert fresh.status_code == 200 and fresh.json["to"] == 2
    assert fresh.get_etag()[0] == fresh.json["manifest"]["sha256"] != etag
    assert fresh.headers["Cache-Control"] == "no-cache"


def test_download_names_the_bytes_a_first_install_receives(client, built):
    as_brotli = {"Accept-Encoding": "br"}
    size = client.get("/api/v1/bundles/demo/en/download", headers=as_brotli).json
    manifest = client.get("/api/v1/bundles/demo/en").json
    pack = client.get("/api/v1/bundles/demo/en/pack", headers=as_brotli)
    segments = [
        client.get(f"/api/v1/objects/{s['object']}", headers=as_brotli)
        for s in manifest["search"]["segments"]
    ]
    assert size["pack_bytes"] == len(pack.data)
    assert size["segment_bytes"] == sum(len(r.data) for r in segments)
    assert size["bytes"] == size["pack_bytes"] + size["segment_bytes"]
    assert size["requests"] == 1 + len(segments) and size["version"] == 1


def test_withdrawing_shows_up_as_a_change(client, bundles_dir, build):
    build()
    edit_summary(bundles_dir, "beta", "related: [alpha, gamma]", "related: [alpha]")
    edit_summary(bundles_dir, "gamma", "status: published", "status: withdrawn")
    build()
    changed = client.get("/api/v1/bundles/demo/en/changes?since=1").json["changed"]
    assert {"id": "gamma", "status": "withdrawn", "object": None}.items() <= next(
        c for c in changed if c["id"] == "gamma"
    ).items()


@pytest.mark.parametrize("since", ["0", "2", "-1", "999999999999"])
def test_changes_since_unknown_version_is_410(client, built, since):
    response = client.get(f"/api/v1/bundles/demo/en/changes?since={since}")
    assert response.status_code == 410
    assert response.json["error"]["code"] == "version_expired"


def test_changes_since_pruned_version_is_410(client, bundles_dir, build):
    path = bundles_dir / "demo" / "bundle.yaml"
    path.write_text(path.read_text().replace("retain_versions: 5", "retain_versions: 1"))
    build()
    edit_summary(bundles_dir, "alpha", "12 weeks", "16 weeks")
    build()
    assert client.get("/api/v1/bundles/demo/en/changes?since=1").status_code == 410
    assert client.get("/api/v1/bundles/demo/en/changes?since=2").status_code == 200


def test_pack_streams_verifiable_objects(client, built):
    manifest = client.get("/api/v1/bundles/demo/en")
    response = client.get("/api/v1/bundles/demo/en/pack")
    assert response.mimetype == "application/x-ndjson"
    head, *lines = response.data.rstrip(b"\n").split(b"\n")
    assert head == manifest.data
    names = [hashlib.sha256(line).hexdigest() for line in lines]
    listed = [e["object"] for e in manifest.json["articles"] + manifest.json["about"]]
    assert names == listed


MANIFEST = "/api/v1/bundles/demo/en"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}


@pytest.mark.parametrize(
    "accept, encoding",
    [("br, gzip", "br"), ("gzip, deflate", "gzip"), ("br;q=0, gzip;q=0.5", "gzip"), ("", None)],
)
def test_manifest_comes_precompressed_and_revalidates(client, built, accept, encoding):
    plain = client.get(MANIFEST, headers={"Accept-Encoding": ""})
    response = client.get(MANIFEST, headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert DECODE[encoding](response.data) == plain.data
    etag, weak = response.get_etag()
    # One version, one ETag; weak when encoded, as nginx makes it when it compresses.
    assert etag == plain.get_etag()[0] and weak == (encoding is not None)
    again = client.get(
        MANIFEST, headers={"Accept-Encoding": accept, "If-None-Match": response.headers["ETag"]}
    )
    assert (again.status_code, again.data) == (304, b"")


def test_pack_is_brotli_once_compressed(client, runner, build):
    build("--no-compress-packs")
    plain = client.get(MANIFEST + "/pack").data
    # Not compressed yet: streamed plain, whatever the client takes.
    unready = client.get(MANIFEST + "/pack", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in unready.headers and unready.data == plain
    result = runner.invoke(args=["bundles", "compress-packs"])
    assert "Compressed the demo/en v1 pack" in result.output, result.output
    response = client.get(MANIFEST + "/pack", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.mimetype == "application/x-ndjson"
    assert len(response.data) < len(plain) / 2 and brotli.decompress(response.data) == plain
    assert response.get_etag() == (client.get(MANIFEST).get_etag()[0], True)
    # Only brotli is stored; a client without it gets the plain stream.
    assert client.get(MANIFEST + "/pack", headers={"Accept-Encoding": "gzip"}).data == plain
    # Nothing left to do the second time.
    assert "Compressed" not in runner.invoke(args=["bundles", "compress-packs"]).output


@pytest.mark.parametrize(
    "path, accept, sent",
    [(MANIFEST + "/pack", "br", "/_data/bundles/demo/en/1.pack.ndjson.br")],
)
def test_behind_nginx_the_app_names_the_file_to_send(app, client, built, path, accept, sent):
    direct = client.get(path, headers={"Accept-Encoding": accept})
    app.config["X_ACCEL_PREFIX"] = "/_data/"
    response = client.get(path, headers={"Accept-Encoding": accept})
    assert (response.status_code, response.data) == (200, b"")
    assert response.headers["X-Accel-Redirect"] == sent
    for header in ("Content-Type", "Content-Encoding", "ETag", "Vary", "Cache-Control"):
        assert response.headers.get(header) == direct.headers.get(header), header
    # nginx would check If-Match against a file without an ETag: the app sends it.
    checked = client.get(path, headers={"Accept-Encoding": accept, "If-Match": "*"})
    assert "X-Accel-Redirect" not in checked.headers and checked.data == direct.data


def fetch_object(client, name, **headers):
    return client.get(f"/api/v1/objects/{name}", headers=headers)


def object_name(client):
    return client.get("/api/v1/bundles/demo/en").json["articles"][0]["object"]


@pytest.mark.parametrize(
    "accept, encoding, decode",
    [
        ("br, gzip", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip;q=0.5", "gzip", gzip.decompress),
        ("", None, bytes),
        ("identity", None, bytes),
    ],
)
def test_object_encoding_negotiation(client, built, accept, encoding, decode):
    name = object_name(client)
    response = fetch_object(client, name, **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert hashlib.sha256(decode(response.data)).hexdigest() == name
    cache_control = response.headers["Cache-Control"]
    assert {"public", "max-age=31536000", "immutable"} == set(cache_control.split(", "))
    assert json.loads(decode(response.data))["kind"] == "summary"


def test_object_etag_revalidates(client, built):
    name = object_name(client)
    etag = fetch_object(client, name, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    second = fetch_object(client, name, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert second.status_code == 304
    plain = fetch_object(client, name)
    assert plain.headers["ETag"] != etag  # each encoding is its own representation


def test_tuf_metadata_is_served_the_timestamp_revalidated_every_version_immutable(client, built):
    """What a device (static/lib/freshness.js) checks every manifest against: only the
    timestamp ever changes, so only it may not be kept."""
    timestamp = client.get("/api/v1/tuf/timestamp.json")
    assert timestamp.status_code == 200 and timestamp.headers["Cache-Control"] == "no-cache"
    snapshot = timestamp.json["signed"]["meta"]["snapshot.json"]["version"]
    for name in ("1.root.json", f"{snapshot}.snapshot.json"):
        response = client.get(f"/api/v1/tuf/{name}")
        assert response.json["signed"]["_type"] == name.split(".")[1]
        cache_control = response.headers["Cache-Control"]
        assert {"public", "max-age=31536000", "immutable"} == set(cache_control.split(", "))


def test_openapi_describes_every_endpoint(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {
        "/api/v1/health",
        "/api/v1/bundles",
        "/api/v1/bundles/{bundle}/{locale}",
        "/api/v1/bundles/{bundle}/{locale}/changes",
        "/api/v1/bundles/{bundle}/{locale}/pack",
        "/api/v1/objects/{name}",
        "/api/v1/search",
    }


@pytest.mark.parametrize(
    "method, url, status, code", ERRORS, ids=[f"{m} {u[:50]}" for m, u, _, _ in ERRORS]
)
def test_one_error_shape_everywhere(client, built, method, url, status, code):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert error == {"status": status, "code": code, "message": error["message"]}
    assert error["message"].strip() and "Traceback" not in error["message"]


def test_unexpected_failure_is_a_json_500(app, client, built, monkeypatch):
    from satchel.web import content as published

    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(published, "bundle_list", broken)
    response = client.get("/api/v1/bundles")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_server_error"
    assert "disk on fire" not in response.get_data(as_text=True)


def test_pack_revalidates_like_the_manifest(client, built):
    """A device that already holds the current version is told so, and downloads nothing."""
    for accept in ("br", ""):
        first = client.get(MANIFEST + "/pack", headers={"Accept-Encoding": accept})
        again = client.get(
            MANIFEST + "/pack",
            headers={"Accept-Encoding": accept, "If-None-Match": first.headers["ETag"]},
        )
        assert (again.status_code, again.data) == (304, b"")
        assert again.headers["ETag"] == first.headers["ETag"]
