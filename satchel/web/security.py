"""Headers and limits every response and request gets, whatever route it hits."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..settings import content_sources

# No inline script or style anywhere in static/, so the policy can be strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_origins(content_url: str) -> list[str]:
    """The origins of the content sources (CONTENT_URL) that are other sites than this one."""
    parts = [urlsplit(source) for source in content_sources(content_url)]
    return list(dict.fromkeys(f"{p.scheme}://{p.netloc}" for p in parts if p.netloc))


def security_headers(content_url: str) -> dict[str, str]:
    """The headers every response gets: a page may connect to this site and to the
    content sources (CONTENT_URL), nowhere else."""
    origins = content_origins(content_url)
    if not origins:
        return SECURITY_HEADERS
    policy = SECURITY_HEADERS["Content-Security-Policy"] + "; connect-src 'self' " + " ".join(
        origins
    )
    return SECURITY_HEADERS | {"Content-Security-Policy": policy}


def add_security_headers(response):
    for name, value in security_headers(current_app.config["CONTENT_URL"]).items():
        response.headers.setdefault(name, value)
    return response


def refuse_large_bodies():
    # Checked before routing: a GET-only endpoint never reads the body, so
    # Flask's MAX_CONTENT_LENGTH alone would not stop a huge upload.
    limit = current_app.config["REQUEST_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def init_app(app) -> None:
    app.config["MAX_CONTENT_LENGTH"] = app.config["REQUEST_MAX_BYTES"]
    app.before_request(refuse_large_bodies)
    app.after_request(add_security_headers)
