"""Satchel's production topology on one machine: PostgreSQL, Redis, gunicorn and nginx.

nginx (public port) serves content objects and the static repository (/repo/) from
DATA_DIR and the PWA's files from the app's static folder itself, and proxies
everything else to gunicorn
(several workers running ``satchel:create_app()``), whose workers share Redis
as their flask-caching backend and keep what readers send (feedback, searches
that found nothing) in a PostgreSQL cluster of the topology's own, migrated
before the workers start. The configuration templates live beside this
file; ``Topology.start`` fills them in for one *run folder*, which then holds
everything the four programs write (configs, PID files, logs, nginx's temp
folders, the cluster or a link to it): nothing under /var is touched, so any
number of topologies can run side by side on free loopback ports.
``deploy/units.py`` writes systemd units running the same commands.

Each program is stopped by the PID in its PID file, after checking that the
PID still belongs to that program.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.utils import get_content_type

from satchel import store
from satchel.web import security, shell

from . import postgres

DEPLOY_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = DEPLOY_DIR.parent
NGINX_PREFIX = Path("/usr/share/nginx")  # Debian's --prefix: module paths are relative to it
BROTLI_MODULE_CONFS = [
    NGINX_PREFIX / "modules-available" / f"mod-http-brotli-{kind}.conf"
    for kind in ("static", "filter")
]
FIELD = re.compile(r"@([A-Z_]+)@")
ACCEL_PREFIX = "/_data/"  # nginx.conf's internal location for DATA_DIR; the app redirects to it
INSTALL_HINT = (
    "install Debian's nginx, libnginx-mod-http-brotli-static, libnginx-mod-http-brotli-filter "
    "redis-server and postgresql "
    "(make system-packages)"
)


class TopologyError(RuntimeError):
    """The topology could not start; the message says what to look at."""


# Ports are drawn below the kernel's ephemeral range, which it hands to outgoing
# connections: a port it gave a probe was free only until some client's connection was
# given it too, before the server bound it (nginx failed so, "Address already in use").
LOWEST_PORT = 10000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Its own source of chance: test runners seed the shared one alike in every process.
_port_draws = random.SystemRandom()


def free_port() -> int:
    """A loopback port nothing listens on, outside the range of outgoing connections."""
    try:
        below = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        below = 32768  # Linux's default
    for _ in range(100):
        port = _port_draws.randrange(LOWEST_PORT, below)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise TopologyError(f"no free port between {LOWEST_PORT} and {below}")


def came_up(ready, processes, seconds: float, pause: float = 0.05) -> bool:
    """Poll ``ready()`` until it holds (True), or one of ``processes`` (Popen objects, None
    for one not started) exits or ``seconds`` pass (False): how every starter here waits for
    what it started, each raising its own error, with its own log, on False."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(process is not None and process.poll() is not None for process in processes):
            return False
        if ready():
            return True
        time.sleep(pause)
    return False


def healthy(port: int) -> bool:
    """Whether Satchel on a loopback ``port`` answers its health check."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/api/v1/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def spawn(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """Start ``command`` in the project folder, its output appended to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal is handled by stop()
        )


