"""Satchel's exceptions, and the one JSON error shape every HTTP error takes.

Build-side exceptions carry messages a user can act on; the CLI prints them as
they are. HTTP errors, whatever raised them, leave the app as::

    {"error": {"status": 404, "code": "not_found", "message": "..."}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class SatchelError(Exception):
    """Base of every error whose message is meant for the person running Satchel."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file, located as precisely as we can."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        return f"{location}: {self.field}: {self.message}"


class SourceInvalid(SatchelError):
    """The source content has problems; nothing was published."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        lines = [str(p) if p.severity == "error" else f"{p} (warning)" for p in self.problems]
        summary = f"{errors} error(s), {warnings} warning(s); nothing was published."
        super().__init__("\n".join([*lines, summary]))


class PublishFailed(SatchelError):
    """Writing the build output failed; the published version is unchanged."""


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
    500: N_("Something went wrong on our side. Please try again later."),
}


def error_response(error: HTTPException):
    from .i18n import _  # i18n needs this module's SatchelError: import late

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
