"""Worker groups that share no disk, behind one nginx: the topology of a publisher whose
readers outgrow one machine.

Each ``WorkerGroup`` stands for a machine of its own: its own data folder, kept a copy
of the bucket by ``satchel pull --every`` (docs/bucket.md), and gunicorn serving it.
``GroupsBalancer`` is nginx with an upstream of every group (deploy/nginx-groups.conf),
retrying a request on the next group when one stops answering. Redis is left out: it
is a cache only, and each group may have its own (deploy/topology.py runs one per
machine). Every program is stopped by the PID in its PID file, as in the topology.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .topology import (
    DEPLOY_DIR,
    Service,
    TopologyError,
    came_up,
    executable,
    free_port,
    gunicorn_command,
    healthy,
    nginx_user,
    pull_arguments,
    render,
    spawn,
)


@dataclass
class WorkerGroup:
    """``satchel pull --every`` into ``data_dir`` and gunicorn serving it, on loopback."""

    data_dir: Path
    run_dir: Path
    store: str  # SATCHEL_STORE
    endpoint: str = ""  # SATCHEL_S3_ENDPOINT
    workers: int = 1
    pull_every: float = 1.0
    port: int = 0
    services: dict[str, Service] = field(default_factory=dict)

    def __post_init__(self):
        self.services = {
            "pull": Service("pull", self.run_dir / "pull.pid", "pull"),
            "gunicorn": Service("gunicorn", self.run_dir / "gunicorn.pid", "gunicorn"),
        }

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "SATCHEL_DATA_DIR": str(self.data_dir),
            "SATCHEL_STORE": self.store,
            "SATCHEL_S3_ENDPOINT": self.endpoint,
        }

    def pull_command(self) -> list[str]:
        satchel = Path(sys.executable).with_name("satchel")
        return [str(satchel), *pull_arguments(self.pull_every)]

    def gunicorn_command(self) -> list[str]:
        return gunicorn_command(self.port, self.workers, self.services["gunicorn"].pid_file)

    def start(self, timeout: float = 30.0) -> WorkerGroup:
        """Start pulling and serving; return once the group answers a published bundle."""
        self.port = self.port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("pull", self.pull_command())
        self.services["pull"].pid_file.write_text(f"{self.services['pull'].process.pid}\n")
        self._spawn("gunicorn", self.gunicorn_command())
        processes = [service.process for service in self.services.values()]
        if not came_up(self.serving, processes, timeout, pause=0.1):
            self.stop()
            log = (self.run_dir / "group.log").read_text(errors="replace")[-2000:]
            raise TopologyError(f"the worker group did not start; its log ends with:\n{log}")
        return self

    def serving(self) -> bool:
        """Whether the group answers with a published bundle in its folder."""
        return healthy(self.port) and any(self.data_dir.glob("bundles/*/current.json"))

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.run_dir / "group.log"
        self.services[name].process = spawn(command, log, self.environment())

    def kill(self) -> None:
        """The machine is gone: gunicorn and its workers die at once, mid-request."""
        gunicorn = self.services["gunicorn"]
        os.killpg(gunicorn.process.pid, signal.SIGKILL)
        gunicorn.process.wait(timeout=10)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


@dataclass
class GroupsBalancer:
    """nginx on a free loopback port, spreading requests over ``groups``."""

    groups: list[WorkerGroup]
    run_dir: Path
    port: int = 0
    service: Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> GroupsBalancer:
        self.port = self.port or free_port()
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / folder).mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"server 127.0.0.1:{group.port} max_fails=1 fail_timeout=10s;" for group in self.groups
        )
        values = {
            "RUN_DIR": self.run_dir,
            "PORT": self.port,
            "GROUP_SERVERS": servers,
            "USER": nginx_user(self.run_dir),
        }
        config = self.run_dir / "nginx.conf"
        config.write_text(render(DEPLOY_DIR / "nginx-groups.conf", values))
        self.service = Service("nginx", self.run_dir / "nginx.pid", "nginx", signal.SIGQUIT)
        command = [executable("nginx"), "-e", str(self.run_dir / "nginx-error.log")]
        self.service.process = subprocess.Popen(
            [*command, "-p", str(self.run_dir), "-c", str(config)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

        def ready() -> bool:
            return self.service.running() and healthy(self.port)

        if not came_up(ready, [self.service.process], timeout):
            self.stop()
            raise TopologyError(f"nginx did not start: see {self.run_dir}/nginx-error.log")
        return self

    def stop(self) -> None:
        if self.service:
            self.service.stop()
