"""Draw the app icons (PNG) with no imaging library: a path arcing round to a dot.

Run once when the logo changes: python scripts/make_icons.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

TEAL = (15, 95, 92)
CREAM = (246, 244, 239)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "webapp" / "static" / "icons"


def png(path: Path, size: int, pixels: list[bytes]) -> None:
    raw = b"".join(b"\0" + row for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
    path.write_bytes(data + chunk(b"IEND", b""))


def coverage(x: float, y: float, scale: float, rounded: bool) -> tuple[float, float]:
    """Return (inside-tile, on-logo) for a point in unit coordinates centred on 0."""
    if rounded:
        r = 0.22
        dx, dy = max(abs(x) - (0.5 - r), 0), max(abs(y) - (0.5 - r), 0)
        inside = dx * dx + dy * dy <= r * r
    else:
        inside = True
    x, y = x / scale, y / scale
    dist = math.hypot(x, y)
    angle = math.degrees(math.atan2(-y, x)) % 360
    ring = 0.26 <= dist <= 0.36 and not (angle < 40 or angle > 335)
    dot = math.hypot(x - 0.31 * math.cos(math.radians(10)), y + 0.31 * math.sin(math.radians(10)))
    return (1.0 if inside else 0.0), (1.0 if ring or dot <= 0.075 else 0.0)


def draw(size: int, scale: float, rounded: bool) -> list[bytes]:
    ss = 4
    rows = []
    for j in range(size):
        row = bytearray()
        for i in range(size):
            tile = logo = 0.0
            for sj in range(ss):
                for si in range(ss):
                    x = (i + (si + 0.5) / ss) / size - 0.5
                    y = (j + (sj + 0.5) / ss) / size - 0.5
                    t, g = coverage(x, y, scale, rounded)
                    tile += t
                    logo += g * t
            tile /= ss * ss
            logo /= ss * ss
            for c in range(3):
                bg = CREAM[c] * (1 - tile) + TEAL[c] * tile
                row.append(round(bg * (1 - logo) + WHITE[c] * logo))
        rows.append(bytes(row))
    return rows


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    png(OUT / "icon-192.png", 192, draw(192, 1.0, rounded=True))
    png(OUT / "icon-512.png", 512, draw(512, 1.0, rounded=True))
    # Maskable: full-bleed background, logo inside the 80% safe zone.
    png(OUT / "icon-maskable-512.png", 512, draw(512, 0.8, rounded=False))
