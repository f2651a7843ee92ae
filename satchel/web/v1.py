"""The ``/api/v1`` blueprint every API view registers on, and the flask-smorest ``Api``
that publishes their schemas as ``/api/openapi.json``.

Query arguments that fail their schema leave as 400 ``invalid_parameter`` in the one
error shape.
"""

from __future__ import annotations

from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser

from .errors import ApiError, error_response
from .language import _
from .schemas import ErrorSchema


class QueryParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        field, messages = next(
            iter(error.normalized_messages().get("query", {}).items()), ("request", ["is invalid"])
        )
        raise ApiError(
            400,
            "invalid_parameter",
            _("Parameter '{name}' is not valid: {problem}", name=field, problem=" ".join(messages)),
        )


class SatchelBlueprint(Blueprint):
    ARGUMENTS_PARSER = QueryParser()


class SatchelApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return error_response(error)


api = SatchelApi()
blp = SatchelBlueprint(
    "v1",
    __name__,
    url_prefix="/api/v1",
    description="Bundles, manifests, updates, content objects and search.",
)


def init_app(app) -> None:
    """Publish ``blp``: call once every view module has added its routes."""
    app.config.update(
        API_TITLE="Satchel",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api.init_app(app)
    api.register_blueprint(blp)
