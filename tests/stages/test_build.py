"""The build as a user sees it: versions, determinism, atomic publish, cleanup."""

from __future__ import annotations

import errno
import hashlib
import json
from contextlib import contextmanager
from pathlib import Path

import brotli
import pytest

from satchel.stages.pipeline import build as run_build
from satchel.stages.publish import compress_packs
from satchel.store import Store, encoded

from ..conftest import app_for
from ..helpers.bundles import summary_text, write_bundle


def published_files(data_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and p.name != ".build.lock" and ".cache" not in p.parts
    }


@pytest.fixture
def store(app):
    return Store(app.config["DATA_DIR"])


def test_first_build_publishes_version_one(build, store):
    output = build().output
    assert "demo" in output and "first version" in output
    assert store.current("demo") == {"en": 1}
    manifest = store.manifest("demo", "en", 1)
    assert [a["id"] for a in manifest["articles"]] == ["alpha", "beta", "gamma"]
    assert manifest["total_bytes"] == sum(
        a["bytes"] for a in manifest["articles"] + manifest["about"]
    )
    for entry in manifest["articles"] + manifest["about"]:
        data = store.object_path(entry["object"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["object"]
        assert len(data) == entry["bytes"]


def test_article_object_holds_the_whole_summary(build, store):
    build()
    manifest = store.manifest("demo", "en", 1)
    alpha = json.loads(store.object_path(manifest["articles"][0]["object"]).read_bytes())
    assert alpha["source"]["url"] == "https://example.org/alpha"
    assert alpha["ratings"] == {"credibility": 4, "interest": 3}
    assert [s["id"] for s in alpha["sections"]] == [
        "takeaway",
        "findings",
        "who_should_care",
        "considerations",
    ]
    assert (
        alpha["sections"][0]["html"] == "<p>People who took part felt <strong>less tired"
        "</strong> after 12 weeks.</p>"
    )
    assert alpha["related"] == ["beta"]


def test_two_builds_are_byte_identical(app, bundles_dir, tmp_path, build):
    build()
    first = published_files(Path(app.config["DATA_DIR"]))
    build()
    assert published_files(Path(app.config["DATA_DIR"])) == first
    # A fresh folder built from the same sources gives the same objects and body.
    other = tmp_path / "other"
    run_build(bundles_dir, other)
    again = published_files(other)
    assert {k: v for k, v in again.items() if k.startswith("objects/")} == {
        k: v for k, v in first.items() if k.startswith("objects/")
    }


def test_a_preview_build_publishes_the_same_objects_with_faster_larger_brotli_copies(
    app, bundles_dir, tmp_path, build
):
    build()
    preview = app_for(tmp_path / "preview", bundles_dir)
    result = preview.test_cli_runner().invoke(args=["bundles", "build", "--preview"])
    assert result.exit_code == 0, result.output
    real = published_files(Path(app.config["DATA_DIR"]))
    fast = published_files(Path(preview.config["DATA_DIR"]))
    plain = [k for k in real if k.startswith("objects/") and not k.endswith((".br", ".gz"))]
    assert plain and {k: fast[k] for k in plain} == {k: real[k] for k in plain}
    copies = [f"{k}.br" for k in plain]
    assert all(brotli.decompress(fast[k]) == real[k.removesuffix(".br")] for k in copies)
    assert sum(len(fast[k]) for k in copies) > sum(len(real[k]) for k in copies)


def test_version_bumps_only_on_change(bundles_dir, build, store):
    build()
    assert "unchanged" in build().output
    assert store.current("demo") == {"en": 1}
    path = bundles_dir / "demo" / "summaries" / "beta.md"
    path.write_text(path.read_text().replace("120 people", "140 people"))
    output = build().output
    assert "0 added, 1 changed, 0 removed" in output
    assert store.current("demo") == {"en": 2}
    first, second = store.manifest("demo", "en", 1), store.manifest("demo", "en", 2)
    assert second["published_at"] >= first["published_at"]


def test_failed_build_keeps_the_published_version(bundles_dir, build, client):
    build()
    before = client.get("/api/v1/bundles/demo/en").data
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.write_text(path.read_text().replace("credibility: 4", "credibility: 7"))
    build(expect_ok=False)
    assert client.get("/api/v1/bundles/demo/en").data == before


def test_unwritable_data_folder_is_a_clear_error(bundles_dir, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    from satchel.errors import PublishFailed

    with pytest.raises(PublishFailed, match="published version is unchanged"):
        run_build(bundles_dir, blocker / "data")


def test_interrupted_publish_is_invisible_and_cleaned_up(bundles_dir, build, store):
    build()
    # Debris of a build killed after writing files but before the pointer flip.
    orphan = store.object_path("ab" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_text("{}")
    temp = store.objects_dir / "ab" / ".tmp-123"
    temp.write_text("half")
    unpublished = store.version_files("demo", "en", 2)
    for path in unpublished:
        path.write_text("{}")
    assert store.current("demo") == {"en": 1}
    build()
    assert not orphan.exists() and not temp.exists()
    assert not any(path.exists() for path in unpublished)


def test_truncated_object_is_rewritten(build, store):
    build()
    name = store.manifest("demo", "en", 1)["articles"][0]["object"]
    store.object_path(name).write_bytes(b"")
    build()
    assert hashlib.sha256(store.object_path(name).read_bytes()).hexdigest() == name


def test_old_versions_are_pruned_past_retention(tmp_path):
    bundles = tmp_path / "bundles"
    folder = write_bundle(bundles, "demo", retain=2)
    data = tmp_path / "data"
    store = Store(data)
    for n in range(4):
        (folder / "summaries" / "gamma.md").write_text(summary_text("gamma", title=f"Take {n}"))
        run_build(bundles, data)
        compress_packs(store)
    assert store.versions("demo", "en") == [3, 4]
    # A version goes with its compressed copies, its pack, its download size and its name for
    # TUF clients.
    names = ("json", "json.br", "json.gz", "pack.ndjson.br", "download.json")
    kept = [f"{v}.{name}" for v in (3, 4) for name in names] + [
        f"{hashlib.sha256(store.manifest_bytes('demo', 'en', v)).hexdigest()}.{v}.json"
        for v in (3, 4)
    ]
    assert sorted(p.name for p in (data / "bundles/demo/en").iterdir() if p.is_file()) == sorted(
        kept
    )
    live = {e["object"] for v in (3, 4) for e in store.manifest("demo", "en", v)["articles"]}
    on_disk = {p.name for p in store.objects_dir.glob("*/*") if "." not in p.name}
    about = {e["object"] for e in store.manifest("demo", "en", 4)["about"]}
    # The device search segments the kept versions list stay; the others go.
    segments = {
        s["object"] for v in (3, 4) for s in store.manifest("demo", "en", v)["search"]["segments"]
    }
    assert on_disk == live | about | segments


def test_withdrawn_summary_is_listed_without_body(bundles_dir, build, store):
    (bundles_dir / "demo" / "summaries" / "gamma.md").write_text(
        summary_text("gamma", status="withdrawn")
    )
    path = bundles_dir / "demo" / "summaries" / "beta.md"
    path.write_text(path.read_text().replace("related: [alpha, gamma]", "related: [alpha]"))
    build()
    gamma = store.manifest("demo", "en", 1)["articles"][2]
    assert gamma["status"] == "withdrawn" and gamma["object"] is None and gamma["bytes"] == 0


def test_build_one_bundle_only(bundles_dir, build, store):
    write_bundle(bundles_dir, "other")
    build("--bundle", "other")
    assert store.bundles() == ["other"]
    result = build("--bundle", "missing", expect_ok=False)
    assert "no bundle named missing" in result.stderr and "available: demo, other" in result.stderr


def test_sample_bundles_build_strictly(tmp_path):
    reports = run_build(Path(__file__).parents[2] / "bundles", tmp_path).reports
    fewest = {"ms-research": 4, "caregiving": 4, "staying-well": 3}
    assert {(r.bundle, r.articles >= fewest[r.bundle]) for r in reports} == {
        (bundle, True) for bundle in fewest
    }


def test_rebuild_renders_only_what_changed(bundles_dir, build):
    assert "Rendered all 3 summaries" in build().output
    assert "Rendered 0 of 3 summaries" in build().output
    path = bundles_dir / "demo" / "summaries" / "beta.md"
    path.write_text(path.read_text().replace("120 people", "140 people"))
    assert "Rendered 1 of 3 summaries" in build().output


def test_a_lost_build_cache_only_costs_time(app, bundles_dir, build, store):
    build()
    first = store.manifest("demo", "en", 1)
    cache = Path(app.config["DATA_DIR"]) / ".cache" / "build.sqlite"
    cache.write_bytes(b"not a database")
    assert "Rendered all 3 summaries" in build().output
    assert store.manifest("demo", "en", 1) == first and store.current("demo") == {"en": 1}


def test_a_pack_that_cannot_be_compressed_leaves_the_version_served(
    build, client, store, monkeypatch
):
    from satchel.stages import publish

    real_file = publish.atomic_file

    @contextmanager
    def disk_full_for_packs(path, durable=False):
        with real_file(path, durable) as handle:
            if path.name.endswith(".pack.ndjson.br"):
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            yield handle

    monkeypatch.setattr(publish, "atomic_file", disk_full_for_packs)
    result = build(expect_ok=False)
    assert result.exit_code != 0
    assert "1.pack.ndjson.br" in result.output and "compress-packs" in result.output
    assert store.current("demo") == {"en": 1}
    assert not encoded(store.pack_path("demo", "en", 1), "br").exists()
    plain = client.get("/api/v1/bundles/demo/en/pack", headers={"Accept-Encoding": "br"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    monkeypatch.undo()
    build("--no-compress-packs")  # unchanged: publishes nothing, compresses nothing
    assert not encoded(store.pack_path("demo", "en", 1), "br").exists()
