"""``satchel gaps``: what readers could not find and what they found unclear, per locale,
for the people who decide what to write and translate next.

A search is shown only once at least ``min_reports`` separate reports asked the same
terms in the same locale, so one person's query is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, case, func, select

from .tables import feedback, unanswered_search

HEADER = ("locale", "kind", "what", "reports", "notes")
TOP_ARTICLES = 10
UNCLEAR_OR_WRONG = ("unclear", "hard", "wrong")


@dataclass(frozen=True)
class Gap:
    locale: str
    kind: str  # "search", "unclear or wrong", "language"
    what: str
    reports: int
    notes: str = ""

    def row(self) -> tuple[str, ...]:
        return (self.locale, self.kind, self.what, str(self.reports), self.notes)


def unanswered(connection, min_reports: int) -> list[Gap]:
    reports = func.count().label("reports")
    query = (
        select(unanswered_search.c.locale, unanswered_search.c.terms, reports)
        .group_by(unanswered_search.c.locale, unanswered_search.c.terms)
        .having(func.count() >= min_reports)
    )
    return [Gap(locale, "search", terms, n) for locale, terms, n in connection.execute(query)]


def unclear(connection) -> list[Gap]:
    """Per locale, the articles most often marked unclear, hard or wrong, with their notes."""
    marked = feedback.c.answer.in_(UNCLEAR_OR_WRONG)
    reports = func.count().label("reports")
    keys = (feedback.c.locale, feedback.c.bundle, feedback.c.article)
    query = select(*keys, reports).where(marked).group_by(*keys).order_by(reports.desc())
    gaps, per_locale = [], {}
    for locale, bundle, article, n in connection.execute(query):
        per_locale[locale] = per_locale.get(locale, 0) + 1
        if per_locale[locale] > TOP_ARTICLES:
            continue
        notes = connection.scalars(
            select(feedback.c.note)
            .where(marked, feedback.c.locale == locale, feedback.c.bundle == bundle)
            .where(feedback.c.article == article, feedback.c.note.is_not(None))
            .order_by(feedback.c.received_on.desc())
        )
        gaps.append(Gap(locale, "unclear or wrong", f"{bundle}/{article}", n, " | ".join(notes)))
    return gaps


def languages(connection) -> list[Gap]:
    wanted = case((feedback.c.wanted_locale.is_(None), "?"), else_=feedback.c.wanted_locale)
    reports = func.count().label("reports")
    query = (
        select(feedback.c.locale, wanted.label("wanted"), reports)
        .where(feedback.c.answer == "language")
        .group_by(feedback.c.locale, wanted)
    )
    return [Gap(locale, "language", want, n) for locale, want, n in connection.execute(query)]


def gaps(engine: Engine, min_reports: int) -> list[Gap]:
    """Every gap, by locale, then searches, articles and languages, most reported first."""
    with engine.connect() as connection:
        found = unanswered(connection, min_reports) + unclear(connection) + languages(connection)
    order = {"search": 0, "unclear or wrong": 1, "language": 2}
    return sorted(found, key=lambda gap: (gap.locale, order[gap.kind], -gap.reports, gap.what))
