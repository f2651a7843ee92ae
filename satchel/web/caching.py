"""The flask-caching instance. Keys always include a published version, so a
new publish is visible at once with any backend (in-process or Redis).

The cache only ever saves work, so losing it must never cost a reader a page:
every backend call goes through ``FailSafeBackend``, which turns a backend error
(Redis stopped, unreachable, slow) into a miss and skips the backend for
``RETRY_AFTER`` seconds, so a dead Redis costs one short timeout, not one per
request. Redis sockets get short timeouts (``CACHE_REDIS_TIMEOUT_MS``).
"""

from __future__ import annotations

import logging
import time

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


def init_app(app) -> None:
    config = app.config
    if str(config.get("CACHE_TYPE", "")).endswith("RedisCache") and not config.get("CACHE_OPTIONS"):
        seconds = config["CACHE_REDIS_TIMEOUT_MS"] / 1000
        config["CACHE_OPTIONS"] = {"socket_timeout": seconds, "socket_connect_timeout": seconds}
    cache.init_app(app)
    backends = app.extensions["cache"]
    backends[cache] = FailSafeBackend(backends[cache])
