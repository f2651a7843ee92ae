"""A dumb static HTTP server over a folder, the simplest mirror of a published data folder:
Python's ``http.server`` in its own process on a free loopback port, stopped by its PID."""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from deploy.topology import came_up, free_port


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def static_server(folder: Path):
    """Serve ``folder``; yields its base URL, ending in a slash."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not came_up(lambda: listening(port), [process], 10):
            raise RuntimeError(f"the static server did not listen on port {port}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
