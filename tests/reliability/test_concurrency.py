"""32 readers fetch manifests and every object they list while 20 publishes happen."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import make_server

from satchel import create_app
from satchel.stages.pipeline import build
from satchel.store import Store

from ..helpers.bundles import summary_text, write_bundle

READERS, PUBLISHES = 32, 20


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_readers_never_see_errors_or_mixed_versions(tmp_path):
    bundles, data = tmp_path / "bundles", tmp_path / "data"
    folder = write_bundle(bundles, "demo")

    def publish(n: int) -> None:
        for sid in ("alpha", "beta", "gamma"):
            related = {"alpha": ["beta"], "beta": ["alpha"], "gamma": []}[sid]
            (folder / "summaries" / f"{sid}.md").write_text(
                summary_text(sid, title=f"Edition {n} of {sid}", related=related)
            )
        build(bundles, data, prune_grace=3600)

    publish(0)
    app = create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    done = threading.Event()
    problems: list[str] = []
    counts = {"manifests": 0, "objects": 0}
    lock = threading.Lock()

    def read_until_done() -> None:
        while not done.is_set():
            status, body = fetch(f"{base}/bundles/demo/en")
            if status != 200:
                problems.append(f"manifest {status}")
                continue
            manifest = json.loads(body)
            editions = {a["title"].split()[1] for a in manifest["articles"]}
            if len(editions) != 1:
                problems.append(f"manifest v{manifest['version']} mixes editions {editions}")
            for entry in manifest["articles"]:
                status, body = fetch(f"{base}/objects/{entry['object']}")
                if status != 200 or hashlib.sha256(body).hexdigest() != entry["object"]:
                    problems.append(f"object {entry['object']}: {status}")
                elif json.loads(body)["title"] != entry["title"]:
                    problems.append(f"object of another version in v{manifest['version']}")
            with lock:
                counts["manifests"] += 1
                counts["objects"] += len(manifest["articles"])

    try:
        with ThreadPoolExecutor(READERS) as pool:
            readers = [pool.submit(read_until_done) for _ in range(READERS)]
            for n in range(1, PUBLISHES + 1):
                publish(n)
            done.set()
            for reader in readers:
                reader.result(timeout=60)
    finally:
        done.set()
        server.shutdown()
    assert problems == []
    assert counts["manifests"] >= READERS and counts["objects"] >= 3 * READERS
    assert Store(data).current("demo") == {"en": PUBLISHES + 1}
