"""``make bench``'s sections of build, bytes, server and device search figures, and the
helpers they share.

Each *section* is a function ``section(bench)`` that measures something and adds
rows with ``bench.row(...)``; ``bench/cli.py``'s ``SECTIONS`` lists them in the order
they run: build,
bytes, translation, server (files and search, against nginx), cdn (manifests and objects
through the CDN stand-in, against nginx; the app's first install and one-edit update from it,
against from Flask), shell (the app shell's size), device (search in
Chromium, ``bench/device.py``), and updates and install (the app in Chromium behind
production nginx, ``bench/phone.py``). Another is a function appended there. Sections
share what they built through ``bench.state`` (e.g. the larger bundle's data folder).

Everything runs on this machine: synthetic bundles (``satchel.commands.synth``) are built
in a temporary folder, servers listen on loopback only, and every load run is
``wrk`` bounded by a duration. The table is printed and written, with the
machine's description, to ``bench/results/latest.json``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gzip
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import brotli

from .commands import flask_command, timed_build, translate_one_article
from .device import medquad_questions, synthetic_data
from .phone import (
    bundle_file_row,
    cdn_phone_rows,
    fresh_copy,
    install_and_update_from_two_sources,
)
from .servers import as_nginx_sends

BENCH_DIR = Path(__file__).resolve().parent
MIB = 1024 * 1024


@dataclass
class Row:
    section: str
    measure: str
    value: float | int | str
    unit: str = ""
    peer: float | int | str | None = None  # the figure this one is compared with
    ratio: float | None = None  # value / peer
    target: str = ""  # e.g. "≤ 5%"
    met: bool | None = None  # None: no target, or not measurable
    note: str = ""


@dataclass
class Bench:
    workdir: Path
    sizes: tuple[int, int]
    duration: int
    growth_sizes: tuple[int, ...] = ()  # built only for the build section's growth rows
    rows: list[Row] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    current: str = ""

    def row(self, measure: str, value, unit: str = "", **kwargs) -> Row:
        row = Row(self.current, measure, value, unit, **kwargs)
        self.rows.append(row)
        print(f"  {format_row(row)}", flush=True)
        return row


def format_value(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def format_row(row: Row) -> str:
    met = {True: "met", False: "NOT met", None: ""}[row.met]
    ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
    parts = [
        row.measure,
        format_value(row.value, row.unit),
        f"peer {format_value(row.peer, row.unit)}" if row.peer is not None else "",
        ratio,
        f"target {row.target} {met}" if row.target else "",
        row.note,
    ]
    return "  ".join(p for p in parts if p)


# -- helpers shared by sections ------------------------------------------------------


def app_client(data: Path):
    from satchel import create_app

    app = create_app({"DATA_DIR": str(data), "TESTING": True})
    return app.test_client()


def get(client, path: str, **kwargs) -> bytes:
    response = client.get(path, buffered=True, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data()


def source_text(folder: Path) -> bytes:
    """Every source file of a bundle, concatenated in a stable order."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def questions_script(workdir: Path, bundle: str, name: str = "questions") -> tuple[Path, int]:
    """A wrk script asking MedQuAD's questions in turn, none twice within a run.
    Its arguments (``wrk ... <url> -- <start> <threads>``) say where in the list the run
    starts and how many wrk threads share it (each takes every ``threads``-th question);
    its ``done`` prints ``resume: <n>``, where the next run starts so as to ask none of
    the same questions. Written to ``<name>.lua`` in ``workdir``. Returns (script, number
    of distinct questions)."""
    paths = [
        "/api/v1/search?" + urllib.parse.urlencode({"bundle": bundle, "q": q})
        for q in distinct_questions()
    ]
    script = workdir / f"{name}.lua"
    script.write_text("paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n" + QUESTIONS_LUA)
    return script, len(paths)


def distinct_questions() -> list[str]:
    """MedQuAD's dev questions (their first 200 characters) normalised, each once: responses
    are cached by normalised query, and MedQuAD repeats some, which would be answered from
    the cache."""
    from satchel.search.engine import normalise

    return list(dict.fromkeys(normalise(q[:200]) for q in medquad_questions()))


