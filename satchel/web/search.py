"""``GET /api/v1/search``: the HTTP face of ``satchel.search.engine``.

The view finds the current version of each bundle searched (one, or every
bundle published in the locale), opens those versions' indexes as one
``engine.Collection`` (cached per set of versions in the process) and returns
one page of ``engine.search``. Responses are cached with flask-caching under a
key made of the data folder, the bundles and versions, the locale and the
normalised query and arguments, so a publish is visible at once.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..search import engine
from . import content, language
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
    bundle = fields.String(
        metadata={"description": "A bundle id. Default: every bundle published in the locale"}
    )
    locale = fields.String(
        metadata={
            "description": "Default: the bundle's source locale; without `bundle`, the "
            "request's language (`lang`, then Accept-Language) among the published locales"
        }
    )
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
    bundle = fields.String(required=True, metadata={"description": "The article's bundle"})
    bundle_title = fields.String(
        required=True, metadata={"description": "Its title, in the locale"}
    )
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


class SearchedBundleSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True)


class SearchResultSchema(Schema):
    query = fields.String(required=True)
    bundle = fields.String(
        required=True, allow_none=True, metadata={"description": "null when every bundle"}
    )
    locale = fields.String(required=True)
    version = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null when every bundle"}
    )
    bundles = fields.List(
        fields.Nested(SearchedBundleSchema),
        required=True,
        metadata={"description": "The bundles searched, with their versions"},
    )
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Nested(FacetsSchema, required=True)
    suggestion = fields.String(
        required=True, allow_none=True, metadata={"description": "Did you mean …"}
    )
    query_terms = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The query's words as search analysed them (stemmed, folded)"},
    )


def default_locale(bundle: str | None) -> str:
    if bundle is not None:
        locale, version = min(content.current_versions(bundle).items())
        return content.manifest_head(bundle, locale, version)["source_locale"]
    published = sorted({code for versions in content.published().values() for code in versions})
    if not published:
        raise ApiError(404, "bundle_not_found", _("No bundle is published yet."))
    return language.negotiate(published, default=published[0])


def searched_versions(bundle: str | None, locale: str) -> dict[str, int]:
    """The current version of each bundle searched: ``bundle``'s, or every bundle's
    published in ``locale``."""
    if bundle is not None:
        return {bundle: content.current_version(bundle, locale)}
    found = {
        b: versions[locale] for b, versions in content.published().items() if locale in versions
    }
    if not found:
        raise ApiError(
            404,
            "locale_not_found",
            _("No bundle is published in '{locale}'.", locale=locale),
        )
    return found


def run_search(
    bundle: str | None, locale: str | None, q: str, filters: dict, limit: int, page: int
):
    """What the view returns; ``make eval`` asks the view the same questions."""
    locale = locale or default_locale(bundle)
    versions = searched_versions(bundle, locale)

    def compute():
        parts = [(b, content.store().index_dir(b, locale, v)) for b, v in versions.items()]
        for b, path in parts:
            if not (path / "search.json").is_file():
                raise ApiError(
                    503,
                    "search_unavailable",
                    _(
                        "Search is not available for '{bundle}' ({locale}) yet; "
                        "build the bundle again.",
                        bundle=b,
                        locale=locale,
                    ),
                )
        try:
            result = engine.search(engine.open_collection(parts), q, filters, limit, page)
        except engine.SearchError as exc:
            raise ApiError(400, exc.code, str(exc)) from exc
        titles = {b: content.manifest_head(b, locale, v)["title"] for b, v in versions.items()}
        for hit in result["hits"]:
            hit["bundle_title"] = titles[hit["bundle"]]
        return {
            "bundle": bundle,
            "locale": locale,
            "version": versions[bundle] if bundle else None,
            "bundles": [{"id": b, "title": titles[b], "version": v} for b, v in versions.items()],
            **result,
        }

    state = [bundle, sorted(versions.items()), locale, engine.normalise(q), filters, limit, page]
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
    def get(self, q, limit, page, bundle=None, locale=None, **filters):
        """Search the articles of one bundle, or of every bundle, in one locale, best first."""
        filters = {k: v for k, v in filters.items() if v is not None}
        return run_search(bundle, locale, q, filters, limit, page)
