"""Shared fixtures: a small bundle written into a temporary folder, an app
that builds from and publishes to temporary folders, and its client/runner."""

from __future__ import annotations

import pytest

from satchel import create_app

from .helpers.bundles import write_bundle
from .helpers.web_clients import BufferedClient


@pytest.fixture
def bundles_dir(tmp_path):
    root = tmp_path / "bundles"
    write_bundle(root, "demo")
    return root


@pytest.fixture
def app(tmp_path, bundles_dir):
    app = create_app(
        {
            "TESTING": True,
            "BUNDLES_DIR": str(bundles_dir),
            "DATA_DIR": str(tmp_path / "data"),
            "TRANSLATIONS_DIR": str(tmp_path / "translations"),
            "PRUNE_GRACE_SECONDS": 0,
        }
    )
    app.test_client_class = BufferedClient
    return app


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
