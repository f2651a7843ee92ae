"""A reader and writer of the ``.satchel`` formats (``satchel/commands/bundle_file.py``) for
the tests: the server writes format 2 in the envelope of format 3, the app format 1 in it,
and the app reads them all in ``static/lib/transfer.js``."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import brotli

from satchel.commands.bundle_file import (
    DEVICE_MAGIC,
    ENVELOPE_MAGIC,
    LENGTH,
    MAGIC,
    write_device_records,
    write_envelope,
    write_records,
)
from satchel.manifest import search_segments


class BundleFileInvalid(Exception):
    """A ``.satchel`` file that is not whole, or not one."""


@dataclass(frozen=True)
class BundleFile:
    manifest: bytes
    objects: dict[str, bytes]  # by sha256, in file order
    metadata: dict | None = None  # the TUF metadata of its envelope, by file name


def unwrapped(data: bytes, path: Path) -> tuple[dict | None, bytes]:
    """The TUF metadata a format 3 envelope carries (None without one), and the file inside."""
    if not data.startswith(ENVELOPE_MAGIC):
        return None, data
    offset = len(ENVELOPE_MAGIC)
    (length,) = LENGTH.unpack_from(data, offset)
    offset += LENGTH.size
    if offset + length > len(data):
        raise BundleFileInvalid(f"{path} ends inside its TUF metadata: it was cut off")
    return json.loads(data[offset : offset + length]), data[offset + length :]


def framed_records(data: bytes, offset: int, path: Path) -> list[bytes]:
    found = []
    while True:
        if offset + LENGTH.size > len(data):
            raise BundleFileInvalid(f"{path} ends before its end record: it was cut off")
        (length,) = LENGTH.unpack_from(data, offset)
        offset += LENGTH.size
        if length == 0:
            break
        if offset + length > len(data):
            raise BundleFileInvalid(f"{path} ends inside a record: it was cut off")
        found.append(data[offset : offset + length])
        offset += length
    if offset != len(data):
        raise BundleFileInvalid(f"{path} has bytes after its end record")
    return found


def plain_records(data: bytes, path: Path) -> list[bytes]:
    """The manifest then every object, as stored, of a file of format 1 or 2."""
    if data.startswith(MAGIC):
        pack, *segments = framed_records(data, len(MAGIC), path)
        lines = brotli.decompress(pack).split(b"\n")
        assert lines.pop() == b"", f"{path}: the pack's last line has no newline"
        return lines + [brotli.decompress(segment) for segment in segments]
    try:
        data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise BundleFileInvalid(f"{path} is not a whole .satchel file ({exc})") from exc
    if not data.startswith(DEVICE_MAGIC):
        raise BundleFileInvalid(f"{path} is not a .satchel file")
    return framed_records(data, len(DEVICE_MAGIC), path)


def read_bundle_file(path: Path) -> BundleFile:
    """Read a file's records (hashes named, nothing else checked: see ``sign``)."""
    metadata, data = unwrapped(path.read_bytes(), path)
    found = plain_records(data, path)
    if not found:
        raise BundleFileInvalid(f"{path} holds no manifest")
    objects = {hashlib.sha256(record).hexdigest(): record for record in found[1:]}
    return BundleFile(found[0], objects, metadata)


def enveloped(out, metadata: dict | None) -> None:
    if metadata is not None:
        write_envelope(json.dumps(metadata).encode(), out)


def write_device_file(
    path: Path, manifest: bytes, objects: list[bytes], metadata: dict | None = None
) -> None:
    """A format 1 file (as a device writes) of exactly these records, in the envelope of
    ``metadata`` unless None."""
    with open(path, "wb") as out:
        enveloped(out, metadata)
        write_device_records([manifest, *objects], out)


def write_export_file(
    path: Path, manifest: bytes, objects: list[bytes], metadata: dict | None = None
) -> None:
    """A format 2 file (as ``satchel export`` writes) of exactly these records, in the
    envelope of ``metadata`` unless None: the objects ``manifest`` lists as search segments
    in their own records, the others in the pack."""
    segments = {s["object"] for s in search_segments(json.loads(manifest))}
    is_segment = [hashlib.sha256(o).hexdigest() in segments for o in objects]
    lines = [manifest, *(o for o, seg in zip(objects, is_segment, strict=True) if not seg)]
    pack = brotli.compress(b"".join(line + b"\n" for line in lines))
    kept = [brotli.compress(o) for o, seg in zip(objects, is_segment, strict=True) if seg]
    out = io.BytesIO()
    enveloped(out, metadata)
    write_records([pack, *kept], out)
    path.write_bytes(out.getvalue())
