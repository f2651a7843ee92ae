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
reads the same format (``static/lib/transfer.js``); the tests read it with
``tests/bundle_files.py``.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterable, Iterator

from ..manifest import object_names
from ..store import Store

MAGIC = b"SATCHEL1"
LENGTH = struct.Struct(">I")


def file_name(bundle: str, locale: str, version: int) -> str:
    return f"{bundle}-{locale}-v{version}.satchel"


def records(store: Store, bundle: str, locale: str, version: int) -> Iterator[bytes]:
    """The manifest, then every object it names once, as the file lists them."""
    yield store.manifest_bytes(bundle, locale, version)
    for name in dict.fromkeys(object_names(store.manifest(bundle, locale, version))):
        yield store.object_path(name).read_bytes()


def write_records(records: Iterable[bytes], out) -> int:
    """Write a file of ``records`` (the manifest first, then objects) to the binary
    handle ``out``; returns the bytes written."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
        stream.write(MAGIC)
        for record in records:
            stream.write(LENGTH.pack(len(record)) + record)
        stream.write(LENGTH.pack(0))
    return out.tell()


def write_bundle_file(store: Store, bundle: str, locale: str, version: int, out) -> int:
    """Write a published version's file to the binary handle ``out``; returns its size."""
    return write_records(records(store, bundle, locale, version), out)