QUESTIONS_LUA = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  start, stride, asked = tonumber(args[1]), tonumber(args[2]), 0
end
function request()
  local index = start + id + stride * asked
  asked = asked + 1
  return wrk.format("GET", paths[index % #paths + 1])
end
function done(summary, latency, requests)
  local resume = 0
  for _, thread in ipairs(threads) do
    local id, asked = thread:get("id"), thread:get("asked")
    resume = math.max(resume, thread:get("start") + id + thread:get("stride") * asked)
  end
  io.write(string.format("resume: %d\\n", resume))
end
"""


def consumer_messages(count: int = 3000, length: int = 1000) -> list[str]:
    """``count`` different messages of at most ``length`` characters, each made of real
    consumer questions (../shared/corpus/consumer) drawn in a seeded random order."""
    from satchel.evaluate import CONSUMER
    from satchel.search.engine import normalise

    questions = [json.loads(line)["question"] for line in CONSUMER.open()]
    rng = random.Random(5)
    messages: dict[str, None] = {}  # distinct as the response cache tells them apart
    while len(messages) < count:
        text = ""
        while len(text) < length:
            text += rng.choice(questions) + " "
        messages[normalise(text[:length].rsplit(" ", 1)[0])] = None
    return list(messages)


def percentile(values: list[float], share: int) -> float:
    """The ``share``-th percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share / 100) - 1)]


def timed_searches(url: str, bundle: str, messages: list[str]) -> tuple[list[float], int]:
    """Each message searched once in turn over one kept-alive connection: (milliseconds
    each took, answered, body read; the number of answers other than 200)."""
    import http.client

    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    took, bad = [], 0
    try:
        for message in messages:
            path = "/api/v1/search?" + urllib.parse.urlencode({"bundle": bundle, "q": message})
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            took.append((time.perf_counter() - started) * 1000)
            bad += response.status != 200
    finally:
        connection.close()
    return took, bad


LONG_MESSAGES = 200
# Distinct questions the workers answer between them before their RSS is read: enough for
# a worker's search caches to reach their budgets (in one process, by about 2,000).
RSS_QUESTIONS = 6_000


def ask_each(url: str, bundle: str, questions: list[str], connections: int = 4) -> None:
    """Each question searched once, over ``connections`` kept-alive connections at once (so
    that every worker answers some); raises if any answer is not a 200."""
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        shares = [questions[k::connections] for k in range(connections)]
        bad = sum(b for _, b in pool.map(lambda share: timed_searches(url, bundle, share), shares))
    assert not bad, f"{bad} of {len(questions)} questions answered other than 200"


def long_messages_row(bench: Bench, url: str, index: Path) -> None:
    """What a caregiver pastes: ``LONG_MESSAGES`` distinct messages of 1,000 characters,
    each asked once (so none is answered from the response cache), against Whoosh's own
    searcher (``make eval``'s baseline query: OR grouping, BM25F) asked the same messages
    over the same index in this process, without HTTP's time (which favours the peer)."""
    from whoosh.index import open_dir

    from satchel.evaluate import ask_baseline

    messages = consumer_messages(LONG_MESSAGES)
    took, bad = timed_searches(url, "synthetic", messages)
    baseline = [seconds * 1000 for _, _, seconds in ask_baseline(open_dir(str(index)), [
        (message, set()) for message in messages])]  # fmt: skip
    p95, peer = percentile(took, 95), percentile(baseline, 95)
    bench.row(
        "search, 1,000-character consumer messages (uncached), 1 conn, production, p95",
        p95,
        "ms",
        peer=peer,
        ratio=p95 / peer,
        target="≤ 50 ms and ≤ 0.25× Whoosh",
        met=p95 <= 50 and p95 <= 0.25 * peer and not bad,
        note=f"{len(messages)} distinct messages, p50 {percentile(took, 50):.1f} ms; Whoosh "
        f"p50 {percentile(baseline, 50):.1f} ms" + (f"; {bad} bad" if bad else ""),
    )


# -- sections -------------------------------------------------------------------------


