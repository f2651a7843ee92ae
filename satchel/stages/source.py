"""The *load* stage: read a bundle's source files into plain Python data.

Nothing here judges the content (that is ``validate``); it only reads bytes,
splits YAML front matter from the Markdown body, remembers on which line every
front-matter key sits, and cuts the body into its ``## Heading {#id}`` sections,
so that later stages can point at ``file:line``. Problems that stop a file being
read at all (not UTF-8, broken YAML) are collected, never raised one by one.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import Problem
from .cache import NO_CACHE


class _SourceLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader (libyaml's when present: bundles hold thousands of files) that
    keeps dates as text, so the schema alone decides what a date is."""


_SourceLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

SECTION_HEADING = re.compile(r"^##[ \t]+(?P<heading>.*?)[ \t]*\{#(?P<id>[^}\s]*)\}[ \t]*$")
ANY_HEADING = re.compile(r"^#{1,2}[ \t]")
FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")
FREE_HEADING = re.compile(r"^##[ \t]+(?P<heading>.+?)[ \t#]*$")


@dataclass
class Section:
    id: str
    heading: str
    line: int
    markdown: str
    start_line: int = 0  # file line of the first line of ``markdown``


@dataclass
class SourceFile:
    """A file with YAML data: a summary (front matter + body) or a bundle.yaml."""

    path: Path
    display: str
    data: dict = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body_line: int = 1  # file line of the body's first line (its text is in ``sections``)
    sections: list[Section] = field(default_factory=list)
    cache_key: str = ""  # display path and sha256 of the bytes, for buildcache

    def line_of(self, dotted: str) -> int:
        """Line of a key such as ``source.url``; falls back to its parent, then line 1."""
        while dotted:
            if dotted in self.lines:
                return self.lines[dotted]
            dotted = dotted.rpartition(".")[0]
        return 1


@dataclass
class AboutPage:
    id: str
    title: str
    path: Path
    display: str
    markdown: str


@dataclass
class BundleSource:
    id: str
    root: Path
    config: SourceFile
    summaries: list[SourceFile]
    about: list[AboutPage]
    problems: list[Problem]


def display_path(path: Path) -> str:
    """``path`` as the user would type it from here: relative to the current folder."""
    absolute = os.path.abspath(path)
    folder, name = os.path.split(absolute)
    shown = _display_folder(folder, os.getcwd())
    return absolute if shown is None else os.path.join(shown, name) if shown != "." else name


@lru_cache(maxsize=256)
def _display_folder(folder: str, cwd: str) -> str | None:
    """A folder relative to ``cwd``, or None when outside it (shown absolute); cached:
    a bundle's thousands of files share a few folders and relpath is slow."""
    relative = os.path.relpath(folder, cwd)
    return None if relative.startswith("..") else relative


@dataclass(frozen=True)
class Limits:
    """Bounds on what one build reads (settings SOURCE_FILE_MAX_BYTES, BUNDLE_MAX_FILES)."""

    max_file_bytes: int = 1048576
    max_files: int = 100000


DEFAULT_LIMITS = Limits()
LOAD_CHUNK = 1000  # summaries whose cache entries are read in one go


def read_bytes(
    path: Path,
    problems: list[Problem],
    max_bytes: int = Limits.max_file_bytes,
    display: str | None = None,
    size: int | None = None,
):
    """``path``'s bytes, or None with a problem reported (too large, unreadable).
    ``display`` and ``size``, when the caller knows them, save working them out again."""
    display = display or display_path(path)
    try:
        size = path.stat().st_size if size is None else size
        if size > max_bytes:
            problems.append(
                Problem(
                    display,
                    0,
                    "file",
                    f"is {size:,} bytes; the limit is "
                    f"{max_bytes:,} (SOURCE_FILE_MAX_BYTES): split it up",
                )
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(display, 0, "file", f"cannot be read ({exc.strerror})"))
        return None


def decode(raw: bytes, display: str, problems: list[Problem]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(display, line, "file", "is not UTF-8 text; save it with UTF-8 encoding")
        )
        return None


def read_text(path: Path, problems: list[Problem], max_bytes: int = Limits.max_file_bytes):
    raw = read_bytes(path, problems, max_bytes)
    return None if raw is None else decode(raw, display_path(path), problems)


