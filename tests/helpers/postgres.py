"""Debian's PostgreSQL 15 for tests: a throwaway cluster on a free loopback port, run as
the postgres user when root (deploy/postgres.py holds the mechanics the topology uses
too), small enough for a shared machine, stopped by its PID."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from deploy import postgres
from deploy.topology import Service, came_up, free_port

# A small cluster: the tests hold a handful of connections and a few rows.
SETTINGS = ("shared_buffers=16MB", "max_connections=20", "fsync=off", "full_page_writes=off")


@contextmanager
def postgres_server():
    """Yields the URL of a superuser connection on a fresh cluster; stops it after."""
    account = "postgres" if os.geteuid() == 0 else None
    folder = postgres.owned_folder(account)
    data = folder / "data"
    postgres.initdb(data, account, "--no-sync")
    port = free_port()
    server = subprocess.Popen(
        postgres.as_account(postgres.server_command(data, port, folder, SETTINGS), account),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # A fast shutdown, sent to the postmaster's own PID (runuser's child).
    postmaster = Service("postgres", postgres.pid_file(data), "postgres", signal.SIGINT, 30.0)
    try:
        wait_until_ready(port, server)
        yield postgres.url(port, database="")
    finally:
        postmaster.stop()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_ready(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    if came_up(lambda: postgres.accepts_connections(port), [server], seconds, pause=0.1):
        return
    if server.poll() is not None:
        raise RuntimeError(f"PostgreSQL exited with {server.returncode}")
    raise RuntimeError("PostgreSQL did not accept connections in time")


def new_database(server: str, tmp_path: Path) -> str:
    """The URL of a new, empty database on ``server`` (a URL without a database), named
    after the test's folder."""
    name = f"reports_{tmp_path.name.replace('-', '_').lower()}"[:60]
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server}/{name}"
