"""``GET /api/v1/search``: the HTTP face of ``satchel.search.engine``.

The view finds the bundle × locale's current version, opens that version's
index (``index/<version>``, cached per version in the process) and returns one
page of ``engine.search``. Responses are cached with flask-caching under a key
made of the data folder, bundle, locale, version and the normalised query and
arguments, so a publish is visible at once.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..search import engine
from . import content
from .errors import ApiError
from .language import _
from .schemas import ErrorSchema
from .v1 import blp


class SearchQuerySchema(Schema):
    q = fields.String(
        required=True,
        metadata={
            "description": "Words to search for (at most 1,000 characters). "
            '`"a phrase"` must occur as written; `-word` excludes articles holding it. '
            "The last word also matches as a prefix while typing."
        },
    )
    # Unknown bundles and locales are 404s (checked before the disk is touched).
    bundle = fields.String(required=True, metadata={"description": "A bundle id"})
    locale = fields.String(metadata={"description": "Default: the bundle's source locale"})
    topic = fields.String(metadata={"description": "Only articles with this topic slug"})
    symptom = fields.String(metadata={"description": "Only articles with this symptom slug"})
    min_credibility = fields.Integer(
        validate=validate.Range(1, 5, error="must be a whole number from 1 to 5"),
        metadata={"description": "Only articles rated at least this credible (1 to 5)"},
    )
    limit = fields.Integer(
        load_default=10, validate=validate.Range(1, 50, error="must be from 1 to 50")
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(1, 1000, error="must be from 1 to 1000")
    )


class SearchHitSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    teaser = fields.String(required=True)
    published = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    score = fields.Float(required=True)
    highlights = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "HTML fragments: text is escaped, matches are in <mark>"},
    )


class FacetsSchema(Schema):
    topics = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    symptoms = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class SearchResultSchema(Schema):
    query = fields.String(required=True)
    bundle = fields.String(required=True)
    locale = fields.String(required=True)
    version = fields.Integer(required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Nested(FacetsSchema, required=True)
    suggestion = fields.String(
        required=True, allow_none=True, metadata={"description": "Did you mean …"}
    )


def default_locale(bundle: str) -> str:
    locale, version = min(content.current_versions(bundle).items())
    return content.manifest(bundle, locale, version)["source_locale"]


def run_search(bundle: str, locale: str | None, q: str, filters: dict, limit: int, page: int):
    """What the view returns; ``make eval`` calls ``engine.search`` the same way."""
    locale = locale or default_locale(bundle)
    version = content.current_version(bundle, locale)

    def compute():
        path = content.store().index_dir(bundle, locale, version)
        if not (path / "search.json").is_file():
            raise ApiError(
                503,
                "search_unavailable",
                _(
                    "Search is not available for '{bundle}' ({locale}) yet; "
                    "build the bundle again.",
                    bundle=bundle,
                    locale=locale,
                ),
            )
        try:
            result = engine.search(engine.open_index(path), q, filters, limit, page)
        except engine.SearchError as exc:
            raise ApiError(400, exc.code, str(exc)) from exc
        return {"bundle": bundle, "locale": locale, "version": version, **result}

    state = [bundle, locale, version, engine.normalise(q), filters, limit, page]
    return content.cached("search", state, compute)


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SearchResultSchema)
    @blp.alt_response(
        400,
        schema=ErrorSchema,
        description="`query_empty`, `query_too_long` or `invalid_parameter`",
    )
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle or locale")
    def get(self, q, bundle, limit, page, locale=None, **filters):
        """Search a bundle's articles in one locale, best first."""
        filters = {k: v for k, v in filters.items() if v is not None}
        return run_search(bundle, locale, q, filters, limit, page)
