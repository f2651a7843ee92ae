"""``GET /repo/<path>``: the static repository (docs/repository.md), the published files a
device reads and updates from, served as any static server or CDN would serve them, so
that the default install's content base URL is its own ``/repo/``.

Only paths ``store.public_kind`` names are served (an allow-list: private keys, search
indexes and anything with ``..`` are 404s in the one error shape). A request for a file
gets its precompressed sibling when it accepts one; mutable files (``current.json``, the
bundle list, the key ring, interface catalogs) are revalidated on every use, the rest
are kept for a year.
"""

from __future__ import annotations

from flask import Blueprint, current_app, send_file

from ..store import CACHE_CONTROL, public_kind
from . import content
from .api import accepted_copy, is_segment
from .errors import ApiError
from .language import _

repository = Blueprint("repository", __name__, url_prefix="/repo")
PACK_SUFFIX = ".pack.ndjson.br"


def mimetype(relative: str, path) -> str:
    if relative.endswith(PACK_SUFFIX):
        return "application/x-ndjson"
    if relative.endswith(".json"):
        return "application/json"
    if relative.startswith("objects/") and "." not in relative:
        return "application/octet-stream" if is_segment(path) else "application/json"
    return "application/octet-stream"  # a precompressed copy asked for by its own name


def cache_policy(kind: str) -> str:
    """Immutable files are kept a year; a mutable one is revalidated on every use (a 304
    by its ETag), so a new publish is seen at once, through a CDN too."""
    if kind == "immutable":
        return f"public, max-age={current_app.config['OBJECT_MAX_AGE']}, immutable"
    return CACHE_CONTROL["mutable"]


@repository.get("/<path:relative>")
def repository_file(relative):
    kind = public_kind(relative)
    path = content.store().root / relative
    if kind is None or not path.is_file():
        raise ApiError(404, "not_in_repository", _("There is no file {path}.", path=relative))
    sent, encoding = accepted_copy(path)
    response = send_file(sent, mimetype=mimetype(relative, path), conditional=True)
    if relative.endswith(PACK_SUFFIX):
        encoding = "br"  # stored compressed only: browsers decode it as they receive it
    if encoding:
        response.content_encoding = encoding
    response.headers["Cache-Control"] = cache_policy(kind)
    return response


def init_app(app) -> None:
    app.register_blueprint(repository)
