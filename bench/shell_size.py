"""Print the app shell's bytes as production sends them, and return the first load's.

    .venv/bin/python -m bench.shell_size      # exits 1 when the first load is over 48 KB

Counted from the production build (built/, `make build-app`), each file as the
precompressed copy nginx sends (brotli to a browser that accepts it, else gzip):

- the first load: what a browser fetches before the app can start (the page, its style
  sheet, its script and every chunk that imports at once, and the service worker);
- all it precaches: that, plus the chunks loaded later (the search worker and engine, each
  stemmer), which the service worker fetches once so that every feature works offline.

Source maps, icons and the code cached on demand are not counted: the vendored code, and
the Han table, which the app has the worker cache as it installs a Chinese bundle. The
brotli decoder the worker caches once the started app is idle, for opening a ``.satchel``
file offline (``NEEDED_OFFLINE``), is printed apart. The sources in static/, gzipped file by file as
before the build existed, are printed for comparison.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from satchel.settings import BUILT_APP_DIR, STATIC_DIR
from satchel.store import ENCODINGS, encoded

BUDGET = 48 * 1024
COUNTED = {".html", ".css", ".js"}


def built_record() -> dict:
    return json.loads((BUILT_APP_DIR / "build.json").read_text())


def built_name(url: str) -> str:
    return "index.html" if url == "/" else url.removeprefix("/static/")


def precached() -> list[str]:
    """The HTML, CSS and JS the service worker precaches, and the worker itself."""
    names = [built_name(f["url"]) for f in built_record()["precache"]["files"]]
    return sorted(name for name in [*names, "sw.js"] if Path(name).suffix in COUNTED)


def cached_later() -> dict[str, str]:
    """The files the worker caches on demand, each with how: "on demand", or "when the started
    app is idle" for the vendored code it keeps for offline use."""
    return {
        built_name(f["url"]): "when the started app is idle" if f["offline"] else "on demand"
        for f in built_record()["precache"]["later"]
    }


def shell_size() -> dict[str, dict[str, int]]:
    """For each precached file: its bytes, those of each precompressed copy, and whether the
    first load fetches it (1) or not (0)."""
    first_load = set(built_record()["first_load"])
    return {
        name: {
            "plain": (BUILT_APP_DIR / name).stat().st_size,
            **{enc: encoded(BUILT_APP_DIR / name, enc).stat().st_size for enc in ENCODINGS},
            "first_load": int(name in first_load),
        }
        for name in precached()
    }


def totals(sizes: dict, first_load_only: bool = False) -> dict[str, int]:
    counted = [size for size in sizes.values() if size["first_load"] or not first_load_only]
    return {key: sum(size[key] for size in counted) for key in ("plain", "gzip", "br")}


def sources_gzipped() -> int:
    """The shell before the build: each file of static/ gzipped on its own at level 9."""
    from satchel.web.shell import ON_DEMAND_DIR, page_files

    shell = [n for n in page_files() if Path(n).parts[0] != ON_DEMAND_DIR]
    names = [n for n in [*shell, "sw.js"] if Path(n).suffix in COUNTED]
    return sum(len(gzip.compress((STATIC_DIR / name).read_bytes(), 9)) for name in names)


def main() -> int:
    sizes = shell_size()
    for name, size in sizes.items():
        mark = "first load" if size["first_load"] else "precached after"
        print(f"{name:28} {size['plain']:7,d} B, {size['gzip']:7,d} gzip, {size['br']:7,d} br"
              f"  {mark}")
    for name, how in cached_later().items():
        print(f"{name:28} {encoded(BUILT_APP_DIR / name, 'br').stat().st_size:7,d} br  {how}")
    for label, total in (("first load", totals(sizes, True)), ("all precached", totals(sizes))):
        print(f"{label:28} {total['plain']:7,d} B, {total['gzip']:7,d} gzip, "
              f"{total['br']:7,d} br ({total['br'] / 1024:.1f} KB)")
    print(f"{'sources (static/)':28} {sources_gzipped():7,d} B gzipped file by file")
    first = totals(sizes, True)["br"]
    print(f"first load {first:,d} B brotli against the {BUDGET // 1024} KB budget")
    return first


if __name__ == "__main__":
    sys.exit(0 if main() <= BUDGET else 1)
