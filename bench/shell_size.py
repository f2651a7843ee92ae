"""Print the gzipped size of the app shell (HTML + CSS + JS in static/) and return it.

    .venv/bin/python bench/shell_size.py      # exits 1 when over the 60 KB budget

Each file is gzipped on its own at level 9, as a server would send it.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
BUDGET = 60 * 1024


def shell_size() -> dict[str, int]:
    """The HTML, CSS and JS of the shell the service worker precaches, and the worker."""
    from satchel.web.shell import shell_files

    names = [n for n in [*shell_files(), "sw.js"] if Path(n).suffix in {".html", ".css", ".js"}]
    return {name: len(gzip.compress((STATIC / name).read_bytes(), 9)) for name in sorted(names)}


def main() -> int:
    sizes = shell_size()
    for name, size in sizes.items():
        print(f"{name:24} {size:7,d} B gzipped")
    total = sum(sizes.values())
    print(f"{'app shell':24} {total:7,d} B gzipped ({total / 1024:.1f} KB of {BUDGET // 1024} KB)")
    return total


if __name__ == "__main__":
    sys.exit(0 if main() <= BUDGET else 1)
