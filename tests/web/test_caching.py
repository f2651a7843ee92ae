"""The cache only saves work: a Redis that is down or hanging never costs a reader a page."""

from __future__ import annotations

import socket

import pytest

from satchel import create_app

from ..helpers.web_clients import BufferedClient

PATHS = [
    "/api/v1/bundles",
    "/api/v1/locales",
    "/api/v1/bundles/demo/en",
    "/api/v1/bundles/demo/en/changes?since=1",
]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_redis():
    """A socket that accepts connections and never answers, like a hung Redis."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def redis_app(tmp_path, bundles_dir, port, debug=False):
    app = create_app(
        {
            "TESTING": True,
            "DEBUG": debug,
            "BUNDLES_DIR": str(bundles_dir),
            "DATA_DIR": str(tmp_path / "data"),
            "TRANSLATIONS_DIR": str(tmp_path / "translations"),
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "CACHE_REDIS_TIMEOUT_MS": 50,
        }
    )
    app.test_client_class = BufferedClient
    assert app.test_cli_runner().invoke(args=["bundles", "build"]).exit_code == 0
    return app


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_unreachable_redis_serves_every_page_uncached(tmp_path, bundles_dir, debug, caplog):
    client = redis_app(tmp_path, bundles_dir, closed_port(), debug).test_client()
    for path in PATHS:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_json())
    assert client.get("/api/v1/bundles").get_json()[0]["id"] == "demo"
    assert "cache backend failed" in caplog.text


def test_hung_redis_serves_every_page(tmp_path, bundles_dir, silent_redis):
    client = redis_app(tmp_path, bundles_dir, silent_redis).test_client()
    for path in PATHS:
        assert client.get(path).status_code == 200, path


def test_a_publish_is_seen_while_redis_is_down(tmp_path, bundles_dir):
    app = redis_app(tmp_path, bundles_dir, closed_port())
    client = app.test_client()
    assert client.get("/api/v1/bundles/demo/en").get_json()["version"] == 1
    teaser = bundles_dir / "demo" / "summaries" / "gamma.md"
    teaser.write_text(teaser.read_text().replace("120 people", "121 people"))
    assert app.test_cli_runner().invoke(args=["bundles", "build"]).exit_code == 0
    assert client.get("/api/v1/bundles/demo/en").get_json()["version"] == 2
