"""Draw Satchel's app icons (a plain bag shape) as PNG files with the standard library.

    python3 tools/make_icons.py   # writes static/icons/*.png

The shapes are simple geometry, so the icons carry no third-party artwork.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
BLUE = (11, 92, 173, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def png(size: int, pixel) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x / size, y / size)) for x in range(size))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def bag(x: float, y: float, scale: float) -> bool:
    """A satchel: a body with a flap line and a handle, inside a box of ``scale``."""
    u, v = (x - 0.5) / scale + 0.5, (y - 0.5) / scale + 0.5
    body = 0.12 <= u <= 0.88 and 0.34 <= v <= 0.86
    flap_line = 0.16 <= u <= 0.84 and 0.50 <= v <= 0.54
    handle = ((u - 0.5) ** 2 / 0.2**2 + (v - 0.34) ** 2 / 0.2**2) <= 1
    hole = ((u - 0.5) ** 2 / 0.13**2 + (v - 0.34) ** 2 / 0.13**2) <= 1
    return (body and not flap_line) or (handle and not hole and v < 0.34)


def rounded(x: float, y: float, radius: float = 0.18) -> bool:
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(
            png(size, lambda x, y: (WHITE if bag(x, y, 0.8) else BLUE) if rounded(x, y) else CLEAR)
        )
    # Maskable: full-bleed background, the shape inside the 80% safe zone.
    (OUT / "maskable-512.png").write_bytes(
        png(512, lambda x, y: WHITE if bag(x, y, 0.6) else BLUE)
    )


if __name__ == "__main__":
    main()
