"""The web page is served with a strict policy that its own files satisfy."""

from __future__ import annotations

import re

import pytest

from satchel.web.shell import STATIC_DIR

pytestmark = pytest.mark.usefixtures("built_app")


def test_index_is_served_with_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and b"<main" in response.data
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_need_no_inline_script_or_style(built_app):
    for html in [*STATIC_DIR.glob("*.html"), *built_app.glob("*.html")]:
        text = html.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), html
        assert not re.search(r"\sstyle=|<style|\son\w+=", text), html


def test_unknown_static_file_is_a_json_404(client):
    response = client.get("/static/nope.js")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
