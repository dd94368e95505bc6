"""Deterministic test data produced on the fly, so large uploads never sit in memory."""

from __future__ import annotations

import hashlib

CHUNK = 64 << 10
_BLOCK = hashlib.shake_256(b"edu-portal storage tests").digest(CHUNK)


def _chunk(index: int) -> bytes:
    # Every chunk differs (its index up front), so a misplaced part changes the hash.
    return index.to_bytes(8, "big") + _BLOCK[8:]


class GeneratedStream:
    """A read-only file-like object yielding ``size`` bytes, at most CHUNK per read()
    (like a socket would), from a generator: nothing is materialised up front."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._chunks = self._generate()
        self._pending = b""

    def _generate(self):
        produced, index = 0, 0
        while produced < self.size:
            chunk = _chunk(index)[: self.size - produced]
            produced += len(chunk)
            index += 1
            yield chunk

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            self._pending = next(self._chunks, b"")
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def generated_bytes(size: int) -> bytes:
    """The same data in memory, for small sizes."""
    stream = GeneratedStream(size)
    return b"".join(iter(lambda: stream.read(CHUNK), b""))


def generated_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = GeneratedStream(size)
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()