def gunicorn_command(port: int, workers: int, pid_file: Path, *extra: str) -> list[str]:
    """gunicorn running the app with deploy/gunicorn.conf.py on a loopback ``port``."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(DEPLOY_DIR / "gunicorn.conf.py"),
        "--chdir",
        str(PROJECT_ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--pid",
        str(pid_file),
        *extra,
    ]


def pull_arguments(every: float) -> list[str]:
    """The arguments of ``satchel`` that keep DATA_DIR a copy of the bucket."""
    return ["pull", "--every", f"{every:g}"]


def render(template: Path, values: dict[str, object]) -> str:
    """Fill every ``@NAME@`` of ``template``; a name without a value is an error.

    A value of several lines keeps the indentation of the line its name is on.
    """
    text = template.read_text()
    missing = sorted(set(FIELD.findall(text)) - set(values))
    if missing:
        raise TopologyError(f"{template.name}: no value for {', '.join(missing)}")

    def fill(match: re.Match) -> str:
        line_start = text.rfind("\n", 0, match.start()) + 1
        indent = re.match(r"[ \t]*", text[line_start:]).group()
        return str(values[match[1]]).replace("\n", "\n" + indent)

    return FIELD.sub(fill, text)


def nginx_string(value: str) -> str:
    """``value`` as one quoted nginx argument, taken literally."""
    if "$" in value:  # nginx would read a variable; no escape exists for it
        raise TopologyError(f"nginx.conf: {value!r} holds a '$', which nginx cannot send as is")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header_variable(name: str) -> str:
    return name.lower().replace("-", "_")


def security_header_defaults() -> str:
    """nginx maps: each header of ``SECURITY_HEADERS`` as the app sent it, else its value there.

    So a response of the app keeps the app's headers, and one nginx makes itself
    (objects, static files, its own errors) gets the same values.
    """
    return "\n".join(
        f"map $upstream_http_{_header_variable(name)} $satchel_{_header_variable(name)} {{\n"
        f'    "" {nginx_string(value)};\n'
        f"    default $upstream_http_{_header_variable(name)};\n"
        "}"
        for name, value in security.SECURITY_HEADERS.items()
    )


def security_header_lines() -> str:
    """Directives sending each security header once, on every status (see the maps)."""
    names = list(security.SECURITY_HEADERS)
    return "\n".join(
        [f"proxy_hide_header {name};" for name in names]
        + [f"add_header {name} $satchel_{_header_variable(name)} always;" for name in names]
    )


def static_types(static_dir: Path) -> tuple[str, str]:
    """nginx ``types`` lines for the files of ``static_dir``, and the types sent with a charset.

    Both come from the app's own choice (``shell.mimetype`` and Werkzeug's rule for
    adding ``charset=utf-8``), so nginx sends each file with the app's Content-Type.
    """
    suffixes = set(shell.SHELL_SUFFIXES)
    suffixes |= {path.suffix for path in static_dir.rglob("*") if path.is_file() and path.suffix}
    types = {suffix: shell.mimetype(f"file{suffix}") for suffix in sorted(suffixes)}
    lines = "\n".join(f"{mimetype} {suffix[1:]};" for suffix, mimetype in types.items())
    with_charset = {
        mimetype for mimetype in types.values() if get_content_type(mimetype, "utf-8") != mimetype
    }
    # nginx always counts text/html in, and warns when it is named.
    return lines, " ".join(sorted(with_charset - {"text/html"}))


def nginx_modules() -> str:
    """``load_module`` lines of Debian's brotli module configs, with absolute paths."""
    missing = [conf for conf in BROTLI_MODULE_CONFS if not conf.is_file()]
    if missing:
        raise TopologyError(f"{missing[0]} is missing: {INSTALL_HINT}")
    lines = []
    for line in (row for conf in BROTLI_MODULE_CONFS for row in conf.read_text().splitlines()):
        match = re.fullmatch(r"\s*load_module\s+(\S+?);\s*", line)
        if match:
            path = Path(match[1])
            lines.append(f"load_module {path if path.is_absolute() else NGINX_PREFIX / path};")
    return "\n".join(lines)


