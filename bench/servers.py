"""nginx serving DATA_DIR's files directly: the bench's yardstick for the app."""

from __future__ import annotations

import http.client
import subprocess
from pathlib import Path

import brotli

from deploy.topology import (
    Service,
    TopologyError,
    came_up,
    executable,
    free_port,
    nginx_modules,
    nginx_user,
    render,
)

TEMPLATE = Path(__file__).resolve().parent / "nginx-static.conf"


class StaticNginx:
    def __init__(self, data_dir: Path, run_dir: Path, workers: int | str = "auto"):
        self.data_dir, self.run_dir, self.workers = Path(data_dir), Path(run_dir), workers
        self.port = 0
        self.service = Service("nginx", self.run_dir / "nginx.pid", "nginx")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self.port = free_port()
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / folder).mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(
            render(
                TEMPLATE,
                {
                    "RUN_DIR": self.run_dir.resolve(),
                    "DATA_DIR": self.data_dir.resolve(),
                    "PORT": self.port,
                    "NGINX_WORKERS": self.workers,
                    "LOAD_MODULES": nginx_modules(),
                    "USER": nginx_user(self.data_dir),
                },
            )
        )
        command = [executable("nginx"), "-e", str(self.run_dir / "nginx-error.log")]
        command += ["-p", str(self.run_dir), "-c", str(conf)]
        with (self.run_dir / "console.log").open("ab") as log:
            self.service.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        def ready() -> bool:
            return self.service.running() and self.etag("/") is not None

        if came_up(ready, [self.service.process], timeout):
            return
        self.stop()
        raise TopologyError(f"static nginx did not start; see {self.run_dir}")

    def etag(self, path: str) -> str | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("HEAD", path)
            return connection.getresponse().getheader("ETag", "")
        except OSError:
            return None
        finally:
            connection.close()

    def stop(self) -> None:
        self.service.stop()


def as_nginx_sends(body: bytes) -> bytes:
    """A response the app sends plain, as deploy/nginx.conf compresses it for a client
    that accepts brotli (brotli_comp_level 5, brotli_window 4m)."""
    return brotli.compress(body, quality=5, lgwin=22)
