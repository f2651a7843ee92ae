"""``satchel build-app``: the production build of the web app in ``static/``, written to
``built/`` (``make build-app``; ``make serve`` and ``make test`` run it first).

esbuild (pinned in tools/build/package-lock.json) bundles and minifies the JavaScript:
the page's ``app.js`` and the search worker are entry points, the stemmers and the Han
table stay chunks loaded on demand (the Han table and the Russian stemmer also cached on demand:
``shell.LANGUAGE_MODULE``), and
code they share is split into chunks of its own.
Every chunk's name carries the hash of its bytes, so a server sends them as immutable.
Three kinds of file keep their source URL, so they are sent ``no-cache``:

- ``index.html`` and the service worker, which browsers must find at a fixed address;
- the search worker, which ``lib/search-client.js`` opens by name (``new URL`` is one
  pattern esbuild does not rewrite);
- the DOM-free modules of ``lib/`` that tests import by URL (``MODULES``): each is an entry
  point re-exporting the very chunks the app runs, so the parity tests check the code
  phones run. They are precached like the rest (about 1.2 KB in all, brotli), so that a
  test may import one offline.

The vendored Ed25519 library (``static/vendor/``) is left as published and outside the
bundle: only browsers without WebCrypto's Ed25519 load it (static/vendor/README.md).

The service worker's precache list (``SHELL``, as ``satchel.web.shell`` makes it for the
sources) lists every built file but the source maps, the vendored code and each language's
chunk apart as on-demand, and is written at the head of ``built/sw.js``. Every text file
gets ``.br`` and ``.gz`` siblings for nginx's brotli_static/gzip_static and for the app's own
serving.
Source maps are written beside the chunks and are neither precached nor compressed.

esbuild's command line does the bundling, minifying and hashing; the rest (the page naming
hashed files, the precache list, the compressed copies) is written here rather than as
esbuild plugins in JavaScript: it is the same list ``satchel.web.shell`` computes for the
sources, and the same compressor the build uses for content (``stages.publish.compress``).

``built/build.json`` records the digest of the sources built (static/, the esbuild lock,
this module and ``satchel.web.shell``, which says what is precached), the precache list,
and the files of the first load (the page, its style sheet, its script and every chunk
that imports at once, the worker: bench/shell_size.py's budget). The build is skipped when
the sources still match; a lock file keeps two test processes from building at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from ..errors import SatchelError
from ..settings import BUILT_APP_DIR, PROJECT_ROOT, STATIC_DIR
from ..stages.publish import compress
from ..store import ENCODINGS, encoded
from ..web import shell

ESBUILD = PROJECT_ROOT / "tools" / "build" / "node_modules" / ".bin" / "esbuild"
ESBUILD_LOCK = PROJECT_ROOT / "tools" / "build" / "package-lock.json"
RECORD = "build.json"
SCRIPTS = "lib"  # every chunk sits here, beside the search worker its code opens by URL
ENTRY = "app.js"
WORKER = "lib/search-worker.js"
MODULES = (
    "lib/i18n.js",
    "lib/locale-choice.js",
    "lib/manifest.js",
    "lib/search-engine.js",
    "lib/segment.js",
    "lib/summary-page.js",
    "lib/trust.js",
    "lib/tuf.js",
)
STYLES = "app.css"
COPIED = ("manifest.webmanifest", "icons", shell.ON_DEMAND_DIR)
COMPRESSED_SUFFIXES = {".html", ".css", ".js", ".webmanifest", ".svg"}
# Browsers that run the app: module workers, top-level await and class fields
# (static/vendor/README.md names the oldest).
TARGETS = "es2022"


class AppBuildError(SatchelError):
    pass


def source_digest() -> str:
    """The sha256 of everything the build reads: static/, the esbuild lock, this module and
    the shell's rules (which files are precached, which cached on demand)."""
    digest = hashlib.sha256()
    inputs = {
        f"static/{path.relative_to(STATIC_DIR).as_posix()}": path
        for path in sorted(STATIC_DIR.rglob("*")) if path.is_file()
    }
    inputs.update({
        "esbuild lock": ESBUILD_LOCK, "builder": Path(__file__), "shell": Path(shell.__file__),
    })
    for label, path in inputs.items():
        digest.update(label.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_current(out: Path = BUILT_APP_DIR) -> bool:
    try:
        record = json.loads((out / RECORD).read_text())
    except (OSError, ValueError):
        return False
    return record.get("sources") == source_digest()


def ensure_built(out: Path = BUILT_APP_DIR) -> bool:
    """Build the app into ``out`` unless it is current; True if it was built."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_current(out):
            return False
        build_app(out)
        return True


def build_app(out: Path = BUILT_APP_DIR) -> dict:
    """Write the production app to ``out`` (replaced whole); returns its precache list."""
    sources = source_digest()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        entries, imported = bundle_scripts(work)
        styles = bundle_styles(work)
        for name in COPIED:
            copy(STATIC_DIR / name, work / name)
        entry = rename_fixed_entries(work, entries)
        write_index(work, entry, styles, imported)
        precache = precache_list(work, entries)
        write_worker(work, precache)
        compress_text_files(work)
        first_load = ["index.html", styles, entry, *imported, "sw.js"]
        record = {"sources": sources, "precache": precache, "first_load": first_load}
        (work / RECORD).write_text(json.dumps(record))
        replace_folder(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return precache


def esbuild(*arguments: str) -> None:
    if not ESBUILD.is_file():
        raise AppBuildError(f"esbuild is not installed at {ESBUILD}: run `make build-app`")
    result = subprocess.run(
        [str(ESBUILD), "--minify", "--charset=utf8", "--log-level=warning", *arguments],
        cwd=STATIC_DIR, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise AppBuildError(f"esbuild failed on static/:\n{result.stderr}")


def bundle_scripts(work: Path) -> tuple[dict[str, str], list[str]]:
    """The scripts, bundled and split into chunks under ``work/lib``: for each entry point
    (a source name), the chunk esbuild built for it (a name in ``work``); and the chunks the
    page entry imports statically, at any depth, which load before the page can start."""
    metafile = work / "meta.json"
    esbuild(
        ENTRY, WORKER, *MODULES,
        "--bundle", "--splitting", "--format=esm", f"--target={TARGETS}", "--sourcemap",
        f"--external:../{shell.ON_DEMAND_DIR}/*",
        f"--outdir={work / SCRIPTS}", "--entry-names=[name]-[hash]", "--chunk-names=[name]-[hash]",
        f"--metafile={metafile}",
    )
    outputs = json.loads(metafile.read_text())["outputs"]
    metafile.unlink()

    def name(output: str) -> str:  # esbuild names outputs relative to static/, where it ran
        return Path(os.path.normpath(STATIC_DIR / output)).relative_to(work).as_posix()

    entries = {facts["entryPoint"]: output for output, facts in outputs.items()
               if "entryPoint" in facts}
    imported, todo = [], [entries[ENTRY]]
    while todo:
        output = todo.pop()
        imported.append(name(output))
        todo.extend(i["path"] for i in outputs[output]["imports"]
                    if i["kind"] == "import-statement" and name(i["path"]) not in imported)
    return {source: name(output) for source, output in entries.items()}, imported[1:]


def bundle_styles(work: Path) -> str:
    """The style sheet, minified, under its hashed name."""
    esbuild(STYLES, f"--outdir={work}", "--entry-names=[name]-[hash]")
    (built,) = work.glob(f"{Path(STYLES).stem}-*.css")
    return built.name


def rename_fixed_entries(work: Path, entries: dict[str, str]) -> str:
    """Give the worker and the tested modules their source URL back (their source maps keep
    the hashed name their last line points to); returns the page entry's built name."""
    for source in (WORKER, *MODULES):
        (work / entries[source]).rename(work / source)
    return entries[ENTRY]


def write_index(work: Path, entry: str, styles: str, imported: list[str]) -> None:
    """The page, naming the built style sheet and script, and asking for the chunks that
    script imports at once (``modulepreload``) rather than one level of imports at a time."""
    page = (STATIC_DIR / "index.html").read_text()
    script = f'<script type="module" src="/static/{ENTRY}"></script>'
    for tag in ('"/static/app.css"', script):
        if tag not in page:
            raise AppBuildError(f"static/index.html no longer holds {tag}: update {__name__}")
    preloads = "".join(
        f'\n  <link rel="modulepreload" href="/static/{name}">' for name in sorted(imported)
    )
    page = page.replace('"/static/app.css"', f'"/static/{styles}"').replace(
        script, f'<script type="module" src="/static/{entry}"></script>{preloads}'
    )
    (work / "index.html").write_text(page)


def precache_list(work: Path, entries: dict[str, str]) -> dict:
    """``SHELL`` for the built files: every one but the source maps (and the worker itself),
    the vendored code and each language's chunk to be cached on demand, as for the sources."""
    languages = {built: source for source, built in entries.items()
                 if shell.LANGUAGE_MODULE.match(source)}
    return shell.precache_of(work, shell.page_files(work), built_modules=languages)


def write_worker(work: Path, precache: dict) -> None:
    esbuild("sw.js", f"--outfile={work / 'sw.js'}")
    body = (work / "sw.js").read_text()
    (work / "sw.js").write_text(shell.worker_head(precache) + body)


def compress_text_files(work: Path) -> None:
    for path in sorted(work.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSED_SUFFIXES:
            data = path.read_bytes()
            for encoding in ENCODINGS:
                encoded(path, encoding).write_bytes(compress(data, encoding))


def copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.md"))
    else:
        shutil.copy2(source, target)


def replace_folder(work: Path, out: Path) -> None:
    """Put ``work`` at ``out``: the old build is moved aside first, then removed."""
    old = out.with_name(f".{out.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


@click.command("build-app")
@click.option("--force", is_flag=True, help="Build even if built/ matches the sources.")
def build_app_command(force):
    """Bundle, minify and precompress the web app (static/) into built/ with esbuild."""
    try:
        built = build_app() if force else ensure_built()
    except AppBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{BUILT_APP_DIR}: {'built' if built or force else 'already current'}")
