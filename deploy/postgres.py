"""A PostgreSQL cluster of Satchel's own, from Debian's postgresql (version 15).

One place for what the production topology (``deploy/topology.py``) and the tests'
throwaway servers (``tests/helpers/postgres.py``) both do: initdb a cluster, build the
postmaster's command line (loopback only, its unix socket in a folder of its own),
ask whether it accepts connections, and name its URL.

``initdb`` and ``postgres`` refuse to run as root: root runs them as another account
with ``runuser``, and that account must be able to reach the cluster's folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "satchel"  # initdb's superuser; trusted on loopback and the socket only
DATABASE = "satchel"
INSTALL_HINT = "install Debian's postgresql (make system-packages)"


class ClusterError(RuntimeError):
    """initdb failed or PostgreSQL is not installed; the message says what to look at."""


def program(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        raise ClusterError(f"{path} is missing: {INSTALL_HINT}")
    return str(path)


def current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def as_account(command: list[str], account: str | None) -> list[str]:
    """``command`` run as ``account`` (runuser; only root can switch), else as is."""
    if account is None or account == current_user():
        return command
    runuser = shutil.which("runuser", path="/usr/sbin:/usr/bin:/sbin:/bin") or "runuser"
    return [runuser, "-u", account, "--", *command]


def reachable_by(account: str, folder: Path) -> bool:
    """True if ``account`` can open ``folder`` (every folder above it lets it through)."""
    check = as_account(["test", "-x", str(folder)], account)
    return subprocess.run(check, capture_output=True).returncode == 0


def owned_folder(account: str | None, prefix: str = "satchel-pg-") -> Path:
    """A new folder under the system's temp folder, owned by ``account``.

    For when the account cannot reach the folder the cluster belongs in: a folder of
    pytest's (0700, root's) is closed to the postgres user, /tmp is not.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if account is not None and account != current_user():
        shutil.chown(folder, account, account)
    return folder


def initdb(data: Path, account: str | None, *settings: str) -> None:
    """Create the cluster in ``data`` (which must not exist yet) and its database."""
    run = [program("initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"]
    _run(as_account([*run, *settings], account), f"initdb of {data}")
    # Single-user mode needs no server, so the database exists before the first start.
    single = [program("postgres"), "--single", "-D", str(data), "postgres"]
    _run(
        as_account(single, account), f"creating {DATABASE} in {data}", f"CREATE DATABASE {DATABASE}"
    )


def _run(command: list[str], what: str, stdin: str | None = None) -> None:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterError(f"{what} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def server_command(data: Path, port: int, socket_dir: Path, settings: tuple[str, ...]) -> list[str]:
    """The postmaster's command: loopback only, its socket in ``socket_dir``."""
    options = [arg for setting in settings for arg in ("-c", setting)]
    return [program("postgres"), "-D", str(data), "-p", str(port), "-k", str(socket_dir),
            "-c", "listen_addresses=127.0.0.1", *options]  # fmt: skip


def pid_file(data: Path) -> Path:
    """The postmaster's PID file: its PID on the first line."""
    return data / "postmaster.pid"


def accepts_connections(port: int) -> bool:
    ready = [program("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.run(ready, capture_output=True).returncode == 0


def url(port: int, database: str = DATABASE) -> str:
    """SQLAlchemy's URL of ``database`` as the superuser (psycopg 3); "" for the server."""
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}" + (
        f"/{database}" if database else ""
    )
