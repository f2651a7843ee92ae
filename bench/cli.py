"""``make bench``: Satchel's figures in one table, section by section.

The runner of ``python -m bench``: the sections in the order they run, the machine's
description, the table printed and the JSON written to ``bench/results/latest.json``.
Apart from ``bench/run.py``, whose sections and helpers the other section modules
(``growth``, ``phone``, ``device``, ``trust``) use, so that none of them imports the
module that lists it."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from .device import device_section
from .growth import growth_section
from .phone import install_section, updates_section
from .run import (
    BENCH_DIR,
    Bench,
    Row,
    build_section,
    bytes_section,
    cdn_section,
    format_value,
    groups_section,
    page_section,
    server_section,
    shell_section,
    translation_section,
)
from .trust import trust_section

RESULTS = BENCH_DIR / "results"

SECTIONS: list[Callable[[Bench], None]] = [
    build_section,
    bytes_section,
    translation_section,
    server_section,
    groups_section,
    cdn_section,
    shell_section,
    page_section,
    device_section,
    updates_section,
    install_section,
    trust_section,
    growth_section,
]
SECTION_NAMES = [section.__name__.removesuffix("_section") for section in SECTIONS]


# -- running and reporting ------------------------------------------------------------------


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    release = re.search(r'PRETTY_NAME="(.*)"', Path("/etc/os-release").read_text())

    def version(command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except FileNotFoundError:
            return "missing"
        return (result.stdout + result.stderr).strip().splitlines()[0]

    return {
        "cpu": model[1] if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory[1]) / 1024 / 1024, 1) if memory else None,
        "os": release[1] if release else platform.platform(),
        "python": platform.python_version(),
        "nginx": version(["nginx", "-v"]),
        "redis": version(["redis-server", "--version"]),
        "wrk": version(["wrk", "-v"]),
    }


def table(rows: list[Row]) -> str:
    header = ("section", "measure", "value", "peer", "ratio", "target", "met", "note")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.section,
                row.measure,
                format_value(row.value, row.unit),
                format_value(row.peer, row.unit) if row.peer is not None else "",
                f"{row.ratio:.2f}×" if row.ratio is not None else "",
                row.target,
                {True: "yes", False: "NO", None: ""}[row.met],
                row.note,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="two synthetic bundle sizes; the larger is used for bytes and server (1000,10000)",
    )
    parser.add_argument(
        "--growth-sizes",
        default="",
        help="more synthetic sizes, built and measured only for the growth rows (the build "
        "and growth sections), e.g. 50000 (about 45 minutes on 2 cores); none by default",
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (3)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="work in this folder and keep it; the device section reuses the bundles a run "
        "before built there (to time engine changes without rebuilding them)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--sections",
        default=",".join(SECTION_NAMES),
        help=f"sections to run, in their order ({','.join(SECTION_NAMES)}); bytes and server "
        "need build",
    )
    args = parser.parse_args(argv)
    chosen = args.sections.split(",")
    if unknown := set(chosen) - set(SECTION_NAMES):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    small, big = (int(size) for size in args.sizes.split(","))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="satchel-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    growth = tuple(int(size) for size in args.growth_sizes.split(",") if size)
    bench = Bench(workdir, (small, big), args.duration, growth)
    started = time.perf_counter()
    about = machine()
    print(f"Satchel bench on {about['cpu']} ({about['cores']} cores), work folder {workdir}")
    try:
        for section, name in zip(SECTIONS, SECTION_NAMES, strict=True):
            if name not in chosen:
                continue
            bench.current = name
            print(f"[{bench.current}] {section.__doc__.splitlines()[0]}", flush=True)
            section(bench)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print()
    print(table(bench.rows))
    met = [row for row in bench.rows if row.met is not None]
    print(
        f"\n{sum(row.met for row in met)} of {len(met)} targets met; "
        f"{elapsed:.0f} s on {about['cpu']}, {about['cores']} cores, {about['memory_gib']} GiB"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(elapsed, 1),
                "machine": about,
                "sizes": [small, big],
                "wrk_seconds": args.duration,
                "rows": [asdict(row) for row in bench.rows],
                "wrk": bench.state.get("wrk", []),
                "device": bench.state.get("device", {}),
            },
            indent=2,
            default=str,
        )
    )
    print(f"wrote {args.out}")
    return 0
