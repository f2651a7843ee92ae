"""A reader of the ``.satchel`` format (``satchel/commands/bundle_file.py``) for the tests:
the server only writes the files, and the app reads them in ``static/lib/transfer.js``."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from satchel.commands.bundle_file import LENGTH, MAGIC


class BundleFileInvalid(Exception):
    """A ``.satchel`` file that is not whole, or not one."""


@dataclass(frozen=True)
class BundleFile:
    manifest: bytes
    objects: dict[str, bytes]  # by sha256, in file order


def read_bundle_file(path: Path) -> BundleFile:
    """Read a file's records (hashes named, nothing else checked: see ``sign``)."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise BundleFileInvalid(f"{path} is not a whole .satchel file ({exc})") from exc
    if not data.startswith(MAGIC):
        raise BundleFileInvalid(f"{path} is not a .satchel file")
    found, offset = [], len(MAGIC)
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
    if not found:
        raise BundleFileInvalid(f"{path} holds no manifest")
    objects = {hashlib.sha256(record).hexdigest(): record for record in found[1:]}
    return BundleFile(found[0], objects)
