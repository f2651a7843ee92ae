"""The reports database on SQLite and PostgreSQL alike: migrations from empty, `satchel gaps`
showing a search only at k separate reports, and retention deleting old reports."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

from sqlalchemy import inspect, update

from satchel.reports import database, records
from satchel.reports.tables import feedback, unanswered_search


def reports_app(app, database_url, **settings):
    app.config.update(DATABASE_URL=database_url, **settings)
    return app


def search(terms, locale="en"):
    return {"id": str(uuid.uuid4()), "locale": locale, "bundles": ["demo"], "terms": terms}


def opinion(article, answer, note=None, wanted=None):
    report = {"id": str(uuid.uuid4()), "bundle": "demo", "locale": "en", "article": article,
              "version": 1, "answer": answer, "note": note}  # fmt: skip
    return report | ({"wanted_locale": wanted} if wanted else {})


def test_migrations_build_every_table_from_empty(app, runner, database_url):
    reports_app(app, database_url)
    engine = database.engine_for(database_url)
    assert inspect(engine).get_table_names() == []
    result = runner.invoke(args=["bundles", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    tables = set(inspect(engine).get_table_names())
    assert {"feedback", "unanswered_search", "alembic_version"} <= tables
    assert database.is_current(database_url)
    again = runner.invoke(args=["bundles", "db", "upgrade"])
    assert again.exit_code == 0, again.output


def gaps(runner, *args):
    result = runner.invoke(args=["bundles", "gaps", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_gaps_shows_a_search_only_at_k_separate_reports(app, runner, database_url):
    reports_app(app, database_url, REPORT_MIN_COUNT=3)
    database.upgrade(database_url)
    engine = database.engine_for(database_url)
    records.record_searches(engine, [search(["itchi", "skin"]) for _ in range(2)])
    records.record_searches(engine, [search(["rare", "one"]), search(["itchi", "skin"], "es")])
    assert "itchi skin" not in gaps(runner)
    third = search(["itchi", "skin"])
    records.record_searches(engine, [third, third])  # the same report twice counts once
    records.record_searches(engine, [third])
    rows = list(csv.reader(io.StringIO(gaps(runner, "--csv"))))
    assert rows == [
        ["locale", "kind", "what", "reports", "notes"],
        ["en", "search", "itchi skin", "3", ""],
    ]
    assert "rare one" not in gaps(runner) and "rare one" in gaps(runner, "--min-reports", "1")


def test_gaps_lists_unclear_articles_with_notes_and_languages_asked_for(app, runner, database_url):
    reports_app(app, database_url)
    database.upgrade(database_url)
    engine = database.engine_for(database_url)
    records.record_feedback(engine, [
        opinion("alpha", "unclear"), opinion("alpha", "wrong", "dose is outdated"),
        opinion("beta", "hard", "long words"), opinion("beta", "clear"),
        opinion("gamma", "clear"), opinion("alpha", "language", wanted="sw"),
        opinion("beta", "language", wanted="sw"),
    ])  # fmt: skip
    rows = list(csv.reader(io.StringIO(gaps(runner, "--csv"))))[1:]
    assert rows == [
        ["en", "unclear or wrong", "demo/alpha", "2", "dose is outdated"],
        ["en", "unclear or wrong", "demo/beta", "1", "long words"],
        ["en", "language", "sw", "2", ""],
    ]
    table = gaps(runner)
    assert "locale  kind" in table and "demo/alpha" in table and "gamma" not in table


def test_retention_deletes_old_reports(app, runner, database_url):
    reports_app(app, database_url, REPORT_RETENTION_DAYS=30)
    database.upgrade(database_url)
    engine = database.engine_for(database_url)
    records.record_searches(engine, [search(["old"]), search(["new"])])
    records.record_feedback(engine, [opinion("alpha", "unclear")])
    long_ago = records.today() - timedelta(days=31)
    with engine.begin() as connection:
        connection.execute(update(unanswered_search).where(unanswered_search.c.terms == "old")
                           .values(received_on=long_ago))  # fmt: skip
        connection.execute(update(feedback).values(received_on=long_ago))
    assert "Deleted 2 reports older than 30 days." in gaps(runner)
    assert records.count(engine, unanswered_search) == 1
    assert records.count(engine, feedback) == 0
