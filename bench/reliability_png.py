"""A reliability diagram as a PNG, drawn in numpy and encoded with zlib (the bench has
no plotting dependency).

Per bin of trust: a bar up to the share of values that were true, a dark tick at the
bin's mean trust, the diagonal of perfect calibration, and under the plot a strip
whose darkness is the bin's share of all values. Several panels (raw and calibrated,
per value and chosen value) sit side by side.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

SIZE = 240
MARGIN = 20
STRIP = 14
Image = npt.NDArray[np.uint8]


def panel(mean_p: npt.NDArray[Any], share: npt.NDArray[Any], count: npt.NDArray[Any]) -> Image:
    """One diagram of ``len(share)`` bins."""
    height = SIZE + 2 * MARGIN + STRIP
    img = np.full((height, SIZE + 2 * MARGIN, 3), 255, dtype=np.uint8)
    bins = len(share)
    width = SIZE // bins
    total = max(float(count.sum()), 1.0)
    for b in range(bins):
        left = MARGIN + b * width
        if count[b] > 0:
            top = MARGIN + round(SIZE * (1 - float(share[b])))
            img[top : MARGIN + SIZE, left + 1 : left + width - 1] = (90, 140, 210)
            tick = MARGIN + round(SIZE * (1 - float(mean_p[b])))
            tick = min(max(tick, MARGIN), MARGIN + SIZE - 2)
            img[tick : tick + 2, left + 1 : left + width - 1] = (200, 40, 40)
        shade = 255 - int(200 * float(count[b]) / total)
        img[MARGIN + SIZE + 4 : MARGIN + SIZE + 4 + STRIP - 4, left : left + width] = shade
    for k in range(SIZE):  # the diagonal
        img[MARGIN + SIZE - 1 - k, MARGIN + k] = (60, 60, 60)
    img[MARGIN : MARGIN + SIZE, MARGIN] = 0
    img[MARGIN + SIZE - 1, MARGIN : MARGIN + SIZE] = 0
    return img


def write(path: Path, panels: list[Image]) -> Path:
    """``panels`` side by side as an RGB PNG at ``path``."""
    img = np.concatenate(panels, axis=1) if panels else panel(*(np.zeros(10),) * 3)
    rows = b"".join(b"\x00" + img[r].tobytes() for r in range(img.shape[0]))
    height, width = img.shape[:2]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
