"""The reports database: one engine per URL (``DATABASE_URL``; default a SQLite file in
the data folder) and its schema, moved by Alembic to the newest migration.

``satchel db upgrade`` migrates; a SQLite database is also migrated on first use in a
process, so ``make serve`` needs no step of its own. PostgreSQL (production) is
migrated by the command only, before the workers start: two workers migrating at
once would race.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Engine, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_upgrading = threading.Lock()


def database_url(config) -> str:
    return config["DATABASE_URL"] or f"sqlite:///{Path(config['DATA_DIR']) / 'reports.sqlite3'}"


@functools.cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Move the database at ``url`` to the newest migration (creating it from empty)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with engine_for(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(url: str) -> bool:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


@functools.cache
def _migrated(url: str) -> bool:
    if url.startswith("sqlite"):
        upgrade(url)
        return True
    return is_current(url)


def engine() -> Engine | None:
    """The app's reports engine; None while a PostgreSQL database awaits ``satchel db
    upgrade``."""
    url = database_url(current_app.config)
    with _upgrading:
        if not _migrated(url):
            _migrated.cache_clear()
            return None
    return engine_for(url)
