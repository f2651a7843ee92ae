"""Debian's PostgreSQL 15 for tests: a throwaway cluster on a free loopback port, run as
the postgres user (initdb and postgres refuse root), small enough for a shared machine,
stopped by its PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
# A small cluster: the tests hold a handful of connections and a few rows.
SETTINGS = ("shared_buffers=16MB", "max_connections=20", "fsync=off", "full_page_writes=off")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@contextmanager
def postgres_server():
    """Yields the URL of a superuser connection on a fresh cluster; stops it after."""
    folder = Path(tempfile.mkdtemp(prefix="satchel-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(
        as_postgres(str(BIN / "initdb"), "-D", str(data), "-U", "satchel", "--auth=trust",
                    "--encoding=UTF8", "--no-sync"),
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    options = [arg for setting in SETTINGS for arg in ("-c", setting)]
    server = subprocess.Popen(
        as_postgres(str(BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
                    "-c", "listen_addresses=127.0.0.1", *options),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_ready(port, server)
        yield f"postgresql+psycopg://satchel@127.0.0.1:{port}"
    finally:
        # A fast shutdown, sent to the postmaster's own PID (runuser's child).
        postmaster = data / "postmaster.pid"
        if postmaster.exists():
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_ready(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with {server.returncode}")
        ready = subprocess.run(
            [str(BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not accept connections in time")