def nginx_user(data_dir: Path, master_is_root: bool | None = None) -> str:
    """Started as root, nginx's workers run as the owner of DATA_DIR (they only read it)."""
    if not (os.geteuid() == 0 if master_is_root is None else master_is_root):
        return ""  # workers run as whoever started nginx
    stat = data_dir.stat()
    return f"user {pwd.getpwuid(stat.st_uid).pw_name} {_group_name(stat.st_gid)};"


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def executable(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found:
        raise TopologyError(f"{name} not found: {INSTALL_HINT}")
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def children(pid: int) -> list[int]:
    """PIDs whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return sorted(found)


@dataclass
class Service:
    """One program of the topology, known by its PID file."""

    name: str
    pid_file: Path
    signature: str  # text of /proc/<pid>/cmdline proving the PID is still this program
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 10.0  # seconds from the signal to SIGKILL (gunicorn's graceful_timeout)
    process: subprocess.Popen | None = None

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if _alive(pid) and self.signature in _cmdline(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def stop(self) -> bool:
        """Signal the PID in the PID file and wait (bounded); True if it was running."""
        pid = self.pid()
        if pid is None:
            self._reap()
            return False
        os.kill(pid, self.stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        while _alive(pid) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        # runuser, PostgreSQL's parent when root starts it, exits just after it.
        self._reap(wait=5.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _reap(self, wait: float = 0.0) -> None:
        """Collect the exit of the process this topology started, if it has exited (within
        ``wait`` seconds), so none is left behind as a zombie."""
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)


@dataclass
class Topology:
    """PostgreSQL + Redis + gunicorn + nginx serving ``data_dir`` on loopback ports."""

    data_dir: Path
    run_dir: Path
    port: int = 0  # nginx, the public port; 0 picks a free one
    workers: int = 3
    nginx_workers: int | str = "auto"
    access_log: bool = True
    object_max_age: int = 31536000
    # The app names manifest and pack files for nginx to send (X-Accel-Redirect); off,
    # it sends them itself, as the bench measures the app alone.
    nginx_sends_files: bool = True
    redis_maxmemory: str = "256mb"
    app_port: int = 0
    redis_port: int = 0
    postgres_port: int = 0
    # A PostgreSQL service of the server's own (a SQLAlchemy URL): the topology then runs
    # no cluster and only migrates that database. None: its own cluster.
    server_database_url: str | None = None
    # Small: the database holds a few rows a day; each connection costs memory of its own.
    postgres_settings: tuple[str, ...] = ("shared_buffers=16MB", "max_connections=50")
    # The account systemd runs the four as (deploy/units.py); None: whoever starts them.
    run_as: str | None = None
    # A worker machine of a publisher who builds elsewhere: DATA_DIR is kept a copy of the
    # bucket of SATCHEL_STORE by ``satchel pull --every`` this many seconds. None: the
    # machine builds (or is given) DATA_DIR itself.
    pull_every: float | None = None
    services: dict[str, Service] = field(default_factory=dict)

    def __post_init__(self):
        self.data_dir = Path(self.data_dir).resolve()
        self.run_dir = Path(self.run_dir).resolve()
        # SIGINT: a fast shutdown (ends the sessions, then writes everything down).
        cluster = Service(
            "postgres",
            postgres.pid_file(self.postgres_dir / "data"),
            "postgres",
            signal.SIGINT,
            30.0,
        )
        self.services = {
            **({} if self.server_database_url else {"postgres": cluster}),
            **(
                {"pull": Service("pull", self.run_dir / "pull.pid", "pull")}
                if self.pull_every
                else {}
            ),
            "redis": Service("redis", self.run_dir / "redis.pid", "redis-server"),
            "gunicorn": Service("gunicorn", self.run_dir / "gunicorn.pid", "gunicorn"),
            # SIGQUIT: finish the requests in flight, then exit.
            "nginx": Service("nginx", self.run_dir / "nginx.pid", "nginx", signal.SIGQUIT),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def database_url(self) -> str:
        return self.server_database_url or postgres.url(self.postgres_port)

    @property
    def postgres_dir(self) -> Path:
        """The cluster's folder (data/ and the socket's folder), or a link to it."""
        return self.run_dir / "postgres"

    @property
    def cluster_dir(self) -> Path:
        """The cluster's folder itself: the path its account can follow (not the link)."""
        return self.postgres_dir.resolve()

    @property
    def postgres_account(self) -> str | None:
        """Who runs initdb and postgres: whoever runs the topology, but never root, which
        they refuse (root runs them as the postgres user); None: this process's account."""
        if self._runner_is_root():
            return "postgres"
        return None if self.run_as in (None, postgres.current_user()) else self.run_as

    def _runner_is_root(self) -> bool:
        return (self.run_as or postgres.current_user()) == "root"

    def log(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    # -- starting ---------------------------------------------------------------

    def prepare(self) -> None:
        """Pick the free ports not given and write the run folder's configs."""
        running = [name for name, service in self.services.items() if service.running()]
        if running:
            raise TopologyError(
                f"{', '.join(running)} already running from {self.run_dir}; stop it first"
            )
        self.port = self.port or free_port()
        self.app_port = self.app_port or free_port()
        self.redis_port = self.redis_port or free_port()
        self.postgres_port = self.postgres_port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / folder).mkdir(parents=True, exist_ok=True)
        self.write_configs()
        if "postgres" in self.services:
            self.create_cluster()

    def create_cluster(self) -> None:
        """initdb the topology's cluster, once: a later start keeps its rows."""
        if (self.postgres_dir / "data").is_dir():
            return
        account = self.postgres_account
        if account is None or postgres.reachable_by(account, self.run_dir):
            self.postgres_dir.mkdir()
            if account is not None:
                shutil.chown(self.postgres_dir, account, account)
        else:
            # The account cannot reach the run folder (a pytest folder is 0700, root's):
            # the cluster lives in a folder it can reach, linked from the run folder.
            self.postgres_dir.symlink_to(postgres.owned_folder(account))
        socket_dir = self.cluster_dir / "socket"
        socket_dir.mkdir()
        if account is not None:
            shutil.chown(socket_dir, account, account)
        try:
            postgres.initdb(self.cluster_dir / "data", account)
        except postgres.ClusterError as exc:
            shutil.rmtree(self.cluster_dir / "data", ignore_errors=True)  # the next start retries
            raise TopologyError(str(exc)) from exc

    def start(self, timeout: float = 30.0) -> Topology:
        """Start PostgreSQL, Redis, gunicorn and nginx in that order (migrating the
        database before gunicorn starts); return once all answer."""
        self.prepare()
        deadline = time.monotonic() + timeout
        try:
            if "postgres" in self.services:
                self._spawn("postgres", self.postgres_command())
                self._wait(
                    "postgres", deadline, lambda: postgres.accepts_connections(self.postgres_port)
                )
            self._migrate()
            if self.pull_every:
                self._spawn("pull", self.pull_command(), env=self.app_environment())
                self.services["pull"].pid_file.write_text(f"{self.services['pull'].process.pid}\n")
            self._spawn("redis", self.redis_command())
            self._wait("redis", deadline, self._redis_answers)
            self._spawn("gunicorn", self.gunicorn_command(), env=self.app_environment())
            self._wait("gunicorn", deadline, lambda: healthy(self.app_port))
            self._wait_for_workers(deadline)
            self._check_nginx_config()
            self._spawn("nginx", self.nginx_command())
            self._wait("nginx", deadline, lambda: healthy(self.port))
        except BaseException:
            self.stop()
            raise
        (self.run_dir / "topology.json").write_text(json.dumps(self.describe(), indent=2))
        return self

    def describe(self) -> dict:
        return {
            "url": self.url,
            "app_url": self.app_url,
            "redis_url": self.redis_url,
            "database_url": self.database_url,
            "data_dir": str(self.data_dir),
            "run_dir": str(self.run_dir),
            "workers": self.workers,
        }

    def write_configs(self) -> None:
        static_dir = Path(shell.BUILT_APP_DIR).resolve()  # read now: the app's, wherever it is
        if not (static_dir / "index.html").is_file():
            raise TopologyError(f"the web app is not built in {static_dir}: run `make build-app`")
        types, charset_types = static_types(static_dir)
        master_is_root = None if self.run_as is None else self.run_as == "root"
        values = {
            "RUN_DIR": self.run_dir,
            "DATA_DIR": self.data_dir,
            "STATIC_DIR": static_dir,
            "STATIC_TYPES": types,
            "HASHED_NAME": shell.HASHED_NAME.pattern,
            "HASHED_MAX_AGE": shell.HASHED_MAX_AGE,
            "STATIC_CHARSET_TYPES": charset_types,
            "SECURITY_HEADER_DEFAULTS": security_header_defaults(),
            "SECURITY_HEADERS": security_header_lines(),
            "PORT": self.port,
            "APP_PORT": self.app_port,
            "REDIS_PORT": self.redis_port,
            "REDIS_MAXMEMORY": self.redis_maxmemory,
            "NGINX_WORKERS": self.nginx_workers,
            "OBJECT_MAX_AGE": self.object_max_age,
            "ACCEL_PREFIX": ACCEL_PREFIX,
            "REPO_ROOT": self.repo_root(),
            "REPO_MUTABLE": store.PUBLIC_PATHS["mutable"].pattern,
            "REPO_IMMUTABLE": store.PUBLIC_PATHS["immutable"].pattern,
            "REPO_MUTABLE_CACHE": store.CACHE_CONTROL["mutable"],
            "LOAD_MODULES": nginx_modules(),
            "USER": nginx_user(self.data_dir, master_is_root),
            "ACCESS_LOG": f"{self.run_dir}/nginx-access.log satchel" if self.access_log else "off",
        }
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in ("nginx.conf", "redis.conf"):
            (self.run_dir / name).write_text(render(DEPLOY_DIR / name, values))

    def repo_root(self) -> Path:
        """The folder nginx serves /repo/ from: its ``repo`` is a link to the data folder,
        so that a regex location sends ``/repo/<path>`` as ``<data folder>/<path>``."""
        root = self.run_dir / "repo-root"
        root.mkdir(parents=True, exist_ok=True)
        link = root / "repo"
        if not link.is_symlink() or link.readlink() != self.data_dir.resolve():
            link.unlink(missing_ok=True)
            link.symlink_to(self.data_dir.resolve(), target_is_directory=True)
        return root

    def app_environment(self) -> dict[str, str]:
        return {**os.environ, **self.satchel_environment()}

    def satchel_environment(self) -> dict[str, str]:
        """The app's settings: any ``SATCHEL_*`` of this environment, then the topology's."""
        return {
            **{name: value for name, value in os.environ.items() if name.startswith("SATCHEL_")},
            "SATCHEL_DATA_DIR": str(self.data_dir),
            "SATCHEL_CACHE_TYPE": "RedisCache",
            "SATCHEL_CACHE_REDIS_URL": self.redis_url,
            "SATCHEL_OBJECT_MAX_AGE": str(self.object_max_age),
            "SATCHEL_X_ACCEL_PREFIX": ACCEL_PREFIX if self.nginx_sends_files else "",
            # Every worker counts each client's posts in the same place, behind one proxy.
            "SATCHEL_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.redis_port}/1",
            "SATCHEL_PROXY_COUNT": "1",
            "SATCHEL_DATABASE_URL": self.database_url,
        }

    def postgres_command(self) -> list[str]:
        command = postgres.server_command(
            self.cluster_dir / "data",
            self.postgres_port,
            self.cluster_dir / "socket",
            self.postgres_settings,
        )
        # Only root switches account; run by anyone else the command is postgres itself.
        return postgres.as_account(
            command, self.postgres_account if self._runner_is_root() else None
        )

    def satchel_command(self, *args: str) -> list[str]:
        satchel = Path(sys.executable).with_name("satchel")
        if not satchel.is_file():
            raise TopologyError(f"{satchel} not found: install Satchel (make install)")
        return [str(satchel), *args]

    def migrate_command(self) -> list[str]:
        """``satchel db upgrade``, run with the app's environment before gunicorn starts."""
        return self.satchel_command("db", "upgrade")

    def pull_command(self) -> list[str]:
        """``satchel pull --every``, keeping a worker machine's DATA_DIR the bucket's copy."""
        return self.satchel_command(*pull_arguments(self.pull_every))

    def refresh_command(self) -> list[str]:
        """``satchel refresh``, which the units' timer runs hourly (systemd only: the
        runner's processes live for a test or a bench run, far less than a day)."""
        return self.satchel_command("refresh")

    def _migrate(self) -> None:
        result = subprocess.run(
            self.migrate_command(),
            env=self.app_environment(),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise TopologyError(f"migrating {self.database_url} failed:\n{result.stderr}")

    def redis_command(self) -> list[str]:
        return [executable("redis-server"), str(self.run_dir / "redis.conf")]

    def gunicorn_command(self) -> list[str]:
        return gunicorn_command(
            self.app_port,
            self.workers,
            self.services["gunicorn"].pid_file,
            "--error-logfile",
            str(self.log("gunicorn")),
            *(["--access-logfile", str(self.access_log_path)] if self.access_log else []),
        )

    @property
    def access_log_path(self) -> Path:
        return self.run_dir / "gunicorn-access.log"

    def nginx_command(self, *extra: str) -> list[str]:
        return [
            executable("nginx"),
            "-e",
            str(self.run_dir / "nginx-error.log"),
            "-p",
            str(self.run_dir),
            "-c",
            str(self.run_dir / "nginx.conf"),
            *extra,
        ]

    def nginx_check_command(self) -> list[str]:
        return self.nginx_command("-t", "-q")

    def _check_nginx_config(self) -> None:
        result = subprocess.run(self.nginx_check_command(), capture_output=True, text=True)
        if result.returncode != 0:
            raise TopologyError(f"nginx rejected {self.run_dir / 'nginx.conf'}:\n{result.stderr}")

    def _spawn(self, name: str, command: list[str], env: dict | None = None) -> None:
        self.services[name].process = spawn(command, self.log(f"{name}-console"), env)

    def _wait(self, name: str, deadline: float, ready) -> None:
        service = self.services[name]
        seconds = deadline - time.monotonic()
        if came_up(lambda: service.running() and ready(), [service.process], seconds):
            return
        tail = "".join(
            path.read_text(errors="replace")[-2000:]
            for path in sorted(self.run_dir.glob(f"{name}*.log"))
        )
        raise TopologyError(f"{name} did not start; its log ends with:\n{tail}")

    def _wait_for_workers(self, deadline: float) -> None:
        while time.monotonic() < deadline and len(self.worker_pids()) < self.workers:
            time.sleep(0.05)

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    # -- looking and stopping -----------------------------------------------------

    def worker_pids(self) -> list[int]:
        master = self.services["gunicorn"].pid()
        return children(master) if master else []

    def status(self) -> dict[str, int | None]:
        return {name: service.pid() for name, service in self.services.items()}

    def stop(self) -> list[str]:
        """Stop nginx, gunicorn, Redis, then PostgreSQL, each by its PID file; return those
        stopped."""
        order = [
            name
            for name in ("nginx", "gunicorn", "pull", "redis", "postgres")
            if name in self.services
        ]
        return [name for name in order if self.services[name].stop()]
