"""REDbot, the HTTP linter, run in the test process through its Python API."""

from __future__ import annotations

from configparser import ConfigParser

import thor
from httplint.note import categories, levels
from redbot.resource import HttpResource


def redbot_problems(url: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What REDbot finds wrong (bad or a warning) about ``url``'s Date, caching and
    validation, but for the notes named in ``allowed``: ``NOTE_NAME: summary`` each."""
    config = ConfigParser()
    config.read_dict({"redbot": {"enable_local_access": "True"}})  # loopback servers
    resource = HttpResource(config["redbot"])
    resource.set_request(url)

    @thor.events.on(resource)
    def check_done():
        thor.stop()

    resource.check()
    thor.run()
    watched = {categories.GENERAL, categories.CACHING, categories.VALIDATION}
    return [
        f"{type(note).__name__}: {note.summary}"
        for note in resource.response.notes
        if note.category in watched
        and note.level in (levels.BAD, levels.WARN)
        and type(note).__name__ not in allowed
    ]
