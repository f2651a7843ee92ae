"""The tables of the reports database (SQLAlchemy Core); ``migrations/`` writes them."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

NOTE_MAX = 280
metadata = MetaData()

# One answer from a reader about an article: "clear" or "unclear" (Was this clear?), or a
# problem reported: "wrong" (or outdated), "hard" (to understand), "language" (need it in my
# language: wanted_locale, when the device sends it) or "other"; with an optional note.
feedback = Table(
    "feedback",
    metadata,
    Column("id", String(36), primary_key=True),  # made by the device: sent twice, kept once
    Column("received_on", Date, nullable=False, index=True),
    Column("bundle", String(64), nullable=False),
    Column("locale", String(35), nullable=False),
    Column("article", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("answer", String(16), nullable=False),
    Column("note", String(NOTE_MAX)),
    Column("wanted_locale", String(35)),
)

# A search that found nothing: its locale, the bundles searched (sorted, comma-separated) and
# the query's search terms as the engine normalised them (space-separated, in query order).
unanswered_search = Table(
    "unanswered_search",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("received_on", Date, nullable=False, index=True),
    Column("locale", String(35), nullable=False),
    Column("bundles", String(1400), nullable=False),
    Column("terms", String(500), nullable=False),
)
