"""A build on several processes (``satchel build --jobs N``) publishes exactly what a
build on one does: every object, manifest, pack, index description and device segment,
byte for byte, and the same Whoosh index but for the names Whoosh draws at random, for
the sample bundles in every language and a synthetic bundle large enough that render,
readability, index and publish hand their work to worker processes. The search
documents analysed in workers make the index Whoosh makes analysing them itself,
workers never run far ahead of the build taking their results, and a worker killed
mid-build fails the build with a message, the published version untouched."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from whoosh import index

from satchel.commands.synth import edit_summaries, synthesize
from satchel.errors import SatchelError
from satchel.search import analysis, engine
from satchel.stages import index as index_stage
from satchel.stages.index import _write_documents, analysed_document, document_fields
from satchel.stages.parallel import AHEAD, MAX_CHUNK, PARALLEL_FROM, Workers
from satchel.stages.pipeline import build
from satchel.store import Store

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


@pytest.fixture
def small_segments(monkeypatch):
    """Whoosh segments small enough that the synthetic bundle's index is written as
    several, each on a worker of its own in a parallel build."""
    monkeypatch.setattr(index_stage, "SEGMENT_DOCUMENTS", PARALLEL_FROM // 2)


def test_a_parallel_build_publishes_the_serial_builds_bytes(tmp_path, small_segments):
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
    indexes = sorted(p.relative_to(serial) for p in serial.glob("bundles/*/*/index/*"))
    for folder in indexes:
        assert index_contents(parallel / folder) == index_contents(serial / folder), folder
    synthetic = index.open_dir(str(parallel / "bundles/synthetic/en/index/1"))
    assert len(synthetic.reader().leaf_readers()) == index_stage.WHOLE_SEGMENTS
    synthetic.close()


def test_a_worker_killed_mid_build_fails_it_and_publishes_nothing(
    tmp_path, small_segments, monkeypatch
):
    """A worker the system kills (short of memory, say) while it writes a search
    segment: the build stops with a message saying what happened, and readers keep the
    version published before, every file of it as it was."""
    bundles, data = tmp_path / "bundles", tmp_path / "data"
    folder = synthesize(bundles, 2 * PARALLEL_FROM, seed=5)
    build(bundles, data, now=NOW, jobs=1)
    before = published_bytes(data)
    edit_summaries(folder, PARALLEL_FROM, seed=5)  # more than the index updates in place
    moved = index_stage._moved_segments

    def kill_the_workers(part, into):  # as the first segment written comes back
        for worker in multiprocessing.active_children():
            os.kill(worker.pid, signal.SIGKILL)
        return moved(part, into)

    monkeypatch.setattr(index_stage, "_moved_segments", kill_the_workers)
    with pytest.raises(SatchelError, match="worker process ended .* nothing was published"):
        build(bundles, data, now=NOW, jobs=2)
    assert published_bytes(data) == before
    assert Store(data).current("synthetic") == {"en": 1}


def index_contents(folder: Path) -> list:
    """Every document's stored fields and field lengths, and every term's postings with
    their positions, of the Whoosh index in ``folder``."""
    ix = index.open_dir(str(folder))
    with ix.reader() as reader:
        contents = [
            (
                # The values' types too: a stored ``Analysed`` text would equal its text.
                sorted((k, type(v), v) for k, v in reader.stored_fields(d).items()),
                [reader.doc_field_length(d, f, 0) for f in engine.FIELDS],
            )
            for d in reader.all_doc_ids()
        ]
        for fieldname, term in reader.all_terms():
            kind = "positions" if fieldname in engine.FIELDS else "weight"
            postings = reader.postings(fieldname, term).items_as(kind)
            contents.append((fieldname, term, list(postings)))
    ix.close()
    return contents


def test_documents_analysed_apart_make_the_index_whoosh_makes_itself(tmp_path):
    data = tmp_path / "data"
    build(ROOT / "bundles", data, ["ms-research"], translations_dir=ROOT / "translations", now=NOW)
    store = Store(data)
    for locale, version in store.current("ms-research").items():
        manifest = store.manifest("ms-research", locale, version)
        objects = [
            store.object_path(entry["object"]).read_bytes()
            for entry in manifest["articles"]
            if entry["object"]
        ]
        lang = analysis.language(locale)
        itself, apart = tmp_path / f"itself-{locale}", tmp_path / f"apart-{locale}"
        itself.mkdir(), apart.mkdir()
        _write_documents(itself, lang, (document_fields(json.loads(o)) for o in objects))
        _write_documents(apart, lang, (analysed_document((o, lang))[0] for o in objects))
        assert index_contents(apart) == index_contents(itself), locale


def test_workers_run_only_a_few_chunks_ahead_of_a_slow_consumer(tmp_path):
    """A consumer slower than the workers (the Whoosh writer) must not find every result
    waiting in memory: the workers are handed a few chunks ahead of it, no more."""
    marks = [tmp_path / f"{k:05}" for k in range(20 * PARALLEL_FROM)]
    with Workers(2) as workers:
        results = workers.imap(Path.touch, marks)
        next(results)
        time.sleep(1)  # time enough for workers handed every item to do them all
        assert len(list(tmp_path.iterdir())) <= (2 * AHEAD + 1) * MAX_CHUNK
        assert len(list(results)) == len(marks) - 1
    assert len(list(tmp_path.iterdir())) == len(marks)
