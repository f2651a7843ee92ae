"""The systemd units ``python -m deploy units`` writes: valid for systemd, the runner's own
command lines, and enough, as written, to bring Satchel up."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy import postgres
from deploy.seaweedfs import CREDENTIALS
from deploy.topology import PROJECT_ROOT, Topology, free_port
from satchel.bucket import Bucket
from satchel.stages.pipeline import build
from satchel.store import Store

from ..helpers.bundles import MANIFEST, write_bundle
from ..helpers.web_clients import fetch

UNITS = [
    "satchel-postgres.service",
    "satchel-redis.service",
    "satchel-gunicorn.service",
    "satchel-nginx.service",
]
REFRESH = ["satchel-refresh.service", "satchel-refresh.timer"]
# What systemd gives a service besides its Environment= lines.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def read_unit(path: Path) -> dict[str, list[str]]:
    """``Key`` → its values in order (a key may repeat, as Environment= and ExecReload= do)."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def command(value: str) -> list[str]:
    return [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(value)]


def environment_of(unit: dict[str, list[str]]) -> dict[str, str]:
    words = [word for value in unit.get("Environment", []) for word in command(value)]
    return dict(word.split("=", 1) for word in words)


def write_units(data: Path, run: Path, *options: str, settings: dict | None = None) -> str:
    """``python -m deploy units`` for DATA_DIR ``data`` (and the app's other ``settings``),
    as this account; what it prints."""
    user = pwd.getpwuid(os.geteuid()).pw_name
    result = subprocess.run(
        [sys.executable, "-m", "deploy", "units", "--run-dir", str(run), "--user", user, *options],
        env={**os.environ, "SATCHEL_DATA_DIR": str(data), **(settings or {})},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("units")
    bundles, data, run = root / "bundles", root / "data", root / "run"
    write_bundle(bundles, "demo")
    build(bundles, data)
    ports = {name: free_port() for name in ("port", "app_port", "redis_port", "postgres_port")}
    user = pwd.getpwuid(os.geteuid()).pw_name
    printed = write_units(
        data, run, *(f"--{name.replace('_', '-')}={port}" for name, port in ports.items())
    )
    assert f"systemctl enable --now {' '.join(UNITS)} {REFRESH[1]}\n" in printed
    units = {name: read_unit(run / name) for name in UNITS}
    topology = Topology(data, run, **ports)
    yield topology, units, user
    shutil.rmtree(topology.postgres_dir.resolve())  # the cluster may live outside tmp_path


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units_without_a_warning(written):
    topology, _units, _user = written
    paths = [str(topology.run_dir / name) for name in UNITS + REFRESH]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_units_run_the_runners_commands_in_its_order(written):
    topology, units, user = written
    database, redis, gunicorn, nginx = (units[name] for name in UNITS)
    assert command(database["ExecStart"][0]) == topology.postgres_command()
    assert command(redis["ExecStart"][0]) == topology.redis_command()
    assert command(gunicorn["ExecStartPre"][0]) == topology.migrate_command()
    assert command(gunicorn["ExecStart"][0]) == topology.gunicorn_command()
    assert command(nginx["ExecStart"][0]) == topology.nginx_command()
    assert command(nginx["ExecStartPre"][0]) == topology.nginx_check_command()
    assert environment_of(gunicorn) == topology.satchel_environment()
    for unit, name in zip(units.values(), topology.services, strict=True):
        assert unit["User"] == [user] and unit["WorkingDirectory"] == [str(PROJECT_ROOT)]
        service = topology.services[name]
        assert unit["KillSignal"] == [signal.Signals(service.stop_signal).name]
        assert unit["Restart"] == ["on-failure"]
    # gunicorn (migrating first) after PostgreSQL, which it needs, and Redis; nginx after
    # gunicorn; each pulls in the ones before.
    assert gunicorn["Requires"] == ["satchel-postgres.service"]
    assert gunicorn["Wants"] == ["satchel-redis.service"]
    assert {"satchel-postgres.service", "satchel-redis.service"} <= set(
        gunicorn["After"][0].split()
    )
    assert database["After"] == ["network.target"]  # first
    assert nginx["Wants"] == ["satchel-gunicorn.service"]
    assert "satchel-gunicorn.service" in nginx["After"][0].split()
    # Reloading nginx checks the new config first; gunicorn replaces its workers.
    assert command(nginx["ExecReload"][0]) == topology.nginx_check_command()
    assert [command(unit["ExecReload"][-1])[1:] for unit in (gunicorn, nginx)] == [
        ["-s", "HUP", "$MAINPID"]
    ] * 2


def test_a_timer_refreshes_the_tuf_timestamp_hourly_as_the_app_would(written):
    topology, units, _user = written
    service, timer = (read_unit(topology.run_dir / name) for name in REFRESH)
    assert command(service["ExecStart"][0]) == topology.refresh_command()
    assert service["Type"] == ["oneshot"]
    assert environment_of(service) == environment_of(units["satchel-gunicorn.service"])
    assert timer["OnCalendar"] == ["hourly"] and timer["WantedBy"] == ["timers.target"]
    result = subprocess.run(
        topology.refresh_command(),
        env={**environment_of(service), "PATH": SYSTEMD_PATH},
        cwd=service["WorkingDirectory"][0],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Signed the repository's metadata" in result.stdout


def test_with_the_servers_own_postgresql_no_cluster_unit_is_written(tmp_path):
    url = "postgresql+psycopg://satchel@db.example:5432/satchel"
    run = tmp_path / "run"
    printed = write_units(tmp_path / "data", run, f"--database-url={url}")
    assert "systemctl enable --now " + " ".join(UNITS[1:]) in printed
    assert sorted(path.name for path in run.glob("*.service")) == sorted(UNITS[1:] + REFRESH[:1])
    gunicorn = read_unit(run / "satchel-gunicorn.service")
    assert environment_of(gunicorn)["SATCHEL_DATABASE_URL"] == url
    assert "Requires" not in gunicorn  # and it migrates that database before it starts:
    assert command(gunicorn["ExecStartPre"][0])[-2:] == ["db", "upgrade"]
    assert not (run / "postgres").exists()


def test_a_worker_machine_keeps_its_data_folder_a_copy_of_the_bucket(tmp_path, bucket_config):
    write_bundle(tmp_path / "bundles", "demo")
    build(
        tmp_path / "bundles",
        tmp_path / "publisher",
        bucket=Bucket.from_url(bucket_config["STORE"], bucket_config["S3_ENDPOINT"]),
    )
    settings = {f"SATCHEL_{name}": value for name, value in bucket_config.items()}
    run, data = tmp_path / "run", tmp_path / "worker"
    printed = write_units(data, run, "--pull-every=5", settings=settings)
    pull = "satchel-pull.service"
    assert f"systemctl enable --now {' '.join([*UNITS, pull])}\n" in printed
    assert not list(run.glob("satchel-refresh.*")), "a worker machine holds no keys to re-sign"
    gunicorn, unit = read_unit(run / UNITS[2]), read_unit(run / pull)
    assert pull in gunicorn["Wants"]
    assert command(unit["ExecStart"][0])[-3:] == ["pull", "--every", "5"]
    assert environment_of(unit) == environment_of(gunicorn)
    puller = subprocess.Popen(
        command(unit["ExecStart"][0]),
        env={**environment_of(unit), **CREDENTIALS, "PATH": SYSTEMD_PATH},
        cwd=unit["WorkingDirectory"][0],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: (data / "bundles" / "demo" / "current.json").is_file())
    finally:
        puller.terminate()
        puller.wait(timeout=10)
    assert Store(data).manifest_bytes("demo", "en", 1) == Store(
        tmp_path / "publisher"
    ).manifest_bytes("demo", "en", 1)


def wait_for(ready, seconds: float = 30) -> None:
    """As systemd waits for a notify unit's READY=1 before starting the units after it."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_the_units_as_written_bring_satchel_up(written):
    """Each unit's commands, started as systemd would: its environment alone, its folder."""
    topology, units, _user = written
    processes = []
    try:
        for name in UNITS:
            unit = units[name]
            environment = {"PATH": SYSTEMD_PATH, **environment_of(unit)}
            for line in unit.get("ExecStartPre", []):
                subprocess.run(command(line), env=environment, check=True)
            processes.append(
                subprocess.Popen(
                    command(unit["ExecStart"][0]),
                    env=environment,
                    cwd=unit["WorkingDirectory"][0],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            if unit["Type"] == ["notify"] and name == "satchel-postgres.service":
                wait_for(lambda: postgres.accepts_connections(topology.postgres_port))
        status = None
        for _ in range(300):  # up to about 30 s for gunicorn's workers
            try:
                status = fetch(topology.port, MANIFEST)[0]
            except OSError:
                status = None
            if status == 200 or any(process.poll() is not None for process in processes):
                break
            time.sleep(0.1)
        assert status == 200
        assert all(topology.status().values())  # the PID files the runner stops them by
    finally:
        topology.stop()
        for process in processes:
            process.wait(timeout=30)
