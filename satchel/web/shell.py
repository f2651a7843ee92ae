"""The web app: ``/``, the files of the PWA, its web manifest and its service worker
(served at ``/sw.js`` so that its scope is the whole site).

Production serves the app's build (``built/``, ``satchel build-app``: bundled, minified,
precompressed; satchel/commands/build_app.py). Its chunks are named by their hash and sent
as immutable, in the ``.br`` or ``.gz`` copy the browser accepts; the page, the service
worker and the other fixed names are sent ``no-cache`` with an ETag. A checkout that was
not built answers those requests with 503 ``app_not_built`` naming the command, rather
than falling back to the sources: a silent fallback would let production, or the tests
of what phones run, use code that is not the build.

``APP_SOURCES`` serves ``static/`` as written instead, for debugging. Then the service
worker's precache list, each file with the sha256 of its bytes, is computed here from
what is in ``static/`` and prepended to ``static/sw.js`` when ``/sw.js`` is served, with a
version derived from those hashes: any change to a shell file changes ``/sw.js``, so
browsers install the new shell and the worker deletes the old one. The build writes the
same list into its ``sw.js``. Two kinds of file are listed apart (``later``), each with the
source ``module`` it is: the code of ``vendor/``, which only some browsers need, and the code
of one language's search index (``LANGUAGE_MODULE``: a stemmer, the Han table), which a
device needs only to search a bundle in that language. The worker caches each the first
time it is asked for (the app asks for a language's as it installs a bundle in it), and a
new worker caches again the modules its predecessor held. The code any device may need
offline (``offline``: the ``.satchel`` decoder and every language's code) it also caches
unasked once the page has started and is idle: after the shell, never part of its install,
yet on the device before a bundle is likely to be handed over offline.

The page names the content source (CONTENT_URL) in ``<meta name="satchel-content">``, and
the worker gets it as ``CONTENT``: both read bundles from there. The page and worker as
written (and as built) name the default, this site's ``/repo/``; for another source both
are rewritten as they are sent, the worker's precache list hashing the page as sent.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import os
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from ..settings import BUILT_APP_DIR, STATIC_DIR, content_sources
from .api import accepted_copy
from .errors import ApiError
from .language import request_locale

SHELL_SUFFIXES = {".html", ".css", ".js", ".webmanifest", ".png", ".svg"}
NOT_IN_SHELL = {"sw.js"}  # the worker is never cached by itself
# Code only some browsers need (static/vendor/README.md): listed with its hash like the shell,
# cached by the worker the first time a page loads it rather than by every device up front.
ON_DEMAND_DIR = "vendor"
# A built chunk's name ends in esbuild's hash of its bytes (eight base32 letters): it never
# changes, so browsers may keep it for good. deploy/nginx.conf matches the same names.
HASHED_NAME = re.compile(r"-[A-Z2-7]{8}\.(?:js|css)$")
HASHED_MAX_AGE = 31536000
# The code of one language's search index that is cached on demand, as static/lib/search-engine.js
# loads it: the stemmers (1–1.6 kB each) and the Han table (a fifth of the app's code); with
# them the shell holds none of one language's code and stays under its 48 kB.
LANGUAGE_MODULE = re.compile(r"^lib/(?:han|stem/(?!regions\.)[a-z]+)\.js$")
# Code cached on demand that any device may need offline, though not to start (``offline`` in
# its entry): the worker also caches it unasked once the started page is idle (static/sw.js),
# after the shell and outside its install. The brotli decoder opens a ``.satchel`` file written
# by ``satchel export``; a bundle handed over offline needs its language's code to be searched.
NEEDED_OFFLINE = {"vendor/brotli-decode.js"}


def needed_offline(name: str) -> bool:
    """Whether a file cached on demand is also cached unasked once the page is idle."""
    return name in NEEDED_OFFLINE or bool(LANGUAGE_MODULE.match(name))

web = Blueprint("web", __name__)


def served_dir() -> Path:
    """The folder this app serves the PWA from: the build, or with APP_SOURCES static/."""
    if current_app.config["APP_SOURCES"]:
        return STATIC_DIR
    if not (BUILT_APP_DIR / "index.html").is_file():
        raise ApiError(
            503,
            "app_not_built",
            f"The web app is not built in {BUILT_APP_DIR}: run `make build-app` "
            "(or set SATCHEL_APP_SOURCES=1 to serve static/ as written).",
        )
    return BUILT_APP_DIR


def page_files(folder: Path = STATIC_DIR) -> list[str]:
    """Every file under ``folder`` the page may need, sorted."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES and path.name not in NOT_IN_SHELL
    )


def on_demand(name: str) -> bool:
    """Whether a file of ``static/`` is cached on demand rather than precached."""
    return Path(name).parts[0] == ON_DEMAND_DIR or bool(LANGUAGE_MODULE.match(name))


def shell_files() -> list[str]:
    """The sources' app shell, which the worker precaches: the page's files but those on demand."""
    return [name for name in page_files() if not on_demand(name)]


def mimetype(filename: str) -> str:
    """The type a file of ``static/`` is sent as (deploy/nginx.conf sends the same)."""
    if filename.endswith(".webmanifest"):
        return "application/manifest+json"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def shell_url(name: str) -> str:
    return "/" if name == "index.html" else f"/static/{name}"


# The content source static/index.html names: CONTENT_URL's default.
DEFAULT_CONTENT_URL = "/repo/"
CONTENT_META = f'<meta name="satchel-content" content="{DEFAULT_CONTENT_URL}">'.encode()


def page_bytes(folder: Path, name: str, content_url: str) -> bytes:
    """A file of the app as sent: ``index.html`` naming ``content_url``."""
    data = (folder / name).read_bytes()
    if name != "index.html" or content_url == DEFAULT_CONTENT_URL:
        return data
    named = f'<meta name="satchel-content" content="{html.escape(content_url)}">'
    return data.replace(CONTENT_META, named.encode())


