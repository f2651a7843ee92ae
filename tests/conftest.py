"""Shared fixtures: the browser, a small bundle written into a temporary folder, an app
that builds from and publishes to temporary folders, and its client/runner; the same
bundle built once per module for tests that only read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chromium import chromium
from deploy.seaweedfs import aws_credentials, seaweedfs_server
from satchel import create_app
from satchel.commands.build_app import ensure_built
from satchel.settings import BUILT_APP_DIR

from .helpers.bundles import write_bundle
from .helpers.postgres import new_database, postgres_server
from .helpers.web_clients import BufferedClient

# The files that take longest, longest first (about as many seconds of one worker in CI;
# measured per file as worker-seconds, setup, call and teardown summed).
# `make test` hands whole files to two workers in collection order
# (--no-loadscope-reorder): these first, so that the short ones even out the end. xdist's
# own order (the files with the most tests first) may start one of them last and leave one
# worker busy alone meanwhile.
LONGEST_FIRST = [
    "deploy/test_topology.py",  # 70
    "stages/test_incremental.py",  # 60
    "reliability/test_fuzz.py",  # 50
    "static/test_device_search.py",  # 50
    "static/test_transfer.py",  # 45
    "reliability/test_faults.py",  # 40
    "test_layout.py",  # 40
    "static/test_scripts.py",  # 35
    "i18n/test_i18n.py",  # 35
    "static/test_trust.py",  # 30
    "deploy/test_units.py",  # 30
    "static/test_update.py",  # 25
    "static/test_cdn.py",  # 25
    "static/test_accessibility.py",  # 20
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    tests = Path(__file__).parent

    def rank(item) -> int:
        path = item.path.relative_to(tests).as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep pytest's order


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, one per test process: Playwright's sync API can't run two at once."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def built_app():
    """The production build of the web app (built/), rebuilt first if static/ changed since:
    what the server sends, so what every test of the app in a browser runs."""
    ensure_built()
    return BUILT_APP_DIR


@pytest.fixture
def bundles_dir(tmp_path):
    root = tmp_path / "bundles"
    write_bundle(root, "demo")
    return root


def app_for(root: Path, bundles: Path):
    """An app that builds from ``bundles`` and keeps its data and translations in ``root``."""
    app = create_app(
        {
            "TESTING": True,
            "BUNDLES_DIR": str(bundles),
            "DATA_DIR": str(root / "data"),
            "TRANSLATIONS_DIR": str(root / "translations"),
            "PRUNE_GRACE_SECONDS": 0,
        }
    )
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def app(tmp_path, bundles_dir):
    return app_for(tmp_path, bundles_dir)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def built(build):
    """The test bundles, built once."""
    build()


@pytest.fixture
def build(runner):
    """Run ``satchel build`` with extra arguments; fail the test if it fails."""

    def run(*args, expect_ok=True):
        result = runner.invoke(args=["bundles", "build", *args])
        if expect_ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture(scope="module")
def built_client(tmp_path_factory):
    """A client of the test bundle built once for the whole module, for tests that only
    read what it publishes (a build per test is most of their time)."""
    root = tmp_path_factory.mktemp("built")
    app = app_for(root, write_bundle(root / "bundles", "demo").parent)
    result = app.test_cli_runner().invoke(args=["bundles", "build"])
    assert result.exit_code == 0, result.output
    return app.test_client()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the test process: the URL of its server, without a database."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty reports database: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    return new_database(request.getfixturevalue("postgres"), tmp_path)


@pytest.fixture(scope="session")
def seaweedfs():
    """SeaweedFS for the test process, with test credentials in the environment for the whole
    session: a test that sets them as well unsets them when it ends, if it started this."""
    with aws_credentials(), seaweedfs_server() as weed:
        yield weed


@pytest.fixture
def bucket_config(seaweedfs):
    """The settings of a new, empty bucket on the test SeaweedFS."""
    return {"STORE": f"s3://{seaweedfs.new_bucket()}/site", "S3_ENDPOINT": seaweedfs.endpoint}
