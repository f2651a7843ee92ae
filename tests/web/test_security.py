"""Odd input at the HTTP surface: always a 4xx in the one error shape, never a
file outside the data folder, and the security headers on every response."""

from __future__ import annotations

import pytest

from .failing_requests import ERRORS

ODD = [
    "..",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    "a%00b",
    "x" * 3000,
    "%C3%A9t%C3%A9",
    "ÀB",
    "%2F",
    "..%5c..%5cpyproject.toml",
    "~root",
    "con",
    ".build.lock",
]
TEMPLATES = [
    "/api/v1/bundles/{}/en",
    "/api/v1/bundles/demo/{}",
    "/api/v1/bundles/{}/en/pack",
    "/api/v1/bundles/demo/{}/changes?since=1",
    "/api/v1/objects/{}",
    "/api/v1/locales/{}/messages",
    "/static/{}",
    "/static/..%2f{}",
]
OUTSIDE = (b"[build-system]", b"root:x:0", b"SETTINGS", b"def create_app")


@pytest.fixture
def client(built_client):
    """Every test here only reads what the test bundle publishes: one build serves them all."""
    return built_client


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("value", ODD, ids=lambda v: v[:20])
def test_odd_identifiers_are_refused(client, template, value):
    response = client.get(template.format(value))
    assert 400 <= response.status_code < 500, response.status_code
    assert response.json["error"]["status"] == response.status_code
    assert not any(marker in response.data for marker in OUTSIDE)


@pytest.mark.parametrize("name", ["A" * 64, "g" * 64, "a" * 63, "a" * 65, "%61" * 64])
def test_object_names_must_be_lowercase_sha256(client, name):
    assert client.get(f"/api/v1/objects/{name}").status_code in (400, 404)


def test_large_request_bodies_are_refused(client):
    response = client.post(
        "/api/v1/health", data=b"x" * 20000, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "request_entity_too_large"


HEADERS = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
}


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/"),
        ("GET", "/static/manifest.webmanifest"),
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/bundles"),
        ("GET", "/api/openapi.json"),
        *[(m, u) for m, u, _, _ in ERRORS],
    ],
)
def test_security_headers_on_every_response(client, built_app, method, url):
    response = client.open(url, method=method)
    assert HEADERS <= set(response.headers.keys())
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"Traceback" not in response.data


def test_debug_is_off_unless_asked(app):
    assert app.debug is False
