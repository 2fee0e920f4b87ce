"""UTF-8 evidence in bytes: where the bytes 80-FF are, and whether any of them form a
well-formed UTF-8 multibyte sequence (used to tell UTF-8, cp1252 and mixed files apart).
"""

from __future__ import annotations

import mmap

import numpy as np

__all__ = ["BLOCK", "MULTIBYTE", "first_non_ascii", "has_multibyte", "non_ascii"]

BLOCK = 1 << 20  # bytes per block when looking for UTF-8 sequences


# the well-formed UTF-8 multibyte sequences (RFC 3629, what Python's strict decoder
# accepts): lead byte range, then the range of each further byte
MULTIBYTE: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0xC2, 0xDF), (0x80, 0xBF)),
    ((0xE0, 0xE0), (0xA0, 0xBF), (0x80, 0xBF)),
    ((0xE1, 0xEC), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xED, 0xED), (0x80, 0x9F), (0x80, 0xBF)),
    ((0xEE, 0xEF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF0, 0xF0), (0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF1, 0xF3), (0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)),
    ((0xF4, 0xF4), (0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)),
)


def non_ascii(data: bytes) -> np.ndarray:
    """Positions of the bytes 80-FF, a block at a time (small temporary arrays stay in
    the cache)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    found = [
        start + np.flatnonzero(block >= 0x80)
        for start in range(0, len(raw), BLOCK)
        if len(block := raw[start : start + BLOCK])
    ]
    return np.concatenate(found) if found else np.array([], dtype=np.intp)


def has_multibyte(data: bytes, high: np.ndarray | None = None) -> bool:
    """True if ``data`` holds a well-formed UTF-8 multibyte sequence anywhere.

    The same answer as decoding with ``surrogateescape`` and looking for a decoded
    non-ASCII character, without building the text: a lead byte (C2-F4) is never a
    continuation byte, so the decoder starts a sequence at every lead byte it reaches
    and decodes it exactly when the bytes from there form one of the sequences above.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    at_high = non_ascii(data) if high is None else high  # given: of ``data``
    # C2 <= byte <= F4 as one comparison (the bytes below C2 wrap around to 0x3E and up)
    leads = at_high[np.subtract(raw[at_high], 0xC2, dtype=np.uint8) <= 0xF4 - 0xC2]
    if not len(leads):
        return False
    size = len(raw)
    for ranges in MULTIBYTE:
        (low, high), *rest = ranges
        at = leads[(raw[leads] >= low) & (raw[leads] <= high)]
        at = at[at + len(rest) < size]  # the whole sequence inside the data
        for step, (low, high) in enumerate(rest, start=1):
            if not len(at):
                break
            byte = raw[at + step]
            at = at[(byte >= low) & (byte <= high)]
        if len(at):
            return True
    return False


def first_non_ascii(data: bytes | mmap.mmap, start: int = 0) -> int:
    """Position of the first byte 80-FF at or after ``start``, or -1 (a block at a time:
    an ASCII file costs one pass of ``bytes.isascii`` or numpy, a typical export stops
    early)."""
    if isinstance(data, bytes) and data.isascii():
        return -1
    raw = np.frombuffer(data, dtype=np.uint8)
    for at in range(start, len(raw), BLOCK):
        high = raw[at : at + BLOCK] >= 0x80
        if high.any():
            return at + int(np.argmax(high))
    return -1
