"""Print the app shell's bytes as production sends them, and return the brotli total.

    .venv/bin/python -m bench.shell_size      # exits 1 when over the 48 KB budget

The shell is what every device fetches before it works offline: the HTML, CSS and JS the
service worker precaches from the production build (built/, `make build-app`), and the
worker itself. Each is counted as the precompressed copy nginx sends (brotli to a browser
that accepts it, else gzip); source maps and the vendored code fetched on demand are not
counted. The sources in static/, gzipped file by file as before the build existed, are
printed beside them for comparison.
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


def built_shell() -> list[str]:
    """The built files counted: the precached HTML, CSS and JS, and the worker."""
    precache = json.loads((BUILT_APP_DIR / "build.json").read_text())["precache"]
    names = ["index.html" if f["url"] == "/" else f["url"].removeprefix("/static/")
             for f in precache["files"]]
    return sorted(name for name in [*names, "sw.js"] if Path(name).suffix in COUNTED)


def shell_size() -> dict[str, dict[str, int]]:
    """For each built shell file: its bytes, and those of each precompressed copy."""
    return {
        name: {
            "plain": (BUILT_APP_DIR / name).stat().st_size,
            **{enc: encoded(BUILT_APP_DIR / name, enc).stat().st_size for enc in ENCODINGS},
        }
        for name in built_shell()
    }


def sources_gzipped() -> int:
    """The shell before the build: each file of static/ gzipped on its own at level 9."""
    from satchel.web.shell import shell_files

    names = [n for n in [*shell_files(), "sw.js"] if Path(n).suffix in COUNTED]
    return sum(len(gzip.compress((STATIC_DIR / name).read_bytes(), 9)) for name in names)


def main() -> int:
    sizes = shell_size()
    for name, size in sizes.items():
        print(f"{name:28} {size['plain']:7,d} B, {size['gzip']:7,d} gzip, {size['br']:7,d} br")
    totals = {key: sum(size[key] for size in sizes.values()) for key in ("plain", "gzip", "br")}
    print(f"{'built shell':28} {totals['plain']:7,d} B, {totals['gzip']:7,d} gzip, "
          f"{totals['br']:7,d} br ({totals['br'] / 1024:.1f} KB of {BUDGET // 1024} KB)")
    print(f"{'sources (static/)':28} {sources_gzipped():7,d} B gzipped file by file")
    return totals["br"]


if __name__ == "__main__":
    sys.exit(0 if main() <= BUDGET else 1)
