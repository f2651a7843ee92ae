"""Satchel as a wheel: installed into a fresh virtualenv and run far from the checkout,
it builds content and serves the whole app (shell, service worker, scripts, icons,
API) with its interface in other languages.

The fresh virtualenv gets Satchel from the wheel alone (``--no-deps``) and finds its
dependencies in the test's own environment, which ``make install`` filled from the
lock: the same versions a clean install gets, with no resolve and no download. What
is tested is the wheel (its files, its entry point, its defaults), not pip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from deploy.topology import free_port

from .helpers.web_clients import fetch

PROJECT = Path(__file__).resolve().parent.parent
WHEEL_SOURCES = ("pyproject.toml", "README.md", "satchel", "static", "built", "translations")
BUNDLE = "caregiving"
SERVER_START_SECONDS = 60  # a bound on a hung start, not a performance figure


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, built_app) -> Path:
    # Built from a copy: setuptools writes build/ and satchel.egg-info/ beside
    # pyproject.toml, and a build/lib left from an earlier build would go in the wheel.
    source = tmp_path_factory.mktemp("source")
    for name in WHEEL_SOURCES:
        origin = PROJECT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    out = tmp_path_factory.mktemp("wheel")
    # The setuptools the lock installed, not one fetched for an isolated build.
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    run([*pip_wheel, "--wheel-dir", str(out), str(source)])
    return next(out.glob("satchel-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)])
    # Only now the locked dependencies: pip, installing, must not see the checkout's
    # editable Satchel among them. A plain path in a .pth joins sys.path after the
    # venv's own site-packages, without running that folder's .pth files (the editable
    # install's import hook among them).
    own = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    locked = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(own.stdout.strip()) / "locked-dependencies.pth").write_text("\n".join(locked) + "\n")
    imported = run([str(python), "-c", "import satchel; print(satchel.__file__)"], cwd=venv)
    assert Path(imported.stdout.strip()).is_relative_to(venv), "satchel is not the wheel's"
    return venv


def clean_environment(**settings: str) -> dict[str, str]:
    """No PYTHONPATH, no Flask or Satchel settings from the caller: only ``settings``."""
    keep = {"PATH", "HOME", "LANG", "TMPDIR"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    return {**env, **{f"SATCHEL_{name}": value for name, value in settings.items()}}


@pytest.fixture(scope="module")
def server(venv, tmp_path_factory):
    """``satchel build`` in a content folder, then ``satchel serve`` from elsewhere."""
    content = tmp_path_factory.mktemp("content")
    shutil.copytree(PROJECT / "bundles" / BUNDLE, content / "bundles" / BUNDLE)
    data = content / "data"
    satchel = str(venv / "bin" / "satchel")
    # BUNDLES_DIR and TRANSLATIONS_DIR are left to their defaults: ./bundles, and
    # ./translations, which is missing, so the interface catalogs are the wheel's.
    run([satchel, "build"], cwd=content, env=clean_environment(DATA_DIR=str(data)))
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    port = free_port()
    log = (elsewhere / "serve.log").open("wb")
    process = subprocess.Popen(
        [satchel, "serve", "--port", str(port)],
        cwd=elsewhere,
        env=clean_environment(DATA_DIR=str(data), BUNDLES_DIR=str(content / "bundles")),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert process.poll() is None, (elsewhere / "serve.log").read_text()
            try:
                fetch(port, "/api/v1/health")
                break
            except OSError:
                assert time.monotonic() < deadline, (elsewhere / "serve.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_wheel_ships_every_module_the_web_app_and_the_interface_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(PROJECT)) for p in (PROJECT / "satchel").rglob("*.py")}
    assert modules <= names
    for folder in ("static", "built"):  # the sources, and the production build served
        files = {f"satchel/{p.relative_to(PROJECT)}" for p in (PROJECT / folder).rglob("*")}
        packaged = {name for name in names if name.startswith(f"satchel/{folder}/")}
        assert packaged == {name for name in files if (PROJECT / name[len("satchel/") :]).is_file()}
    catalogs = {name for name in names if name.startswith("satchel/translations/")}
    interface = {"translations/messages.pot"} | {
        str(p.relative_to(PROJECT)) for p in PROJECT.glob("translations/*/LC_MESSAGES/messages.po")
    }
    assert catalogs == {f"satchel/{name}" for name in interface}


def test_installed_app_serves_the_shell_and_its_files(server):
    status, headers, body = fetch(server, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body == (PROJECT / "built" / "index.html").read_bytes()
    for name in ("lib/search-worker.js", "lib/search-engine.js", "icons/icon-192.png"):
        status, _headers, body = fetch(server, f"/static/{name}")
        assert status == 200, name
        assert body == (PROJECT / "built" / name).read_bytes(), name


def test_installed_service_worker_precaches_the_packaged_shell(server):
    status, headers, body = fetch(server, "/sw.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert body == (PROJECT / "built" / "sw.js").read_bytes()
    head = body.decode().partition("\n")[0]
    shell = json.loads(head.removeprefix("const SHELL = ").removesuffix(";"))
    precached = {entry["url"] for entry in shell["files"]}
    shell_files = {"/", "/static/lib/search-worker.js", "/static/icons/icon-192.png"}
    assert shell_files <= precached


def test_installed_api_lists_the_bundle_and_serves_its_manifest(server):
    status, _headers, body = fetch(server, "/api/v1/bundles")
    assert status == 200
    (bundle,) = json.loads(body)
    assert bundle["id"] == BUNDLE
    status, _headers, body = fetch(server, f"/api/v1/bundles/{BUNDLE}/en")
    assert status == 200
    manifest = json.loads(body)
    assert manifest["version"] == bundle["versions"]["en"]
    summaries = len(list((PROJECT / "bundles" / BUNDLE / "summaries").glob("*.md")))
    assert 0 < len(manifest["articles"]) <= summaries


def test_installed_build_publishes_the_packaged_interface_catalogs(server):
    status, _headers, body = fetch(server, "/api/v1/locales/es/messages")
    assert status == 200
    served = json.loads(body)
    with (PROJECT / "translations" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        spanish = read_po(po)
    assert served["locale"] == "es"
    assert served["messages"]["Search"] == spanish["Search"].string
