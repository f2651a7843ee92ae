"""Satchel's own source as data: which of its modules import which, and digests of a
module's source with everything it imports.

Keys that must change whenever the code behind them changes are derived here, not
bumped by hand: the build cache's key (``build.cache``), the search index's state
(``build.index``) and the search rules' version in every manifest
(``search.engine.RULES_VERSION``). Imports inside functions count as much as those
at the top of a module. In a checkout, the layout test reads the packages beside
Satchel (``bench``, ``deploy``) the same way.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = "satchel"
# The folder the package sits in: the checkout (beside ``bench`` and ``deploy``), or
# site-packages for an installed wheel.
HOME = Path(__file__).resolve().parent.parent


def module_path(module: str) -> Path:
    folder = HOME.joinpath(*module.split("."))
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def modules(*packages: str) -> list[str]:
    """Every module of ``packages`` (Satchel's own if none is named), packages included
    (``satchel.web``). A file whose name is no module's (``gunicorn.conf.py``) is none."""
    names = []
    for package in packages or (PACKAGE,):
        for path in sorted((HOME / package).rglob("*.py")):
            parts = (package, *path.relative_to(HOME / package).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if all(part.isidentifier() for part in parts):
                names.append(".".join(parts))
    return names


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` names, relative forms included."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _run_time_nodes(tree: ast.AST):
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:``, which never run."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from (n for child in node.orelse for n in (child, *_run_time_nodes(child)))
            continue
        yield node
        yield from _run_time_nodes(node)


def imported_by(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Which of the ``known`` modules ``source`` (the text of ``module``) imports when it
    runs, inside functions too."""
    found = set()
    for node in _run_time_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            # ``from . import api`` imports the submodule ``api``; ``from .x import name``
            # imports ``x``.
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules or {target})
    return found & known - {module}


@functools.cache
def imports(module: str, within: tuple[str, ...] = (PACKAGE,)) -> frozenset[str]:
    """The modules of the packages ``within`` that ``module`` imports when it runs."""
    path = module_path(module)
    source = path.read_text(encoding="utf-8")
    known = set(modules(*within))
    return frozenset(imported_by(source, module, path.name == "__init__.py", known))


def closure(*roots: str, within: tuple[str, ...] = (PACKAGE,)) -> list[str]:
    """``roots`` and every module of the packages ``within`` they import, directly or
    not, sorted."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        module = pending.pop()
        if module not in seen:
            seen.add(module)
            pending.extend(imports(module, within))
    return sorted(seen)


def digest(*roots: str):
    """A sha256 hasher over the source of ``roots`` and of everything they import: a
    value computed by that code must be forgotten when any of it changes."""
    hasher = hashlib.sha256()
    for module in closure(*roots):
        hasher.update(module.encode() + b"\0" + module_path(module).read_bytes() + b"\0")
    return hasher