def _record_lines(node, prefix: str, offset: int, source: SourceFile, problems) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(source.display, line, key, "appears twice; keep only one"))
            seen.add(key)
            source.lines[key] = line
            _record_lines(value_node, f"{key}.", offset, source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            source.lines[f"{prefix}{index}"] = item.start_mark.line + 1 + offset
            _record_lines(item, f"{prefix}{index}.", offset, source, problems)


def parse_yaml(text: str, source: SourceFile, offset: int, problems: list[Problem]) -> None:
    """Fill ``source.data`` and ``source.lines``; ``offset`` = lines before the YAML."""
    try:
        loader = _SourceLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + offset if mark else offset + 1
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(
            Problem(
                source.display,
                line,
                "yaml",
                f"is not valid YAML ({reason}); check indentation and quote values containing ': '",
            )
        )
        return
    if not isinstance(data, dict):
        problems.append(
            Problem(source.display, offset + 1, "yaml", "must be a mapping of 'key: value' lines")
        )
        return
    _record_lines(node, "", offset, source, problems)
    source.data = data


def summary_key(path: Path, display: str, problems: list[Problem], limits: Limits, cache):
    """``(key, bytes or None)`` naming a summary's parsed record in ``cache``: its path and
    the sha256 of its bytes. A file whose size, inode, modification and change times are
    those a build saw is not read (None): that build's sha256 names it. None when the
    file can't be read (reported)."""
    try:
        found = path.stat()
    except OSError as exc:
        problems.append(Problem(display, 0, "file", f"cannot be read ({exc.strerror})"))
        return None
    stamp = (found.st_size, found.st_ino, found.st_mtime_ns, found.st_ctime_ns)
    seen = cache.recall("source stamp", display)
    if seen is not None and seen[0] == stamp:
        return f"{display}\0{seen[1]}", None
    raw = read_bytes(path, problems, limits.max_file_bytes, display, found.st_size)
    if raw is None:
        return None
    sha = hashlib.sha256(raw).hexdigest()
    cache.remember("source stamp", display, (stamp, sha))
    return f"{display}\0{sha}", raw


def load_summary(
    path: Path, display: str, key: str, raw: bytes | None, problems: list[Problem], limits, cache
) -> SourceFile | None:
    """Parse one summary; unchanged files come from ``cache`` (see buildcache)."""

    def parse():
        found: list[Problem] = []
        data = read_bytes(path, found, limits.max_file_bytes, display) if raw is None else raw
        return (None, found) if data is None else parse_summary(path, display, data)

    source, found = cache.memo("load", key, parse)
    problems.extend(found)
    if source is not None:
        source.cache_key = key
    return source


def load_summaries(paths: list[Path], problems: list[Problem], limits: Limits, cache):
    """Every summary of ``paths`` (one bundle's), the cached records of each thousand
    read at once (and the bytes of at most a thousand changed files held at once)."""
    folder = display_path(paths[0])[: -len(paths[0].name)] if paths else ""
    summaries = []
    for start in range(0, len(paths), LOAD_CHUNK):
        chunk = paths[start : start + LOAD_CHUNK]
        cache.prefetch("source stamp", [folder + path.name for path in chunk])
        keyed = [
            (path, folder + path.name, *found)
            for path in chunk
            if (found := summary_key(path, folder + path.name, problems, limits, cache))
        ]
        cache.prefetch("load", [key for _path, _display, key, _raw in keyed])
        summaries += [
            summary
            for path, display, key, raw in keyed
            if (summary := load_summary(path, display, key, raw, problems, limits, cache))
            is not None
        ]
    return summaries


def parse_summary(path: Path, display: str, raw: bytes) -> tuple[SourceFile | None, list]:
    problems: list[Problem] = []
    return _parse_summary(SourceFile(path=path, display=display), raw, problems), problems


def _parse_summary(source: SourceFile, raw: bytes, problems: list[Problem]):
    text = decode(raw, source.display, problems)
    if text is None:
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(
                source.display,
                1,
                "front matter",
                "missing; the file must start with a "
                "'---' line, then the YAML fields, then another '---' line",
            )
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(
            Problem(
                source.display,
                1,
                "front matter",
                "is never closed; add a '---' line after the last field",
            )
        )
        return None
    parse_yaml("\n".join(lines[1:end]), source, offset=1, problems=problems)
    body = "\n".join(lines[end + 1 :])
    source.body_line = end + 2
    if source.data.get("kind") == "reference":
        split_free_sections(source, body, problems)
    else:
        split_sections(source, body, problems)
    return source


def load_about(root: Path, config: SourceFile, problems: list[Problem], limits: Limits):
    pages = []
    entries = config.data.get("about") or []
    if not isinstance(entries, list):
        return pages  # the schema reports the shape
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            continue  # the schema reports it
        path = root / entry["file"]
        if not path.resolve().is_relative_to(root.resolve()):
            problems.append(
                Problem(
                    config.display,
                    config.line_of(f"about.{index}.file"),
                    "about.file",
                    "must be a path inside the bundle folder",
                )
            )
            continue
        if not path.is_file():
            problems.append(
                Problem(
                    config.display,
                    config.line_of(f"about.{index}.file"),
                    "about.file",
                    f"'{entry['file']}' does not exist; create it or fix the path",
                )
            )
            continue
        text = read_text(path, problems, limits.max_file_bytes)
        if text is not None:
            pages.append(
                AboutPage(
                    str(entry.get("id", "")),
                    str(entry.get("title", "")),
                    path,
                    display_path(path),
                    text,
                )
            )
    return pages


def summary_paths(folder: Path) -> list[Path]:
    """Every ``*.md`` file of ``folder`` (none when it can't be listed), in name order.
    Names are sorted as text: sorting ten thousand Paths compares each one's parts."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(".md"))
    except OSError:
        return []
    return [folder / name for name in names]


def load_bundle(root: Path, limits: Limits = DEFAULT_LIMITS, cache=NO_CACHE) -> BundleSource:
    """Read ``bundle.yaml``, the about pages and every ``summaries/*.md`` of one bundle."""
    problems: list[Problem] = []
    config_path = root / "bundle.yaml"
    config = SourceFile(path=config_path, display=display_path(config_path))
    text = read_text(config_path, problems, limits.max_file_bytes)
    if text is not None:
        parse_yaml(text, config, offset=0, problems=problems)
    about = load_about(root, config, problems, limits)
    paths = summary_paths(root / "summaries")
    if len(paths) > limits.max_files:
        problems.append(
            Problem(
                display_path(root / "summaries"),
                0,
                "summaries",
                f"holds {len(paths):,} files; the limit is {limits.max_files:,} "
                "(BUNDLE_MAX_FILES): split the bundle",
            )
        )
        paths = []
    summaries = load_summaries(paths, problems, limits, cache)
    return BundleSource(root.name, root, config, summaries, about, problems)


def discover_bundles(bundles_dir: Path) -> list[str]:
    """Ids of the bundles under ``bundles_dir``: every folder holding a bundle.yaml."""
    return sorted(p.parent.name for p in bundles_dir.glob("*/bundle.yaml"))


def slugify(heading: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def cut_sections(
    source: SourceFile,
    body: str,
    problems: list[Problem],
    heading: re.Pattern,
    section_id: Callable[[re.Match], str],
    stray_heading: str,
    first_heading: str,
) -> None:
    """Cut ``body`` (``source``'s, not kept: its sections hold it) at each line
    ``heading`` matches, ignoring fenced code. Any other ``#`` or ``##`` heading is a
    problem (``stray_heading`` says what to do), and so is text before the first section
    (the body should start with ``first_heading``)."""
    current: Section | None = None
    chunks: list[str] = []
    in_fence = False

    def close() -> None:
        if current is not None:
            leading = next((i for i, text in enumerate(chunks) if text.strip()), 0)
            current.markdown = "\n".join(chunks).strip()
            current.start_line = current.line + 1 + leading
            source.sections.append(current)

    for index, text in enumerate(body.splitlines()):
        line = source.body_line + index
        if FENCE.match(text):
            in_fence = not in_fence
        match = None if in_fence else heading.match(text)
        if match:
            close()
            current = Section(section_id(match), match["heading"], line, "")
            chunks = []
        elif not in_fence and ANY_HEADING.match(text):
            problems.append(Problem(source.display, line, "body", stray_heading))
        elif current is None:
            if text.strip():
                problems.append(
                    Problem(
                        source.display,
                        line,
                        "body",
                        f"text before the first section; start the body with {first_heading}",
                    )
                )
        else:
            chunks.append(text)
    close()


def split_sections(source: SourceFile, body: str, problems: list[Problem]) -> None:
    """A summary's body: its four ``## Heading {#id}`` sections."""
    cut_sections(
        source,
        body,
        problems,
        SECTION_HEADING,
        lambda match: match["id"],
        "heading has no section marker; end it "
        "with {#takeaway}, {#findings}, {#who_should_care} or {#considerations}",
        "'## Key takeaway {#takeaway}'",
    )


def split_free_sections(source: SourceFile, body: str, problems: list[Problem]) -> None:
    """A reference article's body: any ``## Heading`` sections, each id the heading's slug
    (``-2``, ``-3`` when one repeats)."""
    used: dict[str, int] = {}

    def section_id(match: re.Match) -> str:
        base = slugify(match["heading"]) or f"section-{len(source.sections) + 1}"
        used[base] = used.get(base, 0) + 1
        return base if used[base] == 1 else f"{base}-{used[base]}"

    cut_sections(
        source,
        body,
        problems,
        FREE_HEADING,
        section_id,
        "use '## Heading' for sections, not '#'",
        "a '## Heading'",
    )
