"""``growth``: what a phone and the server pay at every synthetic size, and how it grows.

At each size the bench built (``--sizes`` and ``--growth-sizes``; a size built by no section
before is built here, or found in ``--workdir``) and at MedQuAD, the real point: the
app's first install at 4× CPU slowdown after one floor in the same page
(``floor_then_install``), its JS heap peak, and what the manifest costs of it
(``manifest_parts``: parsed, hashed, its signature verified, stored); the server's search p95
over ``QUESTIONS`` distinct MedQuAD questions (uncached, one connection, production:
``timed_searches``); and the device engine's query p95 in Chromium (``measure``, our engine
alone); then one summary edited and published, and the update's bytes as nginx serves them
(``measure_update``). Then a row per figure with its exponent and ratio per 10× summaries,
fitted over the synthetic sizes (``growth_rows``), MedQuAD beside them.

Times are taken on a machine that may be loaded: each time row's note gives the load average
when it was taken. Bytes and heap are not moved by load.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import TYPE_CHECKING

from .commands import flask_command, timed_build

if TYPE_CHECKING:
    from .run import Bench

MIB = 1024 * 1024
QUESTIONS = 200
WARM_UP = 10  # questions asked first, so that every worker has opened the search index

# (key in each point's figures, what, unit, target at every size)
GROWTH = (
    ("install", "first install at 4× CPU slowdown", "s", None),
    ("heap", "JS heap peak during the first install", "MiB", 64.0),
    ("manifest_ms", "the manifest's part of the first install", "s", None),
    ("update", "update bytes after editing 1 summary", "B", None),
    ("device_p95", "device query p95", "ms", 2.0),
    ("server_p95", "server search p95, MedQuAD's questions, 1 conn", "ms", None),
)


def load_note() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def growth_section(bench: Bench) -> None:
    """A phone's and the server's figures at every synthetic size and MedQuAD, and how each
    grows per 10× summaries."""
    from .device import medquad_data, synthetic_data
    from .run import growth_rows

    points = {}
    for size in (*bench.sizes, *bench.growth_sizes):
        data = synthetic_data(bench, size)
        points[size] = measure_point(
            bench, f"{size:,} summaries", "synthetic", bench.workdir / f"bundles-{size}", data
        )
    data = medquad_data(bench)
    real = measure_point(bench, "MedQuAD", "medquad", bench.workdir / "bundles-medquad", data)
    growth_rows(bench, points, GROWTH, real)


def measure_point(bench: Bench, label: str, bundle: str, bundles: Path, data: Path) -> dict:
    """Every figure of ``GROWTH`` for one published bundle, each with a row of its own."""
    from satchel.store import Store

    from .phone import production

    store = Store(data)
    figures = {
        "summaries": len(store.manifest(bundle, "en", store.current(bundle)["en"])["articles"]),
    }
    # The version as the sections before left it, whose pack they may have compressed already
    # (a 10,000 pack takes minutes): the edit comes last.
    flask_command(["bundles", "compress-packs"], bundles, data, bench.workdir / "build.log")
    with production(data, bench.workdir / f"run-growth-{data.name}") as topology:
        figures |= first_install(bench, label, topology.url, bundle)
        figures["server_p95"] = server_p95(bench, label, topology.url, bundle)
    figures["device_p95"] = device_p95(bench, label, bundle, data)
    figures["update"] = one_edit_update(bench, label, bundle, bundles, data)
    return figures


def one_edit_update(bench: Bench, label: str, bundle: str, bundles: Path, data: Path) -> int:
    """Edit one summary, publish, and add the update's row: its bytes as nginx serves them."""
    from .phone import edit_articles
    from .run import measure_update, update_row

    info = {"data": data, "edited_1": edit_articles(bundles / bundle, 1, seed=29)}
    timed_build(bundles, data, bench.workdir / "build.log")
    measure_update(info, "edited_1", bundle=bundle)
    update_row(bench, f"update after editing 1 summary, {label}", info["update_edited_1"])
    return info["update_edited_1"]["download"]


def first_install(bench: Bench, label: str, url: str, bundle: str) -> dict:
    """The app's first install of ``bundle`` at 4× CPU slowdown after a floor, its JS heap
    peak, and the manifest's part of it: rows, and the figures."""
    from .chromium import chromium
    from .phone import SLOWDOWN, floor_then_install, manifest_parts, slowed_app_page

    with chromium("--enable-precise-memory-info") as browser:
        context, page, cdp = slowed_app_page(browser, url)
        floor, installed = floor_then_install(page, cdp, bundle)
        manifest = manifest_parts(page, cdp, bundle)
        context.close()
    seconds, heap = installed["ms"] / 1000, installed["peak"] / MIB
    bench.row(
        f"first install, {label}, CPU {SLOWDOWN}× slower",
        seconds,
        "s",
        peer=floor["ms"] / 1000,
        ratio=installed["ms"] / floor["ms"],
        note=f"peer: the floor (fetch and parse the same pack), one round; {load_note()}",
    )
    bench.row(f"JS heap peak during that install, {label}", heap, "MiB")
    parts = manifest["parts"]
    manifest_ms = sum(parts.values())
    bench.row(
        f"the manifest's part of that install, {label}",
        manifest_ms / 1000,
        "s",
        peer=seconds,
        ratio=manifest_ms / installed["ms"],
        note=f"{manifest['bytes']:,} B: "
        + ", ".join(f"{part} {ms:.0f} ms" for part, ms in parts.items())
        + f"; its parsed form holds {manifest['parsed_heap'] / MIB:.1f} MiB of JS heap "
        f"({manifest['parsed_heap'] / installed['peak']:.0%} of the install's peak); "
        + load_note(),
    )
    return {"install": seconds, "heap": heap, "manifest_ms": manifest_ms / 1000}


def server_p95(bench: Bench, label: str, url: str, bundle: str) -> float:
    """p95 of ``QUESTIONS`` distinct MedQuAD questions asked in turn over one connection."""
    from .run import distinct_questions, percentile, timed_searches

    questions = distinct_questions()
    timed_searches(url, bundle, questions[QUESTIONS : QUESTIONS + WARM_UP])
    took, bad = timed_searches(url, bundle, questions[:QUESTIONS])
    if bad:
        raise RuntimeError(f"{bad} of {QUESTIONS} searches of {label} failed")
    p95 = percentile(took, 95)
    bench.row(
        f"server search p95, MedQuAD's questions (uncached), 1 conn, production, {label}",
        p95,
        "ms",
        note=f"{QUESTIONS} questions, p50 {percentile(took, 50):.1f} ms; {load_note()}",
    )
    return p95


def device_p95(bench: Bench, label: str, bundle: str, data: Path) -> float:
    """Our device engine's query p95 on ``bundle`` in Chromium (``bench/device.py``'s queries)."""
    from .device import Corpus, engine_page, measure, medquad_questions

    corpus = Corpus(label, data, bundle, random.Random(7), medquad_questions())
    with engine_page([corpus]) as (page, cdp):
        ours = measure(page, cdp, 0, corpus, engines=("ours",))["ours"]
    bench.row(
        f"device query p95, {label}",
        ours["p95_ms"],
        "ms",
        note=f"p50 {ours['p50_ms']:.2f} ms; load {ours['load_ms']:.0f} ms, JS heap after load "
        f"{ours['heap_mib']:.1f} MiB; {load_note()}",
    )
    return ours["p95_ms"]
