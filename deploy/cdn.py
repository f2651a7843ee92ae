"""Content sources other than the app for the tests and the bench, each nginx on a loopback
port, started and stopped by its PID: a CDN stand-in, ``proxy_cache`` in front of a content
source (deploy/cdn.conf), and a clinic hotspot, a plain folder a pull keeps a copy of the
bucket in, served as static files (deploy/hotspot.conf). The tests read the app's bundles
through them, the bench measures the CDN against nginx serving the files itself."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from satchel import store

from .topology import (
    PROJECT_ROOT,
    Service,
    TopologyError,
    came_up,
    executable,
    free_port,
    nginx_modules,
    nginx_user,
    render,
)

TEMPLATE = Path(__file__).with_name("cdn.conf")
HOTSPOT_TEMPLATE = Path(__file__).with_name("hotspot.conf")
START_SECONDS = 10.0


@contextlib.contextmanager
def cdn_stand_in(origin: str, run_dir: Path, port: int = 0, bucket: bool = False):
    """nginx caching ``origin`` (a URL ending in ``/``) on ``port`` (0: a free one); yields
    its URL, ``http://127.0.0.1:<port>/``. Its access log is ``run_dir/access.log``: method,
    path, status, bytes and the cache's verdict (HIT, MISS, REVALIDATED…) a line.
    ``bucket``: the origin is a bucket, which sends what is asked whatever the client
    accepts, so a client accepting br is sent an object's brotli copy (Satchel's server
    chooses the copy itself)."""
    values = {"ORIGIN": origin, "OBJECT_COPY": "$brotli_copy" if bucket else ""}
    with nginx_serving(TEMPLATE, values, run_dir, port) as url:
        yield url


@contextlib.contextmanager
def hotspot(folder: Path, run_dir: Path, port: int = 0):
    """nginx serving the static repository in ``folder`` (a data folder ``satchel pull``
    fills) on ``port`` (0: a free one), as a clinic hotspot would; yields its URL, with an
    access log as ``cdn_stand_in``'s, less the cache's verdict."""
    values = {
        "LOAD_MODULES": nginx_modules(),
        "FOLDER": folder.resolve(),
        "MUTABLE": store.PUBLIC_PATHS["mutable"].pattern,
        "IMMUTABLE": store.PUBLIC_PATHS["immutable"].pattern,
        "MUTABLE_CACHE": store.CACHE_CONTROL["mutable"],
        "IMMUTABLE_CACHE": store.CACHE_CONTROL["immutable"],
    }
    with nginx_serving(HOTSPOT_TEMPLATE, values, run_dir, port) as url:
        yield url


@contextlib.contextmanager
def nginx_serving(template: Path, values: dict, run_dir: Path, port: int):
    """nginx run from ``template`` filled with ``values``, in ``run_dir``, on ``port`` (0: a
    free one); yields its URL, ``http://127.0.0.1:<port>/``, and stops it by its PID."""
    port = port or free_port()
    for folder in ("tmp", "cache"):
        (run_dir / folder).mkdir(parents=True, exist_ok=True)
    config = run_dir / "nginx.conf"
    config.write_text(
        render(template, {"USER": nginx_user(run_dir), "RUN_DIR": run_dir, "PORT": port, **values})
    )
    nginx = Service("nginx", run_dir / "nginx.pid", "nginx", signal.SIGQUIT)
    with (run_dir / "console.log").open("ab") as console:
        nginx.process = subprocess.Popen(
            [executable("nginx"), "-c", str(config), "-p", str(run_dir)],
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_listening(nginx, url, run_dir)
        yield url
    finally:
        nginx.stop()


def answers(url: str) -> bool:
    """Whether nginx answers at ``url``, whatever the origin says."""
    try:
        urllib.request.urlopen(url + "bundles.json", timeout=1).close()
    except urllib.error.HTTPError as answered:  # listening: the origin's answer
        answered.close()
    except OSError:
        return False
    return True


def wait_until_listening(nginx: Service, url: str, run_dir: Path) -> None:
    if came_up(lambda: answers(url), [nginx.process], START_SECONDS):
        return
    log = (
        (run_dir / "error.log").read_text(errors="replace")
        if (run_dir / "error.log").exists()
        else ""
    )
    nginx.stop()
    raise TopologyError(f"nginx did not start on {url}:\n{log[-2000:]}")