def hashed(folder: Path, names, content_url: str) -> list[dict]:
    return [
        {
            "url": shell_url(name),
            "sha256": hashlib.sha256(page_bytes(folder, name, content_url)).hexdigest(),
        }
        for name in names
    ]


def precache_of(
    folder: Path,
    names: list[str],
    content_url: str = DEFAULT_CONTENT_URL,
    built_modules: dict[str, str] | None = None,
) -> dict:
    """``{"version", "files": [{"url", "sha256"}],
    "later": [{"url", "sha256", "offline", "module"}]}`` for ``names`` in ``folder``, the page
    naming ``content_url``: the shell, then the files cached on demand (``offline``: also
    unasked, once the page is idle), each with the source module it is: itself in
    ``static/``; in a build, the source of each hashed chunk cached on demand is given
    (``built_modules``, chunk → source)."""
    modules = {name: name for name in names if on_demand(name)} | (built_modules or {})
    files = hashed(folder, (name for name in names if name not in modules), content_url)
    kept = [name for name in names if name in modules]
    later = [
        {**entry, "offline": needed_offline(modules[name]), "module": modules[name]}
        for name, entry in zip(kept, hashed(folder, kept, content_url), strict=True)
    ]
    return versioned(files, later)


def versioned(files: list[dict], later: list[dict]) -> dict:
    """The precache list of ``files`` and ``later``, with a version derived from them."""
    listed = json.dumps([files, later], sort_keys=True).encode()
    return {"version": hashlib.sha256(listed).hexdigest()[:16], "files": files, "later": later}


def naming_page(built: dict, page: bytes) -> dict:
    """The build's precache list ``built`` for a page sent as ``page`` (naming another
    content source): every other entry stays the build's, its chunks cached on demand too."""
    page_hash = hashlib.sha256(page).hexdigest()
    files = [
        {**entry, "sha256": page_hash} if entry["url"] == "/" else entry for entry in built["files"]
    ]
    return versioned(files, built["later"])


def worker_head(precache: dict, content_url: str = DEFAULT_CONTENT_URL) -> str:
    """The lines that give the service worker its precache list and content source
    (``SHELL`` and ``CONTENT`` in static/sw.js): always ``WORKER_HEAD_LINES`` lines."""
    return (
        f"const SHELL = {json.dumps(precache, sort_keys=True)};\n"
        f"const CONTENT = {json.dumps(content_sources(content_url))};\n"
    )


WORKER_HEAD_LINES = 2


@lru_cache(maxsize=8)
def _precache(folder: Path, signature: tuple, content_url: str) -> dict:
    return precache_of(folder, [name for name, _mtime, _size in signature], content_url)


def precache(folder: Path, content_url: str) -> dict:
    """The precache list of the app in ``folder`` whose page names ``content_url``,
    recomputed when one of its files changes."""
    signature = []
    for name in page_files(folder):
        stat = (folder / name).stat()
        signature.append((name, stat.st_mtime_ns, stat.st_size))
    return _precache(folder, tuple(signature), content_url)


def sent_file(folder: Path, filename: str, mimetype: str, max_age: int = 0) -> Response:
    """``folder/filename`` in the precompressed copy the request accepts, if there is one,
    with an ETag of its bytes. Read whole rather than sent as a file (every file of the app
    is tens of KB at most): a client that leaves a response unread would hold it open."""
    path = safe_join(str(folder), filename)
    if path is None or not os.path.isfile(path):  # os.path's: False for a name too long, too
        raise NotFound()
    copy, encoding = accepted_copy(Path(path))
    response = Response(copy.read_bytes(), mimetype=mimetype)
    if encoding:
        response.content_encoding = encoding
    if max_age:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@web.get("/")
def index():
    # The page itself is the same for everyone (the service worker checks its
    # hash); the app asks /api/v1/messages for the negotiated language.
    content_url = current_app.config["CONTENT_URL"]
    if content_url == DEFAULT_CONTENT_URL:
        response = sent_file(served_dir(), "index.html", "text/html")
    else:
        page = page_bytes(served_dir(), "index.html", content_url)
        response = revalidated(Response(page, mimetype="text/html"))
    response.headers["Content-Language"] = request_locale()
    response.vary.add("Accept-Language")
    return response


@web.get("/sw.js")
def service_worker():
    folder, content_url = served_dir(), current_app.config["CONTENT_URL"]
    if folder == STATIC_DIR:
        body, listed = (folder / "sw.js").read_text(), precache(folder, content_url)
    elif content_url == DEFAULT_CONTENT_URL:
        return sent_file(folder, "sw.js", "text/javascript")
    else:  # the build wrote a head for the default source: its list, the page as sent
        *head, body = (folder / "sw.js").read_text().split("\n", WORKER_HEAD_LINES)
        built = json.loads(head[0].removeprefix("const SHELL = ").removesuffix(";"))
        listed = naming_page(built, page_bytes(folder, "index.html", content_url))
    head = worker_head(listed, content_url)
    # Browsers check for a new worker often: unchanged, the answer is a 304.
    return revalidated(Response(head + body, mimetype="text/javascript"))


def revalidated(response: Response) -> Response:
    """``response`` sent ``no-cache`` with an ETag of its bytes, as a 304 when unchanged."""
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@web.get("/static/<path:filename>")
def static_file(filename):
    max_age = HASHED_MAX_AGE if HASHED_NAME.search(filename) else 0
    return sent_file(served_dir(), filename, mimetype(filename), max_age)


def init_app(app) -> None:
    app.register_blueprint(web)