def build_section(bench: Bench) -> None:
    """Full builds of two synthetic sizes (and any growth sizes), a rebuild after editing
    one summary of each, MedQuAD's, and how each figure grows per 10× summaries."""
    from satchel.commands.synth import edit_summaries, synthesize

    log = bench.workdir / "build.log"
    points = {}  # summaries → {"full" s, "peak" MiB, "rebuild" s, "manifest" bytes}
    seeds = (1, 2, *range(3, 3 + len(bench.growth_sizes)))
    for size, seed in zip((*bench.sizes, *bench.growth_sizes), seeds, strict=True):
        bundles, data = bench.workdir / f"bundles-{size}", bench.workdir / f"data-{size}"
        folder = synthesize(bundles, size, seed=seed)
        seconds, peak = timed_build(bundles, data, log)
        bench.row(f"full build, {size:,} summaries", seconds, "s")
        bench.row(f"build rate, {size:,} summaries", size / seconds, "summaries/s")
        bench.row(f"build memory peak, {size:,} summaries", peak / MIB, "MiB")
        points[size] = {"full": seconds, "peak": peak / MIB, "manifest": manifest_bytes(data)}
        bench.state[size] = {"bundles": bundles, "data": data, "folder": folder, "full": seconds}
        if size == bench.sizes[-1]:
            parallel_build_row(bench, size, bundles, seconds, log)
        if size != bench.sizes[-1]:  # the larger size's edit is timed below, with updates
            edit_summaries(folder, 1, seed=1)
            points[size]["rebuild"], _peak = timed_build(bundles, data, log)
    big = bench.sizes[-1]
    info = bench.state[big]
    info["edited_1"] = edit_summaries(info["folder"], 1, seed=1)
    seconds, _peak = timed_build(info["bundles"], info["data"], log)
    points[big]["rebuild"] = seconds
    bench.row(
        f"rebuild after editing 1 summary, {big:,}",
        seconds,
        "s",
        peer=info["full"],
        ratio=seconds / info["full"],
        target="≤ 5 s",
        met=seconds <= 5,
        note="unchanged articles are neither re-rendered nor re-indexed",
    )
    measure_update(info, "edited_1")
    info["edited_10"] = edit_summaries(info["folder"], 10, seed=10)
    seconds, _peak = timed_build(info["bundles"], info["data"], log)
    bench.row(f"rebuild after editing 10 summaries, {big:,}", seconds, "s")
    measure_update(info, "edited_10")
    growth_rows(bench, points, BUILD_GROWTH, medquad_build_rows(bench, log))


def parallel_build_row(bench: Bench, size: int, bundles: Path, parallel: float, log: Path):
    """The full build of ``size`` summaries on one process, right after the one on every
    core (``parallel`` seconds), into a data folder of its own: how much faster the cores
    make it."""
    from satchel.stages.parallel import default_jobs

    data = bench.workdir / f"data-{size}-jobs-1"
    shutil.rmtree(data, ignore_errors=True)
    serial, _peak = timed_build(bundles, data, log, jobs=1)
    shutil.rmtree(data)
    cores = default_jobs()
    bench.row(
        f"parallel full build, {size:,} summaries, --jobs 1 / --jobs {cores}",
        serial / parallel,
        "×",
        target="≥ 1.8× on 2 cores",
        met=serial / parallel >= 1.8 if cores == 2 else None,
        note=f"--jobs 1 {serial:.1f} s, --jobs {cores} {parallel:.1f} s, back to back",
    )


def manifest_bytes(data: Path, bundle: str = "synthetic", locale: str = "en") -> int:
    from satchel.store import Store

    store = Store(data)
    return store.manifest_path(bundle, locale, store.current(bundle)[locale]).stat().st_size


def growth_per_10x(points: dict[int, float]) -> tuple[float, float]:
    """(exponent, ratio per 10×) of the least-squares line through log(size), log(value)."""
    xs = [math.log(size) for size in points]
    ys = [math.log(max(value, 1e-9)) for value in points.values()]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return slope, 10**slope


# The build section's growth rows: (key in each size's figures, what, unit, target at every size)
BUILD_GROWTH = (
    ("full", "full build time", "s", None),
    ("rebuild", "rebuild after editing 1 summary", "s", 5.0),
    ("peak", "build memory peak", "MiB", 512.0),
    ("manifest", "manifest bytes (en)", "B", None),
)


def growth_rows(bench: Bench, points: dict[int, dict], measures, real: dict | None) -> None:
    """A row per figure of ``measures`` (as ``BUILD_GROWTH``): how it grows with the summaries,
    fitted over every synthetic size of ``points`` (summaries → figures); ``real`` (the same
    figures of MedQuAD, and its ``summaries``) is shown beside them, not fitted."""
    sizes = sorted(points)
    shown = ", ".join(f"{size:,}" for size in sizes)
    for key, what, unit, target in measures:
        values = {size: points[size][key] for size in sizes}
        exponent, per_10x = growth_per_10x(values)
        real_point = (
            f"; MedQuAD ({real['summaries']:,}): {format_value(real[key], unit)}" if real else ""
        )
        bench.row(
            f"growth per 10× summaries: {what}",
            per_10x,
            "×",
            target=f"≤ {target:g} {unit} at every size" if target else "",
            met=max(values.values()) <= target if target else None,
            note=f"exponent {exponent:.2f} over {shown}: "
            + ", ".join(f"{format_value(values[size], unit)}" for size in sizes)
            + real_point,
        )


