"""The flask-caching instance. Keys always include a published version, so a
new publish is visible at once with any backend (in-process or Redis).

The cache only ever saves work, so losing it must never cost a reader a page:
every backend call goes through ``FailSafeBackend``, which turns a backend error
(Redis stopped, unreachable, slow) into a miss and skips the backend for
``RETRY_AFTER`` seconds, so a dead Redis costs one short timeout, not one per
request. Redis sockets get short timeouts (``CACHE_REDIS_TIMEOUT_MS``).

HTTP caches are told too: every response states its own cache life (``state_cache_policy``),
so no CDN or browser picks one by heuristics.
"""

from __future__ import annotations

import logging
import time

from flask import request
from flask_caching import Cache

cache = Cache()
logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds the backend is skipped after an error

_MISS_RESULTS = {
    "get": None,
    "get_many": None,  # replaced by one None per key
    "get_dict": None,  # replaced by {key: None}
    "has": False,
    "set": False,
    "add": False,
    "set_many": [],
    "delete": False,
    "delete_many": [],
    "clear": False,
    "inc": None,
    "dec": None,
}


class FailSafeBackend:
    """Wraps a flask-caching backend so that its errors become cache misses."""

    def __init__(self, backend):
        self.backend = backend
        self.down_until = 0.0

    def __getattr__(self, name):
        attribute = getattr(self.backend, name)
        if name not in _MISS_RESULTS:
            return attribute

        def safe(*args, **kwargs):
            if time.monotonic() < self.down_until:
                return self._miss(name, args)
            try:
                return attribute(*args, **kwargs)
            except Exception as exc:  # any backend failure is a miss, never an error
                self.down_until = time.monotonic() + RETRY_AFTER
                logger.warning(
                    "cache backend failed (%s: %s); serving uncached for %.0f s",
                    type(exc).__name__,
                    exc,
                    RETRY_AFTER,
                )
                return self._miss(name, args)

        return safe

    @staticmethod
    def _miss(name, args):
        if name == "get_many":
            return [None] * len(args)
        if name == "get_dict":
            return dict.fromkeys(args)
        return _MISS_RESULTS[name]


def state_cache_policy(response):
    """Give a response that states no cache life its default: an answer to a GET or HEAD
    (the bundle list, a search, …) may be kept but is revalidated on every use
    (``no-cache``), as it changes with each publish; an error or the answer to a post is
    never stored. Views that know better (objects, manifests, the repository) set their
    own. A kept answer without a validator gets the ETag of its bytes, so revalidating
    it is a 304.

    And drop the app's own ``Date``: werkzeug's conditional responses (``send_file``,
    ``make_conditional``) add one, and the HTTP server (werkzeug's, gunicorn) always adds
    its own, so file responses carried two.

    Every answer varies by ``Accept-Encoding``: nginx compresses the app's answers on the
    way out, so a cache must keep each encoding apart, and a 304 must name the Vary of
    the 200 it stands for (nginx adds none of its own: ``gzip_vary off``, so it is never
    sent twice)."""
    response.vary.add("Accept-Encoding")
    if "Cache-Control" not in response.headers:
        stored = response.status_code < 400 and request.method in ("GET", "HEAD")
        response.headers["Cache-Control"] = "no-cache" if stored else "no-store"
    revalidated = response.cache_control.no_cache and response.status_code == 200
    if revalidated and not response.is_streamed and "ETag" not in response.headers:
        response.add_etag()
        response.make_conditional(request)
    response.headers.remove("Date")
    return response


def init_app(app) -> None:
    app.after_request(state_cache_policy)
    config = app.config
    if str(config.get("CACHE_TYPE", "")).endswith("RedisCache") and not config.get("CACHE_OPTIONS"):
        seconds = config["CACHE_REDIS_TIMEOUT_MS"] / 1000
        config["CACHE_OPTIONS"] = {"socket_timeout": seconds, "socket_connect_timeout": seconds}
    cache.init_app(app)
    backends = app.extensions["cache"]
    backends[cache] = FailSafeBackend(backends[cache])
