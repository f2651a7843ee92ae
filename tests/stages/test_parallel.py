"""A build on several processes (``satchel build --jobs N``) publishes exactly what a
build on one does: every object, manifest, pack, index description and device segment,
byte for byte, for the sample bundles in every language and a synthetic bundle large
enough that render, readability and index hand their work to worker processes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from satchel.commands.synth import synthesize
from satchel.stages.parallel import PARALLEL_FROM
from satchel.stages.pipeline import build

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def published_bytes(data: Path) -> dict[str, bytes]:
    """Every file the build wrote but those made at random whatever the build does: each
    folder's TUF keys and the metadata they sign, and the files Whoosh names at random
    (the index's own description, search.json and state.json, is compared)."""
    files = {}
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data)
        whoosh = "index" in relative.parts and relative.suffix in (".seg", ".toc", "")
        if path.is_file() and relative.parts[0] not in (".cache", "tuf") and not whoosh:
            if relative.parts[:2] not in (("keys", "root"), ("keys", "tuf")):
                files[str(relative)] = path.read_bytes()
    return files


def test_a_parallel_build_publishes_the_serial_builds_bytes(tmp_path):
    bundles = tmp_path / "bundles"
    shutil.copytree(ROOT / "bundles", bundles)
    synthesize(bundles, 2 * PARALLEL_FROM, seed=4)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    build(bundles, serial, translations_dir=ROOT / "translations", now=NOW, jobs=1)
    shutil.copytree(serial / "keys", parallel / "keys")  # the same publisher signs both
    build(bundles, parallel, translations_dir=ROOT / "translations", now=NOW, jobs=2)
    expected = published_bytes(serial)
    assert any(name.startswith("bundles/synthetic/en/index/") for name in expected)
    assert published_bytes(parallel) == expected
