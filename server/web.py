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


def init_app(app) -> None:
    app.register_blueprint(web)
