"""``python -m deploy serve|start|stop|status|units``: the production topology on loopback.

``serve`` (what ``make serve-prod`` runs) starts PostgreSQL (initdb'd in the run
folder the first time), Redis, gunicorn and nginx, prints where they listen and
stops all four on Ctrl-C; ``start`` leaves them running and ``stop``
(``make stop-prod``) stops them by their PID files. ``units`` writes the configs
and systemd units running the same four commands into the run folder, for
systemd to start at boot instead. With ``--pull-every SECONDS`` the machine is one of a
publisher's worker machines: ``satchel pull --every`` keeps its DATA_DIR a copy of the
bucket (SATCHEL_STORE) beside the four, and its units start that instead of the
hourly ``satchel refresh``.
DATA_DIR is the app's (``SATCHEL_DATA_DIR``, else ``instance/``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .topology import PROJECT_ROOT, Topology, TopologyError
from .units import default_user, write_units

DEFAULT_RUN_DIR = PROJECT_ROOT / "instance" / "prod"


def data_dir() -> Path:
    from satchel import create_app

    return Path(create_app().config["DATA_DIR"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["serve", "start", "stop", "status", "units"])
    parser.add_argument("--port", type=int, default=8080, help="nginx's loopback port (8080)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="configs, PID files and logs"
    )
    for program in ("app", "redis", "postgres"):
        parser.add_argument(
            f"--{program}-port", type=int, default=0, help=f"{program}'s port (a free one)"
        )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SATCHEL_DATABASE_URL"),
        help="the server's own PostgreSQL (SATCHEL_DATABASE_URL); else a cluster in the run folder",
    )
    parser.add_argument(
        "--pull-every",
        type=float,
        metavar="SECONDS",
        help="a worker machine: keep DATA_DIR a copy of SATCHEL_STORE's bucket by "
        "'satchel pull --every SECONDS' (the publisher builds elsewhere)",
    )
    parser.add_argument(
        "--user",
        help="units: the account the services run as (you; for root, DATA_DIR's owner)",
    )
    args = parser.parse_args(argv)
    topology = Topology(
        data_dir(),
        args.run_dir,
        port=args.port,
        workers=args.workers,
        app_port=args.app_port,
        redis_port=args.redis_port,
        postgres_port=args.postgres_port,
        server_database_url=args.database_url,
        pull_every=args.pull_every,
    )
    if args.action == "units":
        return units(topology, args.user)
    if args.action == "stop":
        stopped = topology.stop()
        print(f"stopped {', '.join(stopped)}" if stopped else "nothing was running")
        return 0
    if args.action == "status":
        for name, pid in topology.status().items():
            print(f"{name:9} {'pid ' + str(pid) if pid else 'not running'}")
        return 0
    try:
        topology.start()
    except TopologyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(topology.describe(), indent=2))
    print(f"Satchel (nginx → gunicorn × {args.workers} + Redis + PostgreSQL) on {topology.url}")
    if args.action == "start":
        print("stop with: make stop-prod")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"Ctrl-C stops all {len(topology.services)}: {', '.join(topology.services)}.")
    try:
        while not stop.wait(1):
            down = [name for name, pid in topology.status().items() if pid is None]
            if down:
                print(f"error: {', '.join(down)} stopped; stopping the rest", file=sys.stderr)
                return_code = 1
                break
        else:
            return_code = 0
    finally:
        print(f"stopped {', '.join(topology.stop())}")
    return return_code


def units(topology: Topology, user: str | None) -> int:
    try:
        user = user or default_user(topology.data_dir)
        paths = write_units(topology, user)
    except TopologyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(topology.describe(), indent=2))
    names = [path.name for path in paths]
    # The refresh service has no [Install]: its timer starts it.
    started = [path.name for path in paths if "[Install]" in path.read_text()]
    print(f"wrote {', '.join(names)} in {topology.run_dir}, running as {user}")
    print("install them (root's copies), then start them now and at every boot:")
    print(f"  sudo install -m 644 {' '.join(str(path) for path in paths)} /etc/systemd/system/")
    print("  sudo systemctl daemon-reload")
    print(f"  sudo systemctl enable --now {' '.join(started)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
