"""Every response of a served app states its cache life and carries one Date, so a CDN,
mirror or browser never picks a freshness of its own: checked route by route, and by
REDbot on every endpoint family."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..conftest import app_for
from ..helpers.bundles import write_bundle
from ..helpers.redbot import ALLOWED, FAMILIES, redbot_problems, served_paths
from ..helpers.web_clients import fetch_all_headers
from ..static.conftest import serve
from .failing_requests import ERRORS


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The test bundle built, edited and built again (so that an update exists), served by
    werkzeug's HTTP server on a free port: ``(url, manifest)``."""
    root = tmp_path_factory.mktemp("served")
    bundles = write_bundle(root / "bundles", "demo").parent
    app = app_for(root, bundles)
    runner = app.test_cli_runner()
    for weeks in ("12 weeks", "16 weeks"):
        summary = bundles / "demo" / "summaries" / "alpha.md"
        summary.write_text(summary.read_text().replace("12 weeks", weeks))
        assert runner.invoke(args=["bundles", "build"]).exit_code == 0
    manifest = app.test_client().get("/api/v1/bundles/demo/en").json
    url, stop = serve(app)
    yield url, manifest, app
    stop()


def test_every_route_is_covered_by_an_example(served):
    _url, manifest, app = served
    asked = {urlsplit(path).path for path in served_paths(manifest).values()}
    adapter = app.url_map.bind("localhost")
    matched = {adapter.match(path)[0] for path in asked}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert routes - matched <= {"static"}  # Flask's own, unused: static/ is the shell's


def one_date_and_a_policy(port: int, method: str, path: str) -> tuple[int, str]:
    """The status and Cache-Control of an answer, asserting it has one Date and one policy."""
    status, headers, _body = fetch_all_headers(port, path, method=method)
    names = [name.lower() for name, _value in headers]
    assert names.count("date") == 1, f"{method} {path}: {names.count('date')} Date fields"
    assert names.count("cache-control") == 1, f"{method} {path}: no Cache-Control"
    return status, dict(headers)["Cache-Control"]


def test_every_answer_has_one_date_and_a_cache_policy(served):
    url, manifest, _app = served
    for family, path in served_paths(manifest).items():
        status, _policy = one_date_and_a_policy(urlsplit(url).port, "GET", path)
        assert status == (404 if family == "an error" else 200), family


@pytest.mark.parametrize(
    "method, path, status",
    [(m, p, s) for m, p, s, _ in ERRORS],
    ids=[f"{m} {p[:50]}" for m, p, _, _ in ERRORS],
)
def test_an_error_is_never_stored(served, method, path, status):
    url, _manifest, _app = served
    assert one_date_and_a_policy(urlsplit(url).port, method, path) == (status, "no-store")


@pytest.mark.parametrize("family", FAMILIES)
def test_redbot_finds_no_date_or_caching_problem(served, family):
    url, manifest, _app = served
    assert redbot_problems(url + served_paths(manifest)[family], ALLOWED) == []
