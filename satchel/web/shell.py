"""The web app: ``/``, the files of the PWA in ``static/``, its web manifest and
its service worker (served at ``/sw.js`` so that its scope is the whole site).

The service worker precaches the app shell. Its list of files, each with the
sha256 of its bytes, is computed here from what is in ``static/`` and prepended
to ``static/sw.js`` when ``/sw.js`` is served, with a version derived from those
hashes: any change to a shell file changes ``/sw.js``, so browsers install the
new shell and the worker deletes the old one. Nothing needs a build step. Files
under ``static/vendor/`` are listed apart (``later``): only some browsers need
them, so the worker caches each the first time it is asked for.

The page names the content source (CONTENT_URL) in ``<meta name="satchel-content">``,
written into ``index.html`` as it is served (and hashed), and the worker gets it as
``CONTENT``: both read bundles from there.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_from_directory

from ..settings import STATIC_DIR
from .language import request_locale

SHELL_SUFFIXES = {".html", ".css", ".js", ".webmanifest", ".png", ".svg"}
NOT_IN_SHELL = {"sw.js"}  # the worker is never cached by itself
# Code only some browsers need (static/vendor/README.md): listed with its hash like the shell,
# cached by the worker the first time a page loads it rather than by every device up front.
ON_DEMAND_DIR = "vendor"

web = Blueprint("web", __name__)


def page_files() -> list[str]:
    """Every file under ``static/`` the page may need, sorted."""
    return sorted(
        str(path.relative_to(STATIC_DIR))
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES and path.name not in NOT_IN_SHELL
    )


def on_demand(name: str) -> bool:
    return Path(name).parts[0] == ON_DEMAND_DIR


def shell_files() -> list[str]:
    """The app shell, which the service worker precaches: the page's files but those on demand."""
    return [name for name in page_files() if not on_demand(name)]


def mimetype(filename: str) -> str:
    """The type a file of ``static/`` is sent as (deploy/nginx.conf sends the same)."""
    if filename.endswith(".webmanifest"):
        return "application/manifest+json"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def shell_url(name: str) -> str:
    return "/" if name == "index.html" else f"/static/{name}"


# As static/index.html names the default CONTENT_URL; replaced by the one configured.
CONTENT_META = b'<meta name="satchel-content" content="/repo/">'


def page_bytes(name: str, content_url: str) -> bytes:
    """A file of ``static/`` as sent: ``index.html`` naming ``content_url``."""
    data = (STATIC_DIR / name).read_bytes()
    if name != "index.html":
        return data
    named = f'<meta name="satchel-content" content="{html.escape(content_url)}">'
    return data.replace(CONTENT_META, named.encode())


def hashed(names, content_url: str) -> list[dict]:
    return [
        {
            "url": shell_url(name),
            "sha256": hashlib.sha256(page_bytes(name, content_url)).hexdigest(),
        }
        for name in names
    ]


@lru_cache(maxsize=8)
def _precache(signature: tuple, content_url: str) -> dict:
    names = [name for name, _mtime, _size in signature]
    files = hashed((name for name in names if not on_demand(name)), content_url)
    later = hashed((name for name in names if on_demand(name)), content_url)
    listed = json.dumps([files, later], sort_keys=True).encode()
    return {"version": hashlib.sha256(listed).hexdigest()[:16], "files": files, "later": later}


def precache() -> dict:
    """``{"version", "files": [{"url", "sha256"}], "later": [...]}``: the shell, then the files
    cached on demand; recomputed when one changes."""
    signature = []
    for name in page_files():
        stat = (STATIC_DIR / name).stat()
        signature.append((name, stat.st_mtime_ns, stat.st_size))
    return _precache(tuple(signature), current_app.config["CONTENT_URL"])


@web.get("/")
def index():
    # The page itself is the same for everyone (the service worker checks its
    # hash); the app asks /api/v1/messages for the negotiated language.
    content_url = current_app.config["CONTENT_URL"]
    response = Response(page_bytes("index.html", content_url), mimetype="text/html")
    response.cache_control.no_cache = True  # revalidated by its ETag (caching.py)
    response.headers["Content-Language"] = request_locale()
    response.vary.add("Accept-Language")
    return response


@web.get("/sw.js")
def service_worker():
    content = json.dumps(current_app.config["CONTENT_URL"])
    head = f"const SHELL = {json.dumps(precache(), sort_keys=True)};\nconst CONTENT = {content};\n"
    response = Response(head + (STATIC_DIR / "sw.js").read_text(), mimetype="text/javascript")
    response.cache_control.no_cache = True
    # Browsers check for a new worker often: unchanged, the answer is a 304.
    response.add_etag()
    return response.make_conditional(request)


@web.get("/static/<path:filename>")
def static_file(filename):
    return send_from_directory(STATIC_DIR, filename, mimetype=mimetype(filename))


def init_app(app) -> None:
    app.register_blueprint(web)
