"""``satchel synth``: deterministic, valid synthetic bundles for benchmarks."""

from __future__ import annotations

from pathlib import Path

import pytest

from satchel import create_app
from satchel.commands.synth import DEFAULT_CORPUS, edit_summaries


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def synth(runner, *args):
    result = runner.invoke(args=["bundles", "synth", *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def make_app(tmp_path):
    def make(bundles: Path):
        return create_app(
            {
                "TESTING": True,
                "BUNDLES_DIR": str(bundles),
                "DATA_DIR": str(tmp_path / "data"),
                "TRANSLATIONS_DIR": str(tmp_path / "translations"),
            }
        )

    return make


@pytest.mark.parametrize(
    "corpus",
    [DEFAULT_CORPUS, Path("/nonexistent/docs.jsonl")],
    ids=["medquad", "built-in vocabulary"],
)
def test_synthetic_bundle_builds_strictly_and_serves(tmp_path, make_app, corpus):
    if corpus == DEFAULT_CORPUS and not corpus.is_file():
        pytest.skip("the shared MedQuAD corpus is not on this machine")
    out = tmp_path / "bundles"
    app = make_app(out)
    runner = app.test_cli_runner()
    synth(runner, "--count", "40", "--seed", "7", "--out", str(out), "--corpus", str(corpus))
    assert len(list((out / "synthetic" / "summaries").glob("*.md"))) == 40
    result = runner.invoke(args=["bundles", "build", "--strict"])
    assert result.exit_code == 0, result.output
    manifest = app.test_client().get("/api/v1/bundles/synthetic/en").get_json()
    assert len(manifest["articles"]) == 40
    # Realistic length: the sample summaries are about 2 to 4 kB of Markdown each.
    sizes = [p.stat().st_size for p in (out / "synthetic" / "summaries").glob("*.md")]
    assert 1500 < sum(sizes) / len(sizes) < 6000


def test_same_seed_same_files_other_seed_other_files(tmp_path, make_app):
    runner = make_app(tmp_path).test_cli_runner()
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        synth(runner, "--count", "15", "--seed", seed, "--out", str(tmp_path / name))
    a, b, c = (files(tmp_path / name) for name in "abc")
    assert a == b
    assert a != c


def test_regenerates_its_own_folder_but_never_overwrites_a_real_bundle(tmp_path, make_app):
    out = tmp_path / "bundles"
    runner = make_app(out).test_cli_runner()
    synth(runner, "--count", "5", "--out", str(out))
    synth(runner, "--count", "3", "--out", str(out))
    assert len(list((out / "synthetic" / "summaries").glob("*.md"))) == 3
    (out / "real" / "summaries").mkdir(parents=True)
    result = runner.invoke(
        args=["bundles", "synth", "--count", "2", "--out", str(out), "--bundle", "real"]
    )
    assert result.exit_code != 0
    assert "was not written by 'bundles synth'" in result.output
    assert (out / "real" / "summaries").is_dir()


def test_edits_change_exactly_the_named_summaries(tmp_path, make_app):
    out = tmp_path / "bundles"
    app = make_app(out)
    runner = app.test_cli_runner()
    synth(runner, "--count", "20", "--out", str(out))
    assert runner.invoke(args=["bundles", "build"]).exit_code == 0
    edited = edit_summaries(out / "synthetic", 3)
    assert runner.invoke(args=["bundles", "build"]).exit_code == 0
    changes = app.test_client().get("/api/v1/bundles/synthetic/en/changes?since=1").get_json()
    assert sorted(entry["id"] for entry in changes["changed"]) == edited
    assert changes["added"] == [] and changes["removed"] == []
