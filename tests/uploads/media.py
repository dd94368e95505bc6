"""Deterministic upload data that starts like an MP4 file, produced without holding it."""

from __future__ import annotations

import hashlib

BLOCK = 64 << 10
MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
_NOISE = hashlib.shake_256(b"edu-portal upload tests").digest(BLOCK)


def blocks(size: int):
    """``size`` bytes in blocks of at most BLOCK; every block differs (its index is in it)."""
    produced, index = 0, 0
    while produced < size:
        block = (MP4_HEADER if index == 0 else index.to_bytes(8, "big")) + _NOISE
        block = block[: min(BLOCK, size - produced)]
        produced += len(block)
        index += 1
        yield block


def media_bytes(size: int) -> bytes:
    return b"".join(blocks(size))


def media_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for block in blocks(size):
        digest.update(block)
    return digest.hexdigest()
