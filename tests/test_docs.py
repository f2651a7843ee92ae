"""The docs follow the code. Their tables of settings, commands, endpoints, stages and
modules are written from it by cog (``docs/cog_tables.py``): one is out of date after a
setting, an option or a module was added without ``make docs``. Every file or folder the
prose names must exist, so a move that forgets the docs fails here. ``make lint`` also
builds the site with ``mkdocs build --strict`` (broken links and anchors), which these
tests leave to it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
# A path in a code span or a link, from a top folder of the checkout; placeholders
# (<bundle>, ab12…, *.po) mark a pattern rather than a file.
NAMED_PATH = re.compile(
    r"[`(]((?:satchel|static|tests|deploy|bench|tools|translations|bundles|docs)/[^`)\s<>…*]*)[`)]"
)


def test_the_docs_tables_are_those_the_code_writes():
    check = subprocess.run(
        [sys.executable, "-m", "cogapp", "-I", str(DOCS), "--check", *map(str, PAGES)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, f"run 'make docs':\n{check.stdout}{check.stderr}"


def test_every_path_the_docs_name_exists():
    named = {
        (page.name, path)
        for page in [ROOT / "README.md", *PAGES]
        for path in NAMED_PATH.findall(page.read_text(encoding="utf-8"))
    }
    missing = sorted((page, path) for page, path in named if not (ROOT / path).exists())
    assert [(page, path) for page, path in missing if not git_ignored(path)] == []


def git_ignored(path: str) -> bool:
    """Whether git ignores ``path``: what the build, the bench or npm write is absent from a
    fresh clone. Asked as a folder too, since a pattern like ``node_modules/`` matches
    only that way."""
    folder = path.rstrip("/") + "/"
    check = subprocess.run(["git", "check-ignore", path, folder], capture_output=True, cwd=ROOT)
    return check.returncode == 0