def medquad_build_rows(bench: Bench, log: Path) -> dict | None:
    """The real point: MedQuAD imported, built, and rebuilt after one summary is edited. Its
    figures, as ``build_section`` keeps each size's (None if a run before built it)."""
    from satchel.commands.importer import import_corpus
    from satchel.evaluate import MEDQUAD

    # Folders of its own: the device section searches MedQuAD as imported, unedited.
    bundles, data = bench.workdir / "bundles-medquad-build", bench.workdir / "data-medquad-build"
    if data.is_dir():
        return None  # built by a run before in this --workdir: its figures were that run's
    import_corpus(MEDQUAD / "docs.jsonl", "medquad", "medquad", bundles)
    articles = len(list((bundles / "medquad" / "summaries").glob("*.md")))
    seconds, peak = timed_build(bundles, data, log)
    bench.row(f"full build, MedQuAD ({articles:,} summaries)", seconds, "s")
    bench.row(f"build memory peak, MedQuAD ({articles:,} summaries)", peak / MIB, "MiB")
    manifest = manifest_bytes(data, "medquad")
    figures = {"summaries": articles, "full": seconds, "peak": peak / MIB, "manifest": manifest}
    per_article = f"{manifest / articles:.0f} B per article"
    bench.row("manifest bytes, MedQuAD (en)", manifest, "B", note=per_article)
    edited = sorted((bundles / "medquad" / "summaries").glob("*.md"))[0]
    edited.write_text(edited.read_text().rstrip("\n") + " A later check confirmed this.\n")
    figures["rebuild"], _peak = timed_build(bundles, data, log)
    bench.row(
        "rebuild after editing 1 summary, MedQuAD",
        figures["rebuild"],
        "s",
        target="≤ 5 s",
        met=figures["rebuild"] <= 5,
    )
    return figures


def bytes_section(bench: Bench) -> None:
    """First install (pack) against brotli of the source, and update sizes."""
    from satchel.commands.bundle_file import (
        device_records,
        write_bundle_file,
        write_device_records,
    )
    from satchel.stages.publish import MANIFEST_BROTLI_QUALITY, PACK_BROTLI
    from satchel.store import Store

    big = bench.sizes[-1]
    info = bench.state[big]
    client = app_client(info["data"])
    base = "/api/v1/bundles/synthetic/en"
    pack = get(client, base + "/pack")
    manifest = get(client, base)
    source = source_text(info["folder"])
    raw_br = len(brotli.compress(source, quality=11))
    on_the_fly = len(as_nginx_sends(pack))
    bench.row(f"pack (first install), {big:,}, plain", len(pack), "bytes")
    bench.row("source text, brotli q11", raw_br, "bytes")
    log = bench.workdir / "build.log"
    seconds, peak = flask_command(["bundles", "compress-packs"], info["bundles"], info["data"], log)
    bench.row(
        f"compressing the pack after publish, {big:,}",
        seconds,
        "s",
        note=f"memory peak {peak / MIB:.0f} MiB; the new version is served meanwhile",
    )

    def against_source(measure: str, size: int, note: str) -> None:
        ratio = size / raw_br
        target = "≤ 1.05× brotli(source)"
        bench.row(
            measure,
            size,
            "bytes",
            peer=raw_br,
            ratio=ratio,
            target=target,
            met=ratio <= 1.05,
            note=note,
        )

    served = len(get(client, base + "/pack", headers={"Accept-Encoding": "br"}))
    same_window = len(brotli.compress(source, quality=11, lgwin=PACK_BROTLI["lgwin"]))
    against_source(
        "pack as served (brotli 11, 16 MiB window)",
        served,
        f"source with the same window: {same_window:,} B ({served / same_window:.2f}×)",
    )
    served_gzip = len(gzip.compress(pack, compresslevel=5))
    bench.row(
        "pack before it is compressed (nginx brotli 5 on the fly)",
        on_the_fly,
        "bytes",
        peer=raw_br,
        ratio=on_the_fly / raw_br,
        note=f"gzip 5, for clients without brotli: {served_gzip:,} B",
    )
    store = Store(info["data"])
    segments = json.loads(manifest)["search"]["segments"]
    search_br = sum(store.object_path(s["object"], "br").stat().st_size for s in segments)
    bench.row(
        "search segments fetched after the pack (br)",
        search_br,
        "bytes",
        note=f"first install with search: {served + search_br:,} B",
    )
    version = json.loads(manifest)["version"]
    passed_on, device_file = io.BytesIO(), io.BytesIO()
    started = time.perf_counter()
    write_bundle_file(store, "synthetic", "en", version, passed_on)
    exported = time.perf_counter() - started
    write_device_records(device_records(store, "synthetic", "en", version), device_file)
    first_install = served + search_br
    size, before = len(passed_on.getvalue()), len(device_file.getvalue())
    bundle_file_row(
        bench,
        "bundle file to pass on (.satchel format 2: the pack and segments as served, br)",
        size,
        first_install,
        before,
        note=f"'satchel export' took {exported:.1f} s. ",
    )
    bench.row(f"manifest, {big:,} articles, plain", len(manifest), "bytes")
    bench.row(
        f"manifest, as served (precompressed, brotli {MANIFEST_BROTLI_QUALITY})",
        len(get(client, base, headers={"Accept-Encoding": "br"})),
        "bytes",
        note="downloaded by an update only when changes can't rebuild it (bench/phone.py)",
    )
    for edited in ("edited_1", "edited_10"):
        count = len(info[edited])
        measure = f"update after editing {count} summar{'y' if count == 1 else 'ies'}"
        update_row(bench, measure, info[f"update_{edited}"])


