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
        location, messages = next(iter(error.normalized_messages().items()))
        field, problem = first_problem(messages)
        if location == "json":
            raise ApiError(
                400,
                "invalid_body",
                _("Field '{name}' is not valid: {problem}", name=field or "body", problem=problem),
            )
        raise ApiError(
            400,
            "invalid_parameter",
            _("Parameter '{name}' is not valid: {problem}", name=field, problem=problem),
        )


def first_problem(messages, path: str = "") -> tuple[str, str]:
    """The first field (dotted, with list indexes: ``reports.0.note``) and its message."""
    if isinstance(messages, dict):
        key, inner = next(iter(messages.items()))
        if key == "_schema":
            return first_problem(inner, path)
        return first_problem(inner, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages and not isinstance(messages[0], str):
        return first_problem(messages[0], path)
    return path, " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)


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
