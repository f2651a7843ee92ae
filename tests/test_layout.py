"""The package's shape: no import cycles (in the benchmarks and the deployment code too),
the web layer apart from the build, cache keys that follow the code, and the ``satchel``
command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from satchel import code

ROOT = Path(__file__).resolve().parent.parent
SATCHEL = Path(sys.executable).with_name("satchel")
# The checkout's packages: Satchel, and the benchmarks and deployment code that import it.
PROJECT_PACKAGES = ("satchel", "bench", "deploy")


def cycle_through(start: str) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, if there is one."""
    path: list[str] = []

    def visit(module: str, seen: set[str]) -> list[str] | None:
        for target in sorted(code.imports(module, PROJECT_PACKAGES)):
            if target == start:
                return [*path, module, start]
            if target not in seen:
                seen.add(target)
                path.append(module)
                found = visit(target, seen)
                path.pop()
                if found:
                    return found
        return None

    return visit(start, {start})


@pytest.mark.parametrize("module", code.modules(*PROJECT_PACKAGES))
def test_no_module_imports_itself_through_others(module):
    cycle = cycle_through(module)
    assert cycle is None, " -> ".join(cycle)


def is_test_module(module: str) -> bool:
    return module.rpartition(".")[2].startswith("test_")


@pytest.mark.parametrize("module", [m for m in code.modules("tests") if is_test_module(m)])
def test_no_test_module_imports_another(module):
    """Shared test code lives in tests/helpers/ or a conftest.py, where it can be found."""
    assert not [m for m in code.imports(module, ("tests",)) if is_test_module(m)]


def test_the_import_graph_sees_imports_inside_functions_but_not_type_checking_ones():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .api import blp\n"
        "from ..store import Store\n"
        "if TYPE_CHECKING:\n"
        "    from ..stages.pack import Pack\n"
        "def late():\n"
        "    from ..stages import publish\n"
        "    import satchel.kept\n"
    )
    known = {
        "satchel.api",
        "satchel.web.api",
        "satchel.store",
        "satchel.stages.pack",
        "satchel.stages.publish",
        "satchel.kept",
    }
    in_package = code.imported_by(source, "satchel.web", True, known)
    assert in_package == {
        "satchel.web.api",
        "satchel.store",
        "satchel.stages.publish",
        "satchel.kept",
    }
    # The same lines in a plain module one level deeper resolve from its folder.
    in_module = code.imported_by(source, "satchel.web.shell", False, known)
    assert in_module == in_package


def test_the_web_layer_never_imports_the_build():
    web = [m for m in code.modules() if m == "satchel.web" or m.startswith("satchel.web.")]
    build = ("satchel.stages", "satchel.commands")
    reached = [m for m in code.closure(*web) if m.startswith(build)]
    assert reached == []


def run_python(source: str, env: dict | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return done.stdout


def test_serving_requests_loads_no_build_module(built_data):
    # What a gunicorn worker does: create the app, answer the API and a search.
    loaded = run_python(
        "import sys, json\n"
        "from satchel import create_app\n"
        f"app = create_app({{'DATA_DIR': {str(built_data)!r}}})\n"
        "client = app.test_client()\n"
        "assert client.get('/api/v1/bundles').status_code == 200\n"
        "assert client.get('/api/v1/search?q=tired&bundle=ms-research').status_code == 200\n"
        "assert client.get('/').status_code == 200\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('satchel'))))\n"
    )
    modules = json.loads(loaded)
    assert "satchel.web.search" in modules
    assert [m for m in modules if m.startswith("satchel.stages")] == []


@pytest.fixture(scope="module")
def built_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    subprocess.run(
        [SATCHEL, "build", "--no-compress-packs"],
        cwd=ROOT,
        env={**os.environ, "SATCHEL_DATA_DIR": str(data)},
        check=True,
        capture_output=True,
    )
    return data


def test_the_cached_stages_key_covers_every_module_they_call():
    # reference.py is called by load and validate; the hand-kept list had left it out.
    covered = code.closure(
        "satchel.stages.source",
        "satchel.stages.validate",
        "satchel.stages.render",
        "satchel.stages.translate",
    )
    support = {"satchel.stages.reference", "satchel.stages.schemas", "satchel.stages.thesaurus"}
    assert support <= set(covered)


def digests_after(edit: tuple[str, str, str], tmp_path: Path) -> dict:
    """The derived keys of a copy of the package, before and after one source edit."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "satchel", copy / "satchel", ignore=shutil.ignore_patterns("*.pyc"))
    probe = (
        "import json\n"
        "from satchel.stages import cache, index\n"
        "from satchel.search import engine\n"
        "print(json.dumps({'cache': cache.CODE_DIGEST.hexdigest(), 'index': index.INDEX_CODE,"
        " 'rules': engine.RULES_VERSION}))\n"
    )
    env = {"PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    before = json.loads(run_python(probe, env, cwd=copy))
    path, old, new = edit
    target = copy / path
    source = target.read_text()
    assert old in source
    target.write_text(source.replace(old, new, 1))
    after = json.loads(run_python(probe, env, cwd=copy))
    return {key: before[key] != after[key] for key in before}


def test_editing_a_module_the_cached_stages_import_misses_the_cache(tmp_path):
    changed = digests_after(
        ("satchel/stages/reference.py", "TEASER_MAX = 200", "TEASER_MAX = 201"), tmp_path
    )
    assert changed == {"cache": True, "index": False, "rules": False}


def test_editing_a_search_rule_changes_the_rules_version_and_the_index(tmp_path):
    changed = digests_after(("satchel/search/engine.py", "\nB = 0.75", "\nB = 0.8"), tmp_path)
    assert changed == {"cache": False, "index": True, "rules": True}


def satchel(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SATCHEL, *args],
        cwd=ROOT,
        env={**os.environ, "SATCHEL_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
    )


def test_satchel_command_lists_the_build_translation_and_server_commands(tmp_path):
    listing = satchel("--help", data=tmp_path).stdout
    for command in ("build", "import", "synth", "verify", "compress-packs", "i18n", "serve"):
        assert f"\n  {command} " in listing, command


def test_satchel_and_flask_commands_are_the_same(built_data, tmp_path):
    verified = satchel("verify", data=built_data)
    assert verified.returncode == 0, verified.stderr
    assert "every manifest's signature and the TUF metadata are intact" in verified.stdout
    flask = Path(sys.executable).with_name("flask")
    through_flask = subprocess.run(
        [flask, "--app", "satchel", "bundles", "verify"],
        cwd=ROOT,
        env={**os.environ, "SATCHEL_DATA_DIR": str(built_data)},
        capture_output=True,
        text=True,
    )
    assert through_flask.returncode == 0 and through_flask.stdout == verified.stdout
    status = satchel("i18n", "status", "--bundle", "ms-research", data=tmp_path)
    assert status.returncode == 0 and "ms-research" in status.stdout
