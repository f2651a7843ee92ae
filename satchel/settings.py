"""Every setting Satchel reads, declared once with its default and help text.

A setting ``NAME`` is taken, in increasing priority, from the default below, the
optional ``instance/config.py``, the environment variable ``SATCHEL_NAME`` and
finally the ``test_config`` passed to ``create_app``. docs/settings.md shows each
one, written from this tuple by cog (``make docs``); tests/test_docs.py keeps it current.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# A checkout keeps the web app and the interface catalogs at its root, where they are
# edited; a wheel carries copies inside the package (pyproject.toml maps them there).
IN_CHECKOUT = not (PACKAGE_DIR / "static").is_dir()
SHIPPED_DIR = PROJECT_ROOT if IN_CHECKOUT else PACKAGE_DIR
STATIC_DIR = SHIPPED_DIR / "static"
# The production build of static/ (``satchel build-app``), which the server sends.
BUILT_APP_DIR = SHIPPED_DIR / "built"
SHIPPED_TRANSLATIONS_DIR = SHIPPED_DIR / "translations"
# Content is the checkout's own; an installed Satchel works on the folder it runs in.
CONTENT_ROOT = PROJECT_ROOT if IN_CHECKOUT else Path.cwd()


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str

    def parse(self, raw: str) -> object:
        """Turn an environment string into the type of the default."""
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        return raw


def content_sources(content_url: str) -> list[str]:
    """The content sources CONTENT_URL names, in order of preference (space-separated)."""
    return content_url.split() or ["/repo/"]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BUNDLES_DIR",
        str(CONTENT_ROOT / "bundles"),
        "Folder holding the source bundles (one sub-folder per bundle). Default: "
        "bundles/ in the checkout, or in the current folder when installed from a wheel.",
    ),
    Setting(
        "TRANSLATIONS_DIR",
        str(CONTENT_ROOT / "translations"),
        "Folder holding the gettext catalogs (templates and <locale>/LC_MESSAGES/*.po). "
        "Default: translations/ in the checkout, or in the current folder when installed "
        "from a wheel. If it holds no interface catalog (messages.po), the build "
        "publishes the ones shipped with Satchel.",
    ),
    Setting(
        "DATA_DIR",
        "",
        "Folder the build publishes to and the server reads from. Empty means "
        "the Flask instance folder: instance/ in the checkout, "
        "<prefix>/var/satchel-instance when installed from a wheel.",
    ),
    Setting(
        "STORE",
        "",
        "Where the static repository is published besides DATA_DIR. Empty: DATA_DIR "
        "only. s3://bucket/prefix: an S3-compatible bucket; every build uploads the public "
        "files to it, pointers last, and 'satchel pull' makes a worker's DATA_DIR a copy of "
        "it. Credentials come from the usual AWS variables (AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE…).",
    ),
    Setting(
        "S3_ENDPOINT",
        "",
        "The address of an S3-compatible server other than AWS (SeaweedFS, Garage, Ceph, "
        "R2…) for STORE, e.g. http://127.0.0.1:8333. Empty: AWS S3.",
    ),
    Setting(
        "CACHE_TYPE",
        "SimpleCache",
        "flask-caching backend: SimpleCache (in-process), RedisCache (shared by "
        "every worker) or NullCache (no caching).",
    ),
    Setting(
        "CACHE_REDIS_URL",
        "",
        "Redis URL used when CACHE_TYPE is RedisCache, e.g. redis://127.0.0.1:6379/0.",
    ),
    Setting(
        "CACHE_REDIS_TIMEOUT_MS",
        250,
        "Milliseconds to wait for Redis to connect or answer before serving uncached; "
        "after a failure Redis is skipped for 5 seconds, so readers never see an error.",
    ),
    Setting(
        "CACHE_DEFAULT_TIMEOUT",
        300,
        "Seconds a cached entry lives. Keys include the published version, so a "
        "publish is visible at once whatever this is.",
    ),
    Setting(
        "REQUEST_MAX_BYTES",
        16384,
        "Largest request body accepted, in bytes; larger requests get 413 "
        "request_entity_too_large.",
    ),
    Setting(
        "SOURCE_FILE_MAX_BYTES",
        1048576,
        "Largest source file (summary, page, catalog) the build reads, in bytes; a larger "
        "one is a build error.",
    ),
    Setting(
        "BUNDLE_MAX_FILES",
        100000,
        "Most summary files one bundle may hold; more is a build error.",
    ),
    Setting(
        "PRUNE_GRACE_SECONDS",
        3600,
        "A version past retain_versions is deleted only this long after it was "
        "replaced, so a device mid-download can still fetch its objects.",
    ),
    Setting(
        "X_ACCEL_PREFIX",
        "",
        "Behind nginx: the internal location that maps to DATA_DIR (deploy/nginx.conf "
        "uses /_data/). The app then answers packs with an "
        "X-Accel-Redirect and nginx sends the file. Empty: the app sends files itself.",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        "The address readers open the app at, e.g. https://satchel.example.org/, written "
        "in the footer of a summary page. Empty: the address a request came to "
        "(the API); 'satchel export --article' then needs --library-url.",
    ),
    Setting(
        "CONTENT_URL",
        "/repo/",
        "Where the app reads bundles, keys, manifests, packs, updates, objects and "
        "interface catalogs: the static repository (docs/repository.md) served by this "
        "app (/repo/), or CDNs, mirrors or hotspots holding a copy, space-separated in "
        "order of preference, e.g. 'https://cdn.example.org/satchel/ /repo/'. The app "
        "moves to the next when one cannot be reached, is silent for 10 s or fails with a "
        "5xx, never when one sends altered files. The page's Content-Security-Policy and "
        "service worker allow exactly these; searches of the server and reports still go "
        "to /api/v1.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of the database that keeps what readers send (feedback, searches "
        "that found nothing), e.g. postgresql+psycopg://satchel@127.0.0.1:5432/satchel. "
        "Empty: the SQLite file reports.sqlite3 in DATA_DIR, migrated on first use; "
        "migrate any other with 'satchel db upgrade'.",
    ),
    Setting(
        "REPORT_MIN_COUNT",
        5,
        "'satchel gaps' shows a search that found nothing only once at least this many "
        "separate reports asked the same terms in the same locale.",
    ),
    Setting(
        "REPORT_RETENTION_DAYS",
        180,
        "Reports older than this many days are deleted: when reports are written (at most "
        "once an hour per process) and when 'satchel gaps' runs.",
    ),
    Setting(
        "REPORT_RATE_LIMIT",
        "30 per minute",
        "How many posts of feedback or searches one client (by address, never stored) may "
        "make; more get 429 rate_limit_exceeded. flask-limiter's notation.",
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "How many proxies in front of the app set X-Forwarded-For (the topology's nginx: "
        "1). The rate limit then counts the client's address, not the proxy's.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where flask-limiter counts requests: memory:// (each process on its own) or the "
        "topology's Redis, e.g. redis://127.0.0.1:6379/1, shared by every worker.",
    ),
    Setting(
        "APP_SOURCES",
        False,
        "Serve the web app from static/ as written rather than its production build in "
        "built/ (`make build-app`), to debug it in a browser. Never in production.",
    ),
    Setting(
        "OBJECT_MAX_AGE",
        31536000,
        "Cache-Control max-age, in seconds, sent with immutable content objects.",
    ),
)


def load_settings(config, test_config: dict | None = None) -> None:
    """Fill a Flask ``config`` from defaults, instance/config.py, env and test_config."""
    for setting in SETTINGS:
        config.setdefault(setting.name, setting.default)
    config.from_pyfile("config.py", silent=True)
    for setting in SETTINGS:
        raw = os.environ.get(f"SATCHEL_{setting.name}")
        if raw is not None:
            config[setting.name] = setting.parse(raw)
    if test_config:
        config.update(test_config)
