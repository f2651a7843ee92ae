"""Writing what readers send, each report once (its device-made id), and deleting
reports older than the retention period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, Table, delete, func, select
from sqlalchemy.exc import IntegrityError

from .tables import feedback, unanswered_search


def today() -> date:
    return datetime.now(UTC).date()


def insert_new(engine: Engine, table: Table, rows: list[dict]) -> int:
    """Insert the rows whose id the table does not hold yet; returns how many were new.
    A report sent again (its first answer was lost on the way back) is not counted twice."""
    ids = [row["id"] for row in rows]
    try:
        with engine.begin() as connection:
            held = set(connection.scalars(select(table.c.id).where(table.c.id.in_(ids))))
            fresh = list({row["id"]: row for row in rows if row["id"] not in held}.values())
            if fresh:
                received = today()
                # Every column in every row: an executemany takes its columns from the first.
                columns = [column.name for column in table.columns]
                values = [{**row, "received_on": received} for row in fresh]
                connection.execute(
                    table.insert(), [{name: row.get(name) for name in columns} for row in values]
                )
        return len(fresh)
    except IntegrityError:
        # The same report arrived twice at once and the other copy was stored first.
        return insert_new(engine, table, rows)


def record_feedback(engine: Engine, reports: list[dict]) -> int:
    return insert_new(engine, feedback, reports)


def record_searches(engine: Engine, searches: list[dict]) -> int:
    rows = [
        {
            "id": search["id"],
            "locale": search["locale"],
            "bundles": ",".join(sorted(set(search["bundles"]))),
            "terms": " ".join(search["terms"]),
        }
        for search in searches
    ]
    return insert_new(engine, unanswered_search, rows)


def delete_older_than(engine: Engine, days: int) -> int:
    """Delete every report received more than ``days`` days ago; returns how many."""
    cutoff = today() - timedelta(days=days)
    deleted = 0
    with engine.begin() as connection:
        for table in (feedback, unanswered_search):
            deleted += connection.execute(
                delete(table).where(table.c.received_on < cutoff)
            ).rowcount
    return deleted


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))
