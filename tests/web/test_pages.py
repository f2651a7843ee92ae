"""A summary as one page from the API and from ``satchel export --article``: the same bytes,
a page that can run nothing and load nothing, and errors in the one JSON shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from satchel.summary_page import page_html

PAGE = "/api/v1/bundles/demo/en/articles/alpha/page"


def test_the_api_serves_the_page_of_the_current_version(client, built):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == 'inline; filename="alpha-en.html"'
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    manifest = client.get("/api/v1/bundles/demo/en").json
    entry = next(a for a in manifest["articles"] if a["id"] == "alpha")
    article = client.get(f"/api/v1/objects/{entry['object']}").json
    catalog = client.get("/api/v1/locales/en/messages").json
    today = datetime.now(UTC).date().isoformat()
    assert response.data == page_html(
        manifest, article, entry["object"], catalog, today, "http://localhost/"
    )
    text = response.data.decode()
    assert "<script" not in text and "src=" not in text
    assert f'<meta name="satchel-object" content="{entry["object"]}">' in text


def test_export_writes_the_page_the_api_serves(app, client, built, runner, tmp_path):
    args = ["bundles", "export", "--bundle", "demo", "--locale", "en", "--article", "alpha"]
    refused = runner.invoke(args=[*args, "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "--library-url" in refused.output
    result = runner.invoke(args=[*args, "--library-url", "http://localhost/", "--out", tmp_path])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "alpha-en.html").read_bytes() == client.get(PAGE).data


def test_export_names_an_article_it_does_not_have(built, runner, tmp_path):
    result = runner.invoke(
        args=["bundles", "export", "--bundle", "demo", "--locale", "en", "--article", "zeta",
              "--library-url", "http://localhost/", "--out", str(tmp_path)]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "no readable article zeta; its articles: alpha, beta, gamma" in result.output


@pytest.mark.parametrize(
    "path, code",
    [
        ("/api/v1/bundles/demo/en/articles/zeta/page", "article_not_found"),
        ("/api/v1/bundles/demo/en/articles/..%2f..%2fkeys/page", "not_found"),
        ("/api/v1/bundles/demo/fr/articles/alpha/page", "locale_not_found"),
        ("/api/v1/bundles/demo/en/versions/9", "version_not_kept"),
    ],
)
def test_what_is_not_there_is_a_404_in_the_one_shape(client, built, path, code):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == code


def test_a_kept_version_serves_its_manifest_as_stored(app, client, built):
    response = client.get("/api/v1/bundles/demo/en/versions/1")
    assert response.status_code == 200
    assert response.data == client.get("/api/v1/bundles/demo/en").data
    assert json.loads(response.data)["version"] == 1
