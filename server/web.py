"""The web app: ``/`` and the files of the PWA in ``static/``."""

from __future__ import annotations

from flask import Blueprint, send_from_directory

from .settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"

web = Blueprint("web", __name__)


@web.get("/")
def index():
    return send_from_directory(STATIC_DIR, "index.html", max_age=0)


@web.get("/static/<path:filename>")
def static_file(filename):
    return send_from_directory(STATIC_DIR, filename, max_age=0)


# No inline script or style anywhere in static/, so the policy can be strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    app.register_blueprint(web)
    app.after_request(add_security_headers)
