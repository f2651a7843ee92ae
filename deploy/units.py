"""systemd units for the topology, written beside the configs of one run folder.

Each unit runs exactly the command ``Topology.start`` runs (the same methods
build both, so the two cannot drift), from the same working folder, with the
app's ``SATCHEL_*`` settings, stopped by the same signal. systemd starts them in
the order ``start`` does: PostgreSQL and Redis, gunicorn once both are ready (it
migrates the database first; it *requires* PostgreSQL, where what readers send is
kept, and only *wants* Redis: without it readers are served uncached), nginx once
gunicorn is ready. A timer runs ``satchel refresh`` hourly, so the repository's TUF
timestamp (valid a day) never lapses while the publisher does not build. A worker
machine (``--pull-every``) instead runs ``satchel pull --every`` beside them, keeping its
DATA_DIR a copy of the bucket, and no timer: it holds no keys.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import signal
from pathlib import Path

from .topology import PROJECT_ROOT, Service, Topology, TopologyError, executable

UNSAFE = re.compile(r"[\s\"'\\;]")


def unit_name(service: str) -> str:
    return f"satchel-{service}.service"


def systemd_quote(word: str) -> str:
    """``word`` as one literal word of a systemd setting (no specifier, no variable)."""
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not UNSAFE.search(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command_line(command: list[str]) -> str:
    return " ".join(systemd_quote(word) for word in command)


def default_user(data_dir: Path) -> str:
    """Whoever writes the units, or, for root, the owner of DATA_DIR (as nginx's workers)."""
    uid = os.geteuid()
    if uid == 0:
        uid = data_dir.stat().st_uid
        if uid == 0:
            raise TopologyError(
                f"{data_dir} belongs to root: name the account to run the services as "
                "(--user NAME, an unprivileged one that can read it)"
            )
    return pwd.getpwuid(uid).pw_name


def _supervision(service: Service) -> list[str]:
    return [
        # The main process alone gets the signal it handles gracefully; what is left
        # once the timeout ends is killed.
        f"KillSignal={signal.Signals(service.stop_signal).name}",
        "KillMode=mixed",
        f"TimeoutStopSec={service.stop_timeout:g}",
        "Restart=on-failure",
        "RestartSec=1",
    ]


def _unit(description: str, service: list[str], wants=(), requires=()) -> str:
    """A unit started after the units it ``wants`` and ``requires`` (and the network)."""
    order = [
        *(f"Requires={unit}" for unit in requires),
        *(f"Wants={unit}" for unit in wants),
        f"After={' '.join([*requires, *wants, 'network.target'])}",
    ]
    sections = {
        "Unit": [f"Description={description}", *order],
        "Service": service,
        "Install": ["WantedBy=multi-user.target"],
    }
    return "\n".join(
        f"[{section}]\n" + "\n".join(lines) + "\n" for section, lines in sections.items()
    )


def _postgres_unit(topology: Topology, common: list[str]) -> str:
    return _unit(
        "Satchel's reports database (PostgreSQL, loopback only)",
        [
            # Debian's postgres says READY=1 once it accepts connections, so the
            # migration before gunicorn finds it up; from runuser's child when root.
            "Type=notify",
            "NotifyAccess=all",
            *common,
            f"ExecStart={command_line(topology.postgres_command())}",
            *_supervision(topology.services["postgres"]),
        ],
    )


def _refresh_units(topology: Topology, common: list[str], environment: list[str]) -> dict:
    """``satchel refresh`` as a one-shot service, and the timer that starts it every hour
    (and at boot, if a run was missed): the timestamp lives a day, so several failed
    runs in a row still leave it fresh."""
    service = [
        "[Unit]",
        "Description=Re-sign Satchel's TUF timestamp (satchel refresh)",
        "",
        "[Service]",
        "Type=oneshot",
        *common,
        *environment,
        f"ExecStart={command_line(topology.refresh_command())}",
    ]
    timer = [
        "[Unit]",
        "Description=Re-sign Satchel's TUF timestamp every hour",
        "",
        "[Timer]",
        "OnCalendar=hourly",
        "RandomizedDelaySec=300",
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
    ]
    return {
        "satchel-refresh.service": "\n".join(service) + "\n",
        "satchel-refresh.timer": "\n".join(timer) + "\n",
    }


def unit_files(topology: Topology, user: str) -> dict[str, str]:
    """File name → text of the units (four services, or three with the server's own
    PostgreSQL, and the refresh service with its timer), for a prepared topology."""
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        raise TopologyError(f"--user {user}: no such account on this machine") from None
    common = [
        f"User={user}",
        f"Group={grp.getgrgid(account.pw_gid).gr_name}",
        f"WorkingDirectory={systemd_quote(str(PROJECT_ROOT))}",
        "NoNewPrivileges=yes",
    ]
    # Both reread their configuration on SIGHUP without dropping a request.
    hangup = f"ExecReload={systemd_quote(executable('kill'))} -s HUP $MAINPID"
    services = topology.services
    environment = [
        f"Environment={systemd_quote(f'{name}={value}')}"
        for name, value in sorted(topology.satchel_environment().items())
    ]
    low_port = ["AmbientCapabilities=CAP_NET_BIND_SERVICE"] if topology.port < 1024 else []
    nginx_check = command_line(topology.nginx_check_command())
    own_cluster = "postgres" in services  # else the server's own PostgreSQL service
    units = {
        **({"postgres": _postgres_unit(topology, common)} if own_cluster else {}),
        "redis": _unit(
            "Satchel's shared cache (Redis; nothing persisted)",
            [
                "Type=notify",  # redis.conf says "supervised auto"
                *common,
                f"ExecStart={command_line(topology.redis_command())}",
                *_supervision(services["redis"]),
            ],
        ),
        "gunicorn": _unit(
            "Satchel's app workers (gunicorn)",
            [
                "Type=notify",  # gunicorn says READY=1 once it listens
                *common,
                *environment,
                f"ExecStartPre={command_line(topology.migrate_command())}",
                f"ExecStart={command_line(topology.gunicorn_command())}",
                hangup,  # new workers with the new code, the old ones finish first
                *_supervision(services["gunicorn"]),
            ],
            wants=[unit_name("redis"), *([unit_name("pull")] if "pull" in services else [])],
            requires=[unit_name("postgres")] if own_cluster else [],
        ),
        "nginx": _unit(
            "Satchel's public port (nginx)",
            [
                "Type=exec",  # nginx.conf says "daemon off"
                *common,
                *low_port,
                f"ExecStartPre={nginx_check}",
                f"ExecStart={command_line(topology.nginx_command())}",
                f"ExecReload={nginx_check}",  # a broken config keeps the old one serving
                hangup,
                *_supervision(services["nginx"]),
            ],
            wants=[unit_name("gunicorn")],
        ),
    }
    if "pull" in services:
        units["pull"] = _unit(
            "Satchel's copy of the bucket (satchel pull)",
            [
                "Type=exec",
                *common,
                *environment,
                f"ExecStart={command_line(topology.pull_command())}",
                *_supervision(services["pull"]),
            ],
        )
    # The publisher's machine re-signs the timestamp; a worker machine holds no keys.
    refresh = {} if "pull" in services else _refresh_units(topology, common, environment)
    return {**{unit_name(name): text for name, text in units.items()}, **refresh}


def write_units(topology: Topology, user: str) -> list[Path]:
    """Write the run folder's configs and the units into it; return the units' paths."""
    topology.run_as = user
    topology.prepare()
    paths = []
    units = unit_files(topology, user)
    for name, text in units.items():
        path = topology.run_dir / name
        path.write_text(text)
        paths.append(path)
    account = pwd.getpwnam(user)
    if os.geteuid() == 0 and account.pw_uid != 0:
        # The services write their PID files, logs and nginx's temp files here. The
        # units stay root's: systemd reads them as root (and installs copies).
        for folder, dirs, files in os.walk(topology.run_dir):
            for name in [".", *dirs, *(name for name in files if name not in units)]:
                os.chown(Path(folder) / name, account.pw_uid, account.pw_gid)
    return paths