def measure_update(info: dict, edited: str, locale: str = "en", bundle: str = "synthetic") -> None:
    """What a device downloads to catch up with the version just published, as nginx
    serves it: the changes list compressed on the fly, every new article and search
    segment precompressed with brotli."""
    from satchel.store import Store

    client = app_client(info["data"])
    base = f"/api/v1/bundles/{bundle}/{locale}"
    store = Store(info["data"])
    # Only the version is needed: the served manifest is megabytes to fetch and parse.
    current = store.current(bundle)[locale]
    changes_body = get(client, f"{base}/changes?since={current - 1}")
    changes = json.loads(changes_body)
    if sorted(entry["id"] for entry in changes["changed"]) != info[edited]:
        raise RuntimeError(f"changes list other articles than the {len(info[edited])} edited")

    def brotli_bytes(entries: list[dict]) -> int:
        return sum(store.object_path(e["object"], "br").stat().st_size for e in entries)

    articles_br = brotli_bytes(changes["changed"] + changes["added"])
    search_br = brotli_bytes(changes["search"])
    changes_br = len(as_nginx_sends(changes_body))
    info[f"update_{edited}"] = {
        "changes_br": changes_br,
        "articles_br": articles_br,
        "search_br": search_br,
        "download": changes_br + articles_br + search_br,
    }


def update_row(bench: Bench, measure: str, update: dict) -> None:
    changed = update["articles_br"] + update["search_br"]
    bench.row(
        measure,
        update["download"],
        "bytes",
        peer=changed,
        ratio=update["download"] / changed,
        target="≤ 2× changed articles + their search segment (br)",
        met=update["download"] <= 2 * changed,
        note=(
            f"changes {update['changes_br']} B + articles {update['articles_br']} B"
            f" + search {update['search_br']} B br"
        ),
    )


def translation_section(bench: Bench) -> None:
    """A translator corrects one sentence of a Spanish catalog: what Spanish devices fetch."""
    big = bench.sizes[-1]
    info = bench.state[big]
    bundles, data, log = info["bundles"], info["data"], bench.workdir / "build.log"
    article, correct = translate_one_article(bench, bundles, data, "synthetic")
    correct()
    seconds, _peak = timed_build(bundles, data, log)
    bench.row(f"rebuild after correcting 1 translated segment, {big:,}", seconds, "s")
    info["edited_translation"] = [article]
    measure_update(info, "edited_translation", locale="es")
    update_row(
        bench,
        "update after correcting 1 translated segment (es)",
        info["update_edited_translation"],
    )


WRK_LINE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_threads(connections: int) -> int:
    return min(connections, 2)


