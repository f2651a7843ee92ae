"""The one JSON error shape every HTTP error takes, whatever raised it::

    {"error": {"status": 404, "code": "not_found", "message": "..."}}

Messages are in the request's interface language.
"""

from __future__ import annotations

import re

from flask import current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import N_
from .language import _


class ApiError(HTTPException):
    """An HTTP error with a stable, machine-readable ``code``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(description=message)
        self.code = status
        self.error_code = code


def error_code(error: HTTPException) -> str:
    """``version_expired`` for ApiError, else the snake_case Werkzeug name (``not_found``)."""
    if isinstance(error, ApiError):
        return error.error_code
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


GENERIC_MESSAGES = {
    400: N_("The request is not valid."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that method."),
    413: N_("The request is too large."),
    429: N_("Too many requests from this device. Please try again in a few minutes."),
    500: N_("Something went wrong on our side. Please try again later."),
}


def error_response(error: HTTPException):
    message = error.description
    if not isinstance(error, ApiError):
        message = _(GENERIC_MESSAGES.get(error.code, message))
    body = {"error": {"status": error.code, "code": error_code(error), "message": message}}
    response = jsonify(body)
    response.status_code = error.code
    for name, value in error.get_headers():
        if name.lower() == "allow":
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception):
    current_app.logger.exception("Unhandled error", exc_info=error)
    return error_response(InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, error_response)
    app.register_error_handler(Exception, handle_unexpected)
