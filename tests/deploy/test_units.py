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

from deploy.topology import PROJECT_ROOT, Topology, free_port
from satchel.stages.pipeline import build

from ..helpers.bundles import MANIFEST, write_bundle
from ..helpers.web_clients import fetch

UNITS = ["satchel-redis.service", "satchel-gunicorn.service", "satchel-nginx.service"]
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


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("units")
    bundles, data, run = root / "bundles", root / "data", root / "run"
    write_bundle(bundles, "demo")
    build(bundles, data)
    ports = {"port": free_port(), "app_port": free_port(), "redis_port": free_port()}
    user = pwd.getpwuid(os.geteuid()).pw_name
    result = subprocess.run(
        [sys.executable, "-m", "deploy", "units", "--run-dir", str(run), "--user", user]
        + [f"--{name.replace('_', '-')}={port}" for name, port in ports.items()],
        env={**os.environ, "SATCHEL_DATA_DIR": str(data)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "systemctl enable --now " + " ".join(UNITS) in result.stdout
    units = {name: read_unit(run / name) for name in UNITS}
    return Topology(data, run, **ports), units, user


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units_without_a_warning(written):
    topology, _units, _user = written
    paths = [str(topology.run_dir / name) for name in UNITS]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_units_run_the_runners_commands_in_its_order(written):
    topology, units, user = written
    redis, gunicorn, nginx = (units[name] for name in UNITS)
    assert command(redis["ExecStart"][0]) == topology.redis_command()
    assert command(gunicorn["ExecStart"][0]) == topology.gunicorn_command()
    assert command(nginx["ExecStart"][0]) == topology.nginx_command()
    assert command(nginx["ExecStartPre"][0]) == topology.nginx_check_command()
    assert environment_of(gunicorn) == topology.satchel_environment()
    for unit, name in zip((redis, gunicorn, nginx), ("redis", "gunicorn", "nginx"), strict=True):
        assert unit["User"] == [user] and unit["WorkingDirectory"] == [str(PROJECT_ROOT)]
        service = topology.services[name]
        assert unit["KillSignal"] == [signal.Signals(service.stop_signal).name]
        assert unit["Restart"] == ["on-failure"]
    # gunicorn after Redis, nginx after gunicorn; each pulls in the one before.
    assert gunicorn["Wants"] == ["satchel-redis.service"]
    assert "satchel-redis.service" in gunicorn["After"][0].split()
    assert nginx["Wants"] == ["satchel-gunicorn.service"]
    assert "satchel-gunicorn.service" in nginx["After"][0].split()
    # Reloading nginx checks the new config first; gunicorn replaces its workers.
    assert command(nginx["ExecReload"][0]) == topology.nginx_check_command()
    assert [command(unit["ExecReload"][-1])[1:] for unit in (gunicorn, nginx)] == [
        ["-s", "HUP", "$MAINPID"]
    ] * 2


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
