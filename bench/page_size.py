"""Print the bytes of every sample summary as one page (`satchel/summary_page.py`) and return the
largest.

    .venv/bin/python bench/page_size.py      # exits 1 when a page is over the 25 KB budget

The sample bundles are built into a temporary folder; each page is written as the API serves
it, with the labels of its language's interface catalog.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 25 * 1024


def page_sizes() -> dict[str, int]:
    """bundle/locale/article → bytes of its page, for every sample summary."""
    from satchel.i18n.catalogs import compile_ui, read_catalog
    from satchel.stages.pipeline import build
    from satchel.store import Store
    from satchel.summary_page import stored_page

    sizes = {}
    with tempfile.TemporaryDirectory() as folder:
        build(ROOT / "bundles", Path(folder), translations_dir=ROOT / "translations")
        store = Store(folder)
        for bundle in store.bundles():
            for locale, version in store.current(bundle).items():
                po = (
                    ROOT / "translations" / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"
                )
                catalog = compile_ui(read_catalog(po), locale) if po.is_file() else None
                manifest = store.manifest(bundle, locale, version)
                for entry in manifest["articles"]:
                    page = stored_page(store, manifest, entry["id"], catalog,
                                       "2026-01-31", "https://satchel.example.org/")  # fmt: skip
                    if page:
                        sizes[f"{bundle}/{locale}/{entry['id']}"] = len(page)
    return sizes


def main() -> int:
    sizes = page_sizes()
    for name, size in sorted(sizes.items(), key=lambda item: item[1]):
        print(f"{name:60} {size:7,d} B")
    largest = max(sizes.values())
    print(f"{'largest page':60} {largest:7,d} B ({largest / 1024:.1f} KB of {BUDGET // 1024} KB)")
    print(json.dumps({"pages": len(sizes), "largest": largest}))
    return largest


if __name__ == "__main__":
    sys.exit(0 if main() <= BUDGET else 1)
