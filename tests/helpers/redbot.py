"""REDbot, the HTTP linter, run in the test process through its Python API."""

from __future__ import annotations

import json
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

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


CHECK_SECONDS = 60


def redbot_problems_apart(url: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """``redbot_problems`` in a process of its own. Against nginx (keep-alive), REDbot's
    event loop (thor), run check after check in one process, now and then never returns;
    in a fresh process each check ends in a second."""
    code = (
        "import json, sys\n"
        "from tests.helpers.redbot import redbot_problems\n"
        "print(json.dumps(redbot_problems(sys.argv[1], frozenset(sys.argv[2:]))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, url, *sorted(allowed)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=CHECK_SECONDS,
        check=True,
    )
    return json.loads(result.stdout)
