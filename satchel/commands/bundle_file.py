"""The ``.satchel`` file: one bundle × locale × version in a single file that people can
pass on (SD card, USB stick, a messaging app) and a device can install offline.

Format 2, what ``satchel export`` writes: the bytes a first install downloads, framed::

    SATCHEL2                      8 ASCII bytes
    record*                       each a 4-byte big-endian length N, then N bytes:
      the pack                      the first-install pack compressed as the API serves it
                                    (brotli, ``publish.PACK_BROTLI``): the manifest as
                                    stored, then every article and about page it names, a
                                    line each
      every search segment          its brotli copy as stored, in manifest order
    end                           a record of length 0

so a file is as small as the download (``make bench``: ``bundle file to pass on``), and
``satchel export`` writes it inside the envelope below.
Chromium's ``DecompressionStream`` has no brotli, so the app decodes it with a vendored
decoder (``static/vendor/README.md``).

Format 1, what a device writes when it passes a bundle on (``static/lib/transfer.js``):
it holds the objects decompressed and has no brotli encoder, so it writes one gzip
stream of::

    SATCHEL1                      8 ASCII bytes
    record*                       the manifest's stored bytes, then every object it names
                                  once each, in manifest order: articles and about pages,
                                  then the search segments; framed as above
    end                           a record of length 0

Format 3, the envelope both write around a file of format 1 or 2: the publisher's TUF
metadata (``stages/repository.py``), so that a device that has never been online, or not
for months, checks the manifest as it checks one from the network::

    SATCHEL3                      8 ASCII bytes
    one record                    a JSON object {name: metadata} of the files of tuf/:
                                  every root from 1.root.json, timestamp.json and the
                                  snapshot and targets versions it names
    a file of format 1 or 2       whole, from its magic

A device writes the metadata it verified last (``carriedMetadata`` in
``static/lib/freshness.js``). The device checks the manifest against these targets
(listed, exact length and sha256, the newest version listed) after the root chain,
signatures, thresholds and versions, but not expiry: a file passed from hand to hand
for months still installs, and the app then says since when its content was not
checked. Metadata older than the device's is checked under the device's root, so a
file whose targets a revoked key signed is refused, and never replaces the device's.

The app reads all three: a file without the envelope, written by a device or by
``satchel export`` before format 3, is as signed and checked as a new one, its manifest
against the targets the device verified itself (refused by a device that has none).

A reader names each object by the sha256 of its bytes and must refuse one the
manifest does not name, a missing one, a file that ends before the end record and
anything after it. The manifest's signature (``sign``) is what makes the file the
publisher's: everything else follows from the hashes it lists. The tests read and
write both formats with ``tests/helpers/bundle_files.py``.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterable, Iterator

import brotli

from ..manifest import object_names, search_segments
from ..stages.publish import PACK_BROTLI, compress
from ..stages.repository import carried_metadata
from ..store import Store, encoded

MAGIC = b"SATCHEL2"
DEVICE_MAGIC = b"SATCHEL1"
ENVELOPE_MAGIC = b"SATCHEL3"
LENGTH = struct.Struct(">I")


def file_name(bundle: str, locale: str, version: int) -> str:
    return f"{bundle}-{locale}-v{version}.satchel"


def compressed_pack(store: Store, bundle: str, locale: str, version: int) -> bytes:
    """The pack as the API serves it: its brotli copy, or compressed alike when
    ``compress-packs`` has not made it yet."""
    path = encoded(store.pack_path(bundle, locale, version), "br")
    if path.is_file():
        return path.read_bytes()
    compressor = brotli.Compressor(**PACK_BROTLI)
    lines = store.pack_lines(bundle, locale, version)
    return b"".join(compressor.process(line) for line in lines) + compressor.finish()


def stored_brotli(store: Store, name: str) -> bytes:
    path = store.object_path(name, "br")
    return (
        path.read_bytes()
        if path.is_file()
        else compress(store.object_path(name).read_bytes(), "br")
    )


def records(store: Store, bundle: str, locale: str, version: int) -> Iterator[bytes]:
    """The compressed pack, then each search segment's brotli copy."""
    yield compressed_pack(store, bundle, locale, version)
    segments = search_segments(store.manifest(bundle, locale, version))
    for name in dict.fromkeys(segment["object"] for segment in segments):
        yield stored_brotli(store, name)


def write_records(records: Iterable[bytes], out) -> int:
    """Write a format 2 file of ``records`` (the compressed pack, then segments) to the
    binary handle ``out``; returns the bytes written."""
    out.write(MAGIC)
    for record in records:
        out.write(LENGTH.pack(len(record)) + record)
    out.write(LENGTH.pack(0))
    return out.tell()


def write_device_records(records: Iterable[bytes], out) -> int:
    """Write a format 1 file of ``records`` (the manifest, then every object, as stored), as a
    device writes one (``bundleFile`` in ``static/lib/transfer.js``): for the tests, and the
    bench's comparison of both formats."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
        stream.write(DEVICE_MAGIC)
        for record in records:
            stream.write(LENGTH.pack(len(record)) + record)
        stream.write(LENGTH.pack(0))
    return out.tell()


def device_records(store: Store, bundle: str, locale: str, version: int) -> Iterator[bytes]:
    """The records of a version's format 1 file: the manifest, then every object it names once."""
    yield store.manifest_bytes(bundle, locale, version)
    for name in dict.fromkeys(object_names(store.manifest(bundle, locale, version))):
        yield store.object_path(name).read_bytes()


def write_envelope(metadata: bytes, out) -> None:
    """Begin a format 3 file: the magic and the TUF metadata record; the inner file follows."""
    out.write(ENVELOPE_MAGIC + LENGTH.pack(len(metadata)) + metadata)


def write_bundle_file(store: Store, bundle: str, locale: str, version: int, out) -> int:
    """Write a published version's file, with the repository's TUF metadata, to the binary
    handle ``out``; returns its size."""
    write_envelope(carried_metadata(store), out)
    return write_records(records(store, bundle, locale, version), out)
