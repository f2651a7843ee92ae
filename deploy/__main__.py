"""``python -m deploy serve|start|stop|status``: the production topology on loopback.

``serve`` (what ``make serve-prod`` runs) starts Redis, gunicorn and nginx,
prints where they listen and stops all three on Ctrl-C; ``start`` leaves them
running and ``stop`` (``make stop-prod``) stops them by their PID files.
DATA_DIR is the app's (``SATCHEL_DATA_DIR``, else ``instance/``).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from .topology import PROJECT_ROOT, Topology, TopologyError

DEFAULT_RUN_DIR = PROJECT_ROOT / "instance" / "prod"


def data_dir() -> Path:
    from satchel import create_app

    return Path(create_app().config["DATA_DIR"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["serve", "start", "stop", "status"])
    parser.add_argument("--port", type=int, default=8080, help="nginx's loopback port (8080)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="configs, PID files and logs"
    )
    args = parser.parse_args(argv)
    topology = Topology(data_dir(), args.run_dir, port=args.port, workers=args.workers)
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
    print(f"Satchel (nginx → gunicorn × {args.workers} + Redis) on {topology.url}")
    if args.action == "start":
        print("stop with: make stop-prod")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print("Ctrl-C stops all three.")
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


if __name__ == "__main__":
    sys.exit(main())
