"""``POST /feedback`` and ``POST /searches/unanswered``: what readers' devices send, kept
in the reports database (``satchel.reports``). Bodies are validated by the schemas
below (errors in the one shape), size-limited like every request (REQUEST_MAX_BYTES)
and rate-limited per client by flask-limiter (REPORT_RATE_LIMIT). The client's
address is the limiter's key only: it lives in the limiter's counters for the window
and is never written to the database."""

from __future__ import annotations

import time

from flask import current_app
from flask.views import MethodView
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from marshmallow import Schema, fields, validate
from werkzeug.middleware.proxy_fix import ProxyFix

from ..reports import database, records
from ..reports.tables import NOTE_MAX
from ..store import SLUG_MAX, SLUG_PATTERN
from .content import LOCALE_PATTERN
from .errors import ApiError
from .language import _
from .schemas import ErrorSchema
from .v1 import blp

limiter = Limiter(key_func=get_remote_address)
BATCH_MAX = 50
# "Was this clear?" yes or no; else the problem reported (satchel/reports/tables.py).
ANSWERS = ("clear", "unclear", "wrong", "hard", "language", "other")
PRUNE_EVERY_SECONDS = 3600

# Lists, not validate.And: apispec writes each into the OpenAPI document (maxLength, pattern).
SLUG = [validate.Length(max=SLUG_MAX), validate.Regexp(f"^{SLUG_PATTERN}$")]
LOCALE = [validate.Length(max=35), validate.Regexp(f"^{LOCALE_PATTERN}$")]


class FeedbackSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "Made by the device, once"})
    bundle = fields.String(required=True, validate=SLUG)
    locale = fields.String(required=True, validate=LOCALE)
    article = fields.String(required=True, validate=SLUG)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    answer = fields.String(required=True, validate=validate.OneOf(ANSWERS))
    note = fields.String(validate=validate.Length(max=NOTE_MAX))
    wanted_locale = fields.String(validate=LOCALE)


class FeedbackBatchSchema(Schema):
    reports = fields.List(
        fields.Nested(FeedbackSchema), required=True, validate=validate.Length(1, BATCH_MAX)
    )


class UnansweredSearchSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "Made by the device, once"})
    locale = fields.String(required=True, validate=LOCALE)
    bundles = fields.List(
        fields.String(validate=SLUG), required=True, validate=validate.Length(1, 20)
    )
    terms = fields.List(
        fields.String(validate=validate.Length(1, 40)),
        required=True,
        validate=validate.Length(1, 10),
    )


class UnansweredSearchBatchSchema(Schema):
    searches = fields.List(
        fields.Nested(UnansweredSearchSchema), required=True, validate=validate.Length(1, BATCH_MAX)
    )


class ReceivedSchema(Schema):
    received = fields.Integer(required=True, metadata={"description": "Reports in the batch"})
    new = fields.Integer(required=True, metadata={"description": "Reports not received before"})


def report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


_pruned_at = {"time": 0.0}


def reports_engine():
    """The database, its old reports deleted at most once an hour per process."""
    engine = database.engine()
    if engine is None:
        raise ApiError(
            503, "reports_unavailable", _("Reports can't be received right now; try again later.")
        )
    if time.monotonic() - _pruned_at["time"] > PRUNE_EVERY_SECONDS:
        records.delete_older_than(engine, current_app.config["REPORT_RETENTION_DAYS"])
        _pruned_at["time"] = time.monotonic()
    return engine


def as_row(report: dict) -> dict:
    return {**report, "id": str(report["id"])}


RESPONSES = (
    (400, "Not valid: `invalid_body` names the field"),
    (413, "Larger than REQUEST_MAX_BYTES"),
    (429, "Too many posts from this client: `rate_limit_exceeded`"),
    (503, "The database is not migrated yet: `reports_unavailable`"),
)


def documented(view):
    for status, description in RESPONSES:
        view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
    return view


@blp.route("/feedback")
class Feedback(MethodView):
    decorators = [limiter.limit(report_limit)]

    @blp.arguments(FeedbackBatchSchema)
    @blp.response(200, ReceivedSchema)
    @documented
    def post(self, batch):
        """Readers' answers about articles ("Was this clear?", "Report a problem"), sent
        by a device in batches; a report whose id was received before is kept once."""
        rows = [as_row(report) for report in batch["reports"]]
        return {"received": len(rows), "new": records.record_feedback(reports_engine(), rows)}


@blp.route("/searches/unanswered")
class UnansweredSearches(MethodView):
    decorators = [limiter.limit(report_limit)]

    @blp.arguments(UnansweredSearchBatchSchema)
    @blp.response(200, ReceivedSchema)
    @documented
    def post(self, batch):
        """Searches that found nothing, from devices whose reader turned reporting on: the
        locale, the bundles searched and the query's normalised search terms."""
        rows = [as_row(search) for search in batch["searches"]]
        return {"received": len(rows), "new": records.record_searches(reports_engine(), rows)}


def init_app(app) -> None:
    if app.config["PROXY_COUNT"]:
        # Behind nginx every request comes from 127.0.0.1: the client is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
    limiter.init_app(app)
