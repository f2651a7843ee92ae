"""The docs' tables of settings, commands, endpoints, stages and modules are written from
the code by cog (``docs/cog_tables.py``); this fails when one is out of date, e.g. after a
setting, an option or a module was added without ``make docs``. ``make lint`` checks the
same and builds the site with ``mkdocs build --strict``, which this test leaves to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_docs_tables_are_those_the_code_writes():
    pages = sorted(str(page) for page in DOCS.glob("*.md"))
    check = subprocess.run(
        [sys.executable, "-m", "cogapp", "-I", str(DOCS), "--check", *pages],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, f"run 'make docs':\n{check.stdout}{check.stderr}"
