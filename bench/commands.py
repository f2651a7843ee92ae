"""Satchel's commands as the sections run them: ``flask …`` in a process of its own over a
bench bundle, timed, with its peak memory; a build; Spanish started and one article
translated. ``run``, ``device`` and ``phone`` all call them, so they live apart from each."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Bench

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def satchel_env(bundles: Path, data: Path) -> dict[str, str]:
    """Settings for a bench bundle; its translations live beside its data folder."""
    translations = data.parent / f"translations-{data.name}"
    translations.mkdir(exist_ok=True)
    return {
        **os.environ,
        "SATCHEL_BUNDLES_DIR": str(bundles),
        "SATCHEL_DATA_DIR": str(data),
        "SATCHEL_TRANSLATIONS_DIR": str(translations),
    }


def flask_command(arguments: list[str], bundles: Path, data: Path, log: Path):
    """Run ``flask <arguments>`` in its own process: (seconds, peak RSS in bytes)."""
    command = [sys.executable, "-m", "flask", "--app", "satchel", *arguments]
    with log.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=satchel_env(bundles, data), stdout=out, stderr=out
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"flask {' '.join(arguments)} failed; see {log}")
    return seconds, usage.ru_maxrss * 1024


def timed_build(bundles: Path, data: Path, log: Path, jobs: int | None = None):
    """``satchel build`` up to the new version being published, on ``jobs`` processes
    (default: the cores): (seconds, peak RSS in bytes). The pack it then compresses is
    timed on its own (``bytes_section``)."""
    arguments = ["bundles", "build", "--no-compress-packs"]
    arguments += ["--jobs", str(jobs)] if jobs else []
    return flask_command(arguments, bundles, data, log)


def translate_one_article(bench: Bench, bundles: Path, data: Path, bundle: str):
    """Start Spanish for ``bundle``, translate its first article whole (a stand-in
    translation that passes every check) and publish it. Returns (article id, a function
    that corrects one sentence of it in the catalog)."""
    from satchel.i18n.catalogs import read_catalog, translation_problems, write_catalog

    log = bench.workdir / "build.log"
    flask_command(["i18n", "add-language", "es", "--bundle", bundle], bundles, data, log)
    path = Path(satchel_env(bundles, data)["SATCHEL_TRANSLATIONS_DIR"]) / "es/LC_MESSAGES"
    path = path / f"{bundle}.po"
    article = sorted(p.stem for p in (bundles / bundle / "summaries").glob("*.md"))[0]
    catalog = read_catalog(path)
    translated = []
    for entry in catalog:
        text = f"(es) {entry.msgid}"
        if (entry.msgctxt or "").startswith(f"{article}/") and not translation_problems(
            entry.msgid, text, "en", "es"
        ):
            entry.msgstr = text
            translated.append(entry)
    write_catalog(path, catalog)
    timed_build(bundles, data, log)

    def correct() -> None:
        translated[-1].msgstr += " Revisado."
        write_catalog(path, catalog)

    return article, correct
