"""Incremental builds: per-file work remembered between builds.

Parsing a summary, checking it against its schema and rendering it depend only
on the file's bytes (and on the code doing the work), so their results are
kept in ``DATA_DIR/.cache/build.sqlite`` under a key made of the file's display
path, the sha256 of its bytes and a digest of the modules that compute them.
An unchanged summary is then neither parsed nor rendered again; an edited one,
or any change to that code, simply misses. Losing the file only costs time.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import time
from collections import Counter
from pathlib import Path

CODE = Path(__file__).parent
# Every module whose output is cached: editing one invalidates the cache.
CACHED_CODE = ("source.py", "schemas.py", "validate.py", "render.py", "translate.py")
CODE_DIGEST = hashlib.sha256(b"".join((CODE / name).read_bytes() for name in CACHED_CODE))
FORGET_AFTER = 7 * 24 * 3600  # seconds an entry no build used is kept


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
        self.used: list[str] = []

    def memo(self, kind: str, key: str, compute):
        """``compute()``'s value for ``key``, from an earlier build when there is one."""
        full = digest(kind, key)
        row = self.db.execute("SELECT value FROM entries WHERE key = ?", (full,)).fetchone()
        self.used.append(full)
        if row is not None:
            return pickle.loads(row[0])
        self.computed[kind] += 1
        value = compute()
        self.db.execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
            (full, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), time.time()),
        )
        return value

    def close(self) -> None:
        now = time.time()
        self.db.executemany(
            "UPDATE entries SET used = ? WHERE key = ?", ((now, key) for key in self.used)
        )
        self.db.execute("DELETE FROM entries WHERE used < ?", (now - FORGET_AFTER,))
        self.db.commit()
        self.db.close()
