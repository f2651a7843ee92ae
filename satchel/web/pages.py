"""``GET …/articles/<id>/page``: a summary as one self-contained HTML page
(``satchel.summary_page``), the file the app's "Send as a page" writes."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, request
from flask.views import MethodView

from ..store import SLUG_MAX, SLUG_PATTERN
from ..summary_page import CSP, file_name, stored_page
from . import content, language
from .api import BUNDLE_PARAMETER, LOCALE_PARAMETER, path_parameter
from .errors import ApiError
from .language import _
from .schemas import ErrorSchema
from .v1 import blp

ARTICLE_PARAMETER = path_parameter(
    "article", "An article id", pattern=SLUG_PATTERN, maxLength=SLUG_MAX
)


def library_address() -> str:
    """Where the page says the whole library is: PUBLIC_URL, else this server."""
    return current_app.config["PUBLIC_URL"] or request.url_root


@blp.route(
    "/bundles/<bundle>/<locale>/articles/<article>/page",
    parameters=[BUNDLE_PARAMETER, LOCALE_PARAMETER, ARTICLE_PARAMETER],
)
class SummaryPage(MethodView):
    @blp.response(
        200,
        description="One self-contained HTML page (no scripts, no external requests) of "
        "the article in the current version, made today (UTC).",
        content_type="text/html",
    )
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown bundle, locale or article")
    def get(self, bundle, locale, article):
        """The article as one page to pass on, print or open without the app."""
        manifest = content.manifest(bundle, locale, content.current_version(bundle, locale))
        page = content.is_slug(article) and stored_page(
            content.store(),
            manifest,
            article,
            language.ui_catalog(locale),
            datetime.now(UTC).date().isoformat(),
            library_address(),
        )
        if not page:
            raise ApiError(
                404,
                "article_not_found",
                _(
                    "There is no article '{article}' in '{bundle}' ({locale}).",
                    article=article,
                    bundle=bundle,
                    locale=locale,
                ),
            )
        response = Response(page, mimetype="text/html")
        name = file_name(manifest, article)
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        response.headers["Content-Security-Policy"] = CSP
        response.cache_control.no_cache = True
        return response
