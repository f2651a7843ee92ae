"""Incremental builds: per-file work remembered between builds.

Parsing a summary, checking it against its schema and rendering it depend only
on the file's bytes (and on the code doing the work), so their results are
kept in ``DATA_DIR/.cache/build.sqlite`` under a key made of the file's display
path, the sha256 of its bytes and a digest of the modules that compute them.
An unchanged summary is then neither parsed nor rendered again; an edited one,
or any change to that code, simply misses. Losing the file only costs time.

The abbreviations stage keeps what each article defines the same way, under the
article's object name and a digest of its own code.

Publish remembers a fact the same way (``recall``/``remember``): what the
published objects' files looked like when a build last checked them.
"""

from __future__ import annotations

import pickle
import sqlite3
import time
from collections import Counter
from pathlib import Path

from .. import code

# The stages whose results are cached (load, validate, render, translate, readability):
# editing them, or anything they import, invalidates the cache.
CODE_DIGEST = code.digest(
    *(
        f"satchel.stages.{stage}"
        for stage in ("source", "validate", "render", "translate", "readability")
    )
)
FORGET_AFTER = 7 * 24 * 3600  # seconds an entry no build used is kept
TOUCH_AFTER = 24 * 3600  # an entry's last use is rewritten only when older than this
PREFETCH_CHUNK = 900  # keys per query: under SQLite's limit of bound parameters


def digest(*parts: str | bytes) -> str:
    hasher = CODE_DIGEST.copy()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


class NoCache:
    """Computes everything; what build stages use when no cache is given."""

    def __init__(self):
        self.computed: Counter[str] = Counter()  # kind → values computed, not reused

    def memo(self, kind: str, key: str, compute):
        self.computed[kind] += 1
        return compute()

    def memo_all(self, kind: str, keys: list[str], compute_all):
        """The value of each of ``keys``, from an earlier build when there is one; the
        others computed together by ``compute_all(positions)`` (a list of their values,
        in the order of ``positions``), so a stage can spread them over processes."""
        self.computed[kind] += len(keys)
        return compute_all(list(range(len(keys))))

    def recall(self, kind: str, key: str):
        """The value last remembered for ``key``; None when there is none."""
        return None

    def prefetch(self, kind: str, keys) -> None:
        """Read the entries of ``keys`` at once, for the ``memo``/``recall`` calls to come."""

    def remember(self, kind: str, key: str, value) -> None:
        pass

    def close(self) -> None:
        pass


NO_CACHE = NoCache()  # the default of every stage; its counts are shared


class BuildCache(NoCache):
    def __init__(self, path: Path):
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS entries "
            "(key TEXT PRIMARY KEY, value BLOB NOT NULL, used REAL NOT NULL)"
        )
        self.used: list[str] = []  # keys whose last use must be brought up to date
        self.started = time.time()
        # (kind, key) → (its digest, its row or None): prefetched, not yet asked for
        self.ahead: dict[tuple[str, str], tuple[str, tuple[bytes, float] | None]] = {}

    def prefetch(self, kind: str, keys) -> None:
        """One query per thousand keys instead of one per key: a rebuild looks up every
        file's entries in several stages, 50,000 queries at 10,000 summaries. Each key's
        digest is kept with its row, so that it is worked out once per build."""
        wanted = {digest(kind, key): (kind, key) for key in keys}
        rows: dict[str, tuple[bytes, float]] = {}
        names = list(wanted)
        for start in range(0, len(names), PREFETCH_CHUNK):
            chunk = names[start : start + PREFETCH_CHUNK]
            marks = ",".join("?" * len(chunk))
            found = self.db.execute(
                f"SELECT key, value, used FROM entries WHERE key IN ({marks})", chunk
            )
            rows.update((full, (value, used)) for full, value, used in found)
        self.ahead.update((asked, (full, rows.get(full))) for full, asked in wanted.items())

    def _stored(self, kind: str, key: str) -> bytes | None:
        if (kind, key) in self.ahead:
            full, row = self.ahead.pop((kind, key))
        else:
            full = digest(kind, key)
            row = self.db.execute(
                "SELECT value, used FROM entries WHERE key = ?", (full,)
            ).fetchone()
        if row is None:
            return None
        if row[1] < self.started - TOUCH_AFTER:
            self.used.append(full)
        return row[0]

    def memo(self, kind: str, key: str, compute):
        """``compute()``'s value for ``key``, from an earlier build when there is one."""
        stored = self._stored(kind, key)
        if stored is not None:
            return pickle.loads(stored)
        self.computed[kind] += 1
        value = compute()
        self.remember(kind, key, value)
        return value

    def memo_all(self, kind: str, keys: list[str], compute_all):
        self.prefetch(kind, keys)
        stored = [self._stored(kind, key) for key in keys]
        missing = [position for position, value in enumerate(stored) if value is None]
        values = [None if value is None else pickle.loads(value) for value in stored]
        self.computed[kind] += len(missing)
        for position, value in zip(missing, compute_all(missing), strict=True):
            self.remember(kind, keys[position], value)
            values[position] = value
        return values

    def recall(self, kind: str, key: str):
        stored = self._stored(kind, key)
        return None if stored is None else pickle.loads(stored)

    def remember(self, kind: str, key: str, value) -> None:
        self.ahead.pop((kind, key), None)
        self.db.execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
            (
                digest(kind, key),
                pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                self.started,
            ),
        )

    def close(self) -> None:
        now = time.time()
        self.db.executemany(
            "UPDATE entries SET used = ? WHERE key = ?", ((now, key) for key in self.used)
        )
        self.db.execute("DELETE FROM entries WHERE used < ?", (now - FORGET_AFTER,))
        self.db.commit()
        self.db.close()
