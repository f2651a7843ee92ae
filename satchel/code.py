"""Satchel's own source as data: which of its modules import which, and digests of a
module's source with everything it imports.

Keys that must change whenever the code behind them changes are derived here, not
bumped by hand: the build cache's key (``build.cache``), the search index's state
(``build.index``) and the search rules' version in every manifest
(``search.engine.RULES_VERSION``). Imports inside functions count as much as those
at the top of a module.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = "satchel"
ROOT = Path(__file__).resolve().parent


def module_path(module: str) -> Path:
    parts = module.split(".")[1:]
    folder = ROOT.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def modules() -> list[str]:
    """Every module of the package, packages included (``satchel.web``)."""
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join((PACKAGE, *parts)))
    return names


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` names, relative forms included."""
    if not node.level:
        return node.module or ""
    is_package = module_path(module).name == "__init__.py"
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@functools.cache
def imports(module: str) -> frozenset[str]:
    """The package's modules that ``module`` imports, anywhere in its source."""
    known = set(modules())
    found = set()
    for node in ast.walk(ast.parse(module_path(module).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            # ``from . import api`` imports the submodule ``api``; ``from .x import name``
            # imports ``x``.
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules or {target})
    return frozenset(found & known - {module})


def closure(*roots: str) -> list[str]:
    """``roots`` and every package module they import, directly or not, sorted."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        module = pending.pop()
        if module not in seen:
            seen.add(module)
            pending.extend(imports(module))
    return sorted(seen)


def digest(*roots: str):
    """A sha256 hasher over the source of ``roots`` and of everything they import: a
    value computed by that code must be forgotten when any of it changes."""
    hasher = hashlib.sha256()
    for module in closure(*roots):
        hasher.update(module.encode() + b"\0" + module_path(module).read_bytes() + b"\0")
    return hasher
