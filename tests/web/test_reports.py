"""Posting feedback and unanswered searches, on SQLite and PostgreSQL: each report kept once,
nothing about the sender stored, a flood from one client refused with 429 while another is
served, and every bad body answered in the one error shape."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from satchel import create_app
from satchel.reports import database
from satchel.reports.tables import feedback, unanswered_search


@pytest.fixture
def reports_client(app, database_url):
    app.config.update(DATABASE_URL=database_url, REPORT_RATE_LIMIT="5 per minute")
    database.upgrade(database_url)  # PostgreSQL waits for 'satchel db upgrade'
    return app.test_client()


def opinion(**fields):
    return {"id": str(uuid.uuid4()), "bundle": "demo", "locale": "pt-BR", "article": "alpha",
            "version": 1, "answer": "hard", "note": "Palavras difíceis",
            **fields}  # fmt: skip


def post(client, path, body, address="192.0.2.1"):
    return client.post(path, json=body, environ_base={"REMOTE_ADDR": address})


def rows(url, table):
    with database.engine_for(url).connect() as connection:
        return [row._asdict() for row in connection.execute(select(table))]


def test_feedback_is_kept_once_and_without_the_sender(reports_client, database_url):
    report = opinion()
    clear = {k: v for k, v in opinion(answer="clear").items() if k != "note"}
    sent = post(reports_client, "/api/v1/feedback", {"reports": [report, clear]})
    assert sent.status_code == 200 and sent.json == {"received": 2, "new": 2}
    again = post(reports_client, "/api/v1/feedback", {"reports": [report]})  # the answer was lost
    assert again.json == {"received": 1, "new": 0}
    kept = rows(database_url, feedback)
    assert len(kept) == 2
    assert set(kept[0]) == {"id", "received_on", "bundle", "locale", "article", "version",
                            "answer", "note", "wanted_locale"}  # fmt: skip
    assert "192.0.2.1" not in repr(kept)


def test_an_unanswered_search_arrives_as_terms(reports_client, database_url):
    search = {"id": str(uuid.uuid4()), "locale": "en", "bundles": ["demo", "caregiving"],
              "terms": ["itchi", "skin"]}  # fmt: skip
    response = post(reports_client, "/api/v1/searches/unanswered", {"searches": [search]})
    assert response.json == {"received": 1, "new": 1}
    [row] = rows(database_url, unanswered_search)
    assert (row["locale"], row["bundles"], row["terms"]) == ("en", "caregiving,demo", "itchi skin")


def test_a_flood_from_one_client_gets_429_while_another_is_served(reports_client):
    answers = [post(reports_client, "/api/v1/feedback", {"reports": [opinion()]}).status_code
               for _ in range(8)]  # fmt: skip
    assert answers == [200] * 5 + [429] * 3
    refused = post(reports_client, "/api/v1/feedback", {"reports": [opinion()]})
    assert refused.json["error"]["code"] == "rate_limit_exceeded"
    assert refused.json["error"]["status"] == 429
    other = post(reports_client, "/api/v1/feedback", {"reports": [opinion()]}, "198.51.100.7")
    assert other.status_code == 200


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/feedback", {}, "reports"),
        ("/api/v1/feedback", {"reports": []}, "reports"),
        ("/api/v1/feedback", {"reports": [opinion(id="not-a-uuid")]}, "reports.0.id"),
        ("/api/v1/feedback", {"reports": [opinion(note="x" * 281)]}, "reports.0.note"),
        ("/api/v1/feedback", {"reports": [opinion(bundle="../keys")]}, "reports.0.bundle"),
        ("/api/v1/feedback", {"reports": [opinion(answer="maybe")]}, "reports.0.answer"),
        ("/api/v1/feedback", {"reports": [opinion(ip="192.0.2.1")]}, "reports.0.ip"),
        ("/api/v1/searches/unanswered", {"searches": [{"id": str(uuid.uuid4())}]}, "searches.0"),
    ],
)
def test_bad_bodies_get_the_json_error_shape(reports_client, path, body, field):
    response = post(reports_client, path, body)
    assert response.status_code == 400
    error = response.json["error"]
    assert set(error) == {"status", "code", "message"} and error["code"] == "invalid_body"
    assert f"Field '{field}" in error["message"]


def test_a_body_that_is_not_json_or_too_large_gets_the_error_shape(reports_client):
    broken = reports_client.post("/api/v1/feedback", data=b"{", content_type="application/json")
    assert broken.status_code == 400 and broken.json["error"]["status"] == 400
    large = post(reports_client, "/api/v1/feedback", {"reports": [opinion(note="x" * 20000)]})
    assert large.status_code == 413 and large.json["error"]["code"] == "request_entity_too_large"


def test_postgresql_not_yet_migrated_is_a_503_in_the_shape(app, postgres):
    app.config.update(DATABASE_URL=f"{postgres}/postgres")
    response = post(app.test_client(), "/api/v1/feedback", {"reports": [opinion()]})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "reports_unavailable"


def test_behind_a_proxy_the_limit_counts_each_forwarded_client(app, database_url):
    app.config.update(DATABASE_URL=database_url, REPORT_RATE_LIMIT="2 per minute")
    database.upgrade(database_url)
    proxied = create_app({**app.config, "PROXY_COUNT": 1}).test_client()

    def from_client(address):
        return proxied.post(
            "/api/v1/feedback",
            json={"reports": [opinion()]},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).status_code

    assert [from_client("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert from_client("203.0.113.6") == 200
