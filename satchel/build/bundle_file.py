"""The ``.satchel`` file: one bundle × locale × version in a single file that people can
pass on (SD card, USB stick, a messaging app) and a device can install offline.

Format 1. The file is one gzip stream; decompressed, it is::

    SATCHEL1                      8 ASCII bytes
    record*                       each a 4-byte big-endian length N, then N bytes:
      the manifest                  its stored bytes (canonical JSON, signature included)
      every object it names         once each, in manifest order: articles and about
                                    pages, then the search segments; stored bytes
    end                           a record of length 0

A reader names each object by the sha256 of its bytes and must refuse one the
manifest does not name, a missing one, a file that ends before the end record and
anything after it. The manifest's signature (``sign``) is what makes the file the
publisher's: everything else follows from the hashes it lists. The app writes and
reads the same format (``static/transfer.js``).
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SatchelError
from ..store import Store, object_names

MAGIC = b"SATCHEL1"
LENGTH = struct.Struct(">I")


class BundleFileInvalid(SatchelError):
    """A ``.satchel`` file that is not whole, or not one."""


def file_name(bundle: str, locale: str, version: int) -> str:
    return f"{bundle}-{locale}-v{version}.satchel"


def records(store: Store, bundle: str, locale: str, version: int) -> Iterator[bytes]:
    """The manifest, then every object it names once, as the file lists them."""
    yield store.manifest_bytes(bundle, locale, version)
    for name in dict.fromkeys(object_names(store.manifest(bundle, locale, version))):
        yield store.object_path(name).read_bytes()


def write_bundle_file(store: Store, bundle: str, locale: str, version: int, out) -> int:
    """Write the file to the binary handle ``out``; returns the bytes written."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
        stream.write(MAGIC)
        for record in records(store, bundle, locale, version):
            stream.write(LENGTH.pack(len(record)) + record)
        stream.write(LENGTH.pack(0))
    return out.tell()


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