def wrk(
    url: str,
    connections: int,
    seconds: int,
    headers: dict[str, str],
    script: Path | None = None,
    script_args: tuple = (),
) -> dict:
    """One bounded wrk run against a loopback URL (``script``: a wrk Lua script choosing
    the requests, given ``script_args``): requests answered, requests/s, p50 and p99 in
    ms, and ``resume`` if the script printed ``resume: <n>``."""
    assert url.startswith("http://127.0.0.1:"), "load goes to loopback only"
    command = ["wrk", f"-t{wrk_threads(connections)}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "5s", *(["--script", str(script)] if script else [])]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url, *(["--", *map(str, script_args)] if script_args else [])],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    latency = {int(p): float(v) * UNITS[u] for p, v, u in WRK_LINE.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    resume = re.search(r"^resume: (\d+)$", output, re.M)
    return {
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50_ms": latency.get(50),
        "p99_ms": latency.get(99),
        "bad_responses": int(errors[1]) if errors else 0,
        "socket_errors": socket_errors[1] if socket_errors else "",
        **({"resume": int(resume[1])} if resume else {}),
    }


def rss(pid: int) -> int:
    return worker_memory(pid)["VmRSS"]


def worker_memory(pid: int) -> dict[str, int]:
    """A process's resident bytes: all (``VmRSS``), and of them anonymous memory
    (``RssAnon``) and mapped files (``RssFile``)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        name: int(re.search(rf"{name}:\s+(\d+) kB", status)[1]) * 1024
        for name in ("VmRSS", "RssAnon", "RssFile")
    }


def row_against_nginx(bench: Bench, measure: str, result: dict, peer: dict) -> None:
    """A load run's requests per second, against nginx sending the same file (``peer``)."""
    ratio = result["rps"] / peer["rps"]
    bench.row(
        measure,
        result["rps"],
        "req/s",
        peer=peer["rps"],
        ratio=ratio,
        target="≥ 0.5× nginx",
        met=ratio >= 0.5 and not result["bad_responses"],
        note=f"p50 {result['p50_ms']:.2f} / p99 {result['p99_ms']:.2f} ms; nginx p50 "
        f"{peer['p50_ms']:.2f} / p99 {peer['p99_ms']:.2f} ms"
        + (f"; {result['bad_responses']} bad" if result["bad_responses"] else ""),
    )


def server_section(bench: Bench) -> None:
    """The app (gunicorn, Redis cache) against nginx serving the same files."""
    from bench.servers import StaticNginx
    from deploy.topology import Topology
    from satchel.search.engine import SearchIndex
    from satchel.web.content import etag_of

    big = bench.sizes[-1]
    data = synthetic_data(bench)  # build_section's, else built here: runnable on its own
    manifest_bytes = get(app_client(data), "/api/v1/bundles/synthetic/en")
    manifest = json.loads(manifest_bytes)
    etag = f'"{etag_of(manifest_bytes)}"'
    version = manifest["version"]
    name = manifest["articles"][len(manifest["articles"]) // 2]["object"]
    workers = os.cpu_count() or 2
    topology = Topology(data, bench.workdir / "run", workers=workers, access_log=False)
    # The app alone sends every file itself; behind nginx it lets nginx send them.
    app_alone = Topology(
        data, bench.workdir / "run-app", workers=workers, access_log=False, nginx_sends_files=False
    )
    static = StaticNginx(data, bench.workdir / "static")
    try:
        topology.start()
        app_alone.start()
        static.start()
        static_etag = static.etag(f"/bundles/synthetic/en/{version}.json")
        cases = [
            (
                "manifest 200",
                "/api/v1/bundles/synthetic/en",
                {},
                f"/bundles/synthetic/en/{version}.json",
                {},
            ),
            (
                "manifest 304",
                "/api/v1/bundles/synthetic/en",
                {"If-None-Match": etag},
                f"/bundles/synthetic/en/{version}.json",
                {"If-None-Match": static_etag},
            ),
            (
                "object (br)",
                f"/api/v1/objects/{name}",
                {"Accept-Encoding": "br"},
                f"/objects/{name[:2]}/{name}",
                {"Accept-Encoding": "br"},
            ),
        ]
        for label, app_path, app_headers, static_path, static_headers in cases:
            for connections in (1, 16):
                app = wrk(app_alone.app_url + app_path, connections, bench.duration, app_headers)
                peer = wrk(static.url + static_path, connections, bench.duration, static_headers)
                row_against_nginx(
                    bench, f"{label}, {connections} conn, app (gunicorn ×{workers})", app, peer
                )
                bench.state.setdefault("wrk", []).append(
                    {"case": label, "connections": connections, "app": app, "nginx": peer}
                )
        static_rps = {
            run["case"]: run["nginx"]["rps"]
            for run in bench.state["wrk"]
            if run["connections"] == 16
        }
        for label, case, path, headers in (
            (
                "object (br), 16 conn, production nginx",
                "object (br)",
                f"/api/v1/objects/{name}",
                {"Accept-Encoding": "br"},
            ),
            (
                "manifest 200, 16 conn, production (nginx keeps it a second)",
                "manifest 200",
                "/api/v1/bundles/synthetic/en",
                {},
            ),
            (
                "manifest 304, 16 conn, production (nginx keeps it a second)",
                "manifest 304",
                "/api/v1/bundles/synthetic/en",
                {"If-None-Match": etag},
            ),
            (
                "update check (changes 304), 16 conn, production",
                "manifest 304",
                f"/api/v1/bundles/synthetic/en/changes?since={version}",
                {"If-None-Match": etag},
            ),
        ):
            result = wrk(topology.url + path, 16, bench.duration, headers)
            ratio = result["rps"] / static_rps[case]
            bench.row(
                label,
                result["rps"],
                "req/s",
                peer=static_rps[case],
                ratio=ratio,
                target="≥ 0.5× nginx",
                met=ratio >= 0.5 and not result["bad_responses"],
                note=f"p50 {result['p50_ms']:.2f} / p99 {result['p99_ms']:.2f} ms",
            )
        # Each worker opens a version's search index on its first search of it (timed
        # below): warm them all first, so that these rows show the steady state.
        warm = "/api/v1/search?" + urllib.parse.urlencode({"bundle": "synthetic", "q": "warm"})
        wrk(topology.url + warm, 16, 2, {})
        # Search has no static peer. Responses are cached per version and normalised
        # query, so one query asked again and again is the cached path; MedQuAD's
        # questions asked in turn are the uncached one.
        lay_term = "/api/v1/search?" + urllib.parse.urlencode(
            {"bundle": "synthetic", "q": "pins and needles"}
        )
        script, count = questions_script(bench.workdir, "synthetic")
        asked = 0  # each run starts where the last stopped, so none is answered from cache
        for label, path, chooser in (
            ("search, one lay term (cached)", lay_term, None),
            (f"search, MedQuAD's {count:,} distinct questions (uncached)", "/", script),
        ):
            for connections in (1, 16):
                args = (asked, wrk_threads(connections)) if chooser else ()
                result = wrk(topology.url + path, connections, bench.duration, {}, chooser, args)
                span = ""
                if chooser:
                    span = f"; questions {asked:,}–{result['resume']:,}"
                    if result["resume"] > count:
                        span += " (past the list's end: some asked again)"
                    asked = result["resume"]
                bench.row(
                    f"{label}, {connections} conn, production",
                    result["rps"],
                    "req/s",
                    note=f"p50 {result['p50_ms']:.2f} / p99 {result['p99_ms']:.2f} ms"
                    + (f"; {result['bad_responses']} bad" if result["bad_responses"] else "")
                    + span,
                )
        long_messages_row(bench, topology.url, data / "bundles/synthetic/en/index" / str(version))
        started = time.perf_counter()
        SearchIndex(data / "bundles/synthetic/en/index" / str(version)).close()
        bench.row(
            f"opening the search index, {big:,}",
            (time.perf_counter() - started) * 1000,
            "ms",
            note="once per worker and version, on its first search",
        )
        # A worker's search caches (satchel/search/engine.py POSTINGS_KEPT, IMPACTS_KEPT …)
        # grow over different searches up to their budgets in bytes: RSS is read after the
        # workers answered RSS_QUESTIONS distinct questions between them (the runs above
        # asked a number that varies with the machine's speed, the rest are asked here).
        answered = max(asked, RSS_QUESTIONS)
        ask_each(topology.url, "synthetic", distinct_questions()[asked:RSS_QUESTIONS])
        memory = [worker_memory(pid) for pid in topology.worker_pids()]
        largest = max(memory, key=lambda worker: worker["VmRSS"])
        bench.row(
            f"gunicorn worker RSS, {big:,} bundle served (largest of {len(memory)})",
            largest["VmRSS"] / MIB,
            "MiB",
            target="≤ 150 MiB",
            met=largest["VmRSS"] <= 150 * MIB,
            note=f"after the workers answered {answered:,} distinct questions between them "
            f"and {LONG_MESSAGES} long messages; {largest['RssFile'] / MIB:.1f} MiB of it "
            "mapped files (shared libraries: shared between processes, reclaimable)",
        )
        others = {name: topology.services[name].pid() for name in ("gunicorn", "redis")}
        bench.row(
            "gunicorn master + Redis RSS",
            sum(rss(pid) for pid in others.values() if pid) / MIB,
            "MiB",
        )
    finally:
        static.stop()
        app_alone.stop()
        topology.stop()


def groups_section(bench: Bench) -> None:
    """Search through nginx with one and with two worker groups that share no disk."""
    from deploy.groups import GroupsBalancer, WorkerGroup
    from deploy.seaweedfs import aws_credentials, seaweedfs_server
    from satchel.bucket import Bucket, push
    from satchel.store import Store

    data = synthetic_data(bench)
    script, count = questions_script(bench.workdir, "synthetic", name="groups")
    asked = 0  # each run starts where the last stopped, so none is answered from cache
    with aws_credentials(), seaweedfs_server() as weed:
        store = (f"s3://{weed.new_bucket()}/site", weed.endpoint)
        push(Store(data), Bucket.from_url(*store))
        for size in (1, 2):
            folder = bench.workdir / f"groups-{size}"
            groups = [
                WorkerGroup(folder / f"data-{n}", folder / f"run-{n}", *store, workers=2)
                for n in range(size)
            ]
            balancer = GroupsBalancer(groups, folder / "nginx")
            try:
                for group in groups:
                    group.start(timeout=120)
                balancer.start()
                result = wrk(balancer.url + "/", 16, bench.duration, {}, script, (asked, 2))
            finally:
                balancer.stop()
                for group in groups:
                    group.stop()
            asked = result["resume"]
            bench.row(
                f"search, MedQuAD's questions (uncached), 16 conn, {size} worker group(s) of "
                "2 workers behind nginx",
                result["rps"],
                "req/s",
                note=f"p50 {result['p50_ms']:.2f} / p99 {result['p99_ms']:.2f} ms; "
                f"{result['bad_responses']} bad; one machine: the groups share its cores",
            )


def shell_section(bench: Bench) -> None:
    """The offline app's shell (HTML, CSS, JS) as production sends it: built, precompressed."""
    from bench.shell_size import BUDGET, shell_size, sources_gzipped, totals

    sizes = shell_size()
    first = totals(sizes, first_load_only=True)
    bench.row(
        "app shell, first load, brotli", first["br"], "B", target=f"≤ {BUDGET // 1024} KB",
        met=first["br"] <= BUDGET,
    )
    bench.row("app shell, first load, gzip", first["gzip"], "B")
    everything = totals(sizes)
    bench.row(  # the same budget, for what a device fetches before it works offline
        "app shell, all precached, brotli", everything["br"], "B",
        target=f"≤ {BUDGET // 1024} KB", met=everything["br"] <= BUDGET,
    )
    bench.row("app shell, all precached, gzip", everything["gzip"], "B")
    bench.row("app shell, sources, gzipped file by file", sources_gzipped(), "B")


def page_section(bench: Bench) -> None:
    """Every sample summary as one page to pass on (satchel/summary_page.py): the largest."""
    from bench.page_size import BUDGET, page_sizes

    sizes = page_sizes()
    largest = max(sizes.values())
    bench.row(
        "largest sample summary page",
        largest,
        "B",
        target=f"≤ {BUDGET // 1024} KB",
        met=largest <= BUDGET,
        note=f"{len(sizes)} pages, smallest {min(sizes.values()):,} B",
    )


@contextlib.contextmanager
def served(config: dict):
    """The app with ``config``, served by werkzeug on a free loopback port: its URL."""
    from werkzeug.serving import make_server

    from satchel import create_app

    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join()


def cdn_section(bench: Bench) -> None:
    """Manifest and object GETs through the CDN stand-in (deploy/cdn.py, nginx proxy_cache)
    in front of the app's /repo/, against nginx serving the files itself, in the same run;
    then the app's first install and one-edit update from the CDN against from Flask."""
    from bench.servers import StaticNginx
    from deploy.cdn import cdn_stand_in

    data = synthetic_data(bench)
    manifest = json.loads(get(app_client(data), "/api/v1/bundles/synthetic/en"))
    name = manifest["articles"][len(manifest["articles"]) // 2]["object"]
    manifest_path = f"bundles/synthetic/en/{manifest['version']}.json"
    static = StaticNginx(data, bench.workdir / "static-cdn")
    try:
        static.start()
        with served({"DATA_DIR": str(data)}) as origin:
            with cdn_stand_in(f"{origin}/repo/", bench.workdir / "cdn") as cdn:
                for label, path, headers in (
                    ("manifest", manifest_path, {}),
                    ("object (br)", f"objects/{name[:2]}/{name}", {"Accept-Encoding": "br"}),
                ):
                    wrk(cdn + path, 1, 1, headers)  # the first is a miss: the CDN keeps it
                    through = wrk(cdn + path, 16, bench.duration, headers)
                    direct = wrk(f"{static.url}/{path}", 16, bench.duration, headers)
                    row_against_nginx(
                        bench, f"{label}, 16 conn, through the CDN stand-in", through, direct
                    )
    finally:
        static.stop()
    phone_through_a_cdn(bench, data)


def phone_through_a_cdn(bench: Bench, data: Path) -> None:
    """The app in Chromium installing and updating the synthetic bundle from the CDN stand-in
    (its page naming the CDN in CONTENT_URL) and from Flask's /repo/, on a copy of the data."""
    from deploy.cdn import cdn_stand_in
    from deploy.topology import free_port

    size = bench.sizes[-1]
    bundles, data = fresh_copy(bench, "cdn", data, bench.workdir / f"bundles-{size}")
    flask_command(["bundles", "compress-packs"], bundles, data, bench.workdir / "build.log")
    port = free_port()
    cdn_url = f"http://127.0.0.1:{port}/"
    with (
        served({"DATA_DIR": str(data)}) as flask,
        served({"DATA_DIR": str(data), "CONTENT_URL": cdn_url}) as behind_cdn,
        cdn_stand_in(f"{flask}/repo/", bench.workdir / "cdn-phone", port),
    ):
        visits = install_and_update_from_two_sources(
            bench, bundles, data, {"cdn": behind_cdn, "flask": flask}
        )
    cdn_phone_rows(bench, f"{size:,} summaries", visits["cdn"], visits["flask"])
