"""The flask-caching instance. Keys always include a published version, so a
new publish is visible at once with any backend (in-process or Redis)."""

from flask_caching import Cache

cache = Cache()


def init_app(app) -> None:
    cache.init_app(app)
