"""Streaming helpers: bytes flow through in chunks, hashed on the way, never held whole."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from edu_portal.operations.backup import crypto
from edu_portal.operations.backup.target import Target

CHUNK = 1 << 20


class ContentChanged(Exception):
    """The bytes read are not the bytes expected (changed under us, or altered)."""


def verified(chunks: Iterable[bytes], sha256: str, size: int) -> Iterator[bytes]:
    """Pass ``chunks`` through; raise ContentChanged at the end (or as soon as there are
    too many bytes) unless they are exactly ``size`` bytes hashing to ``sha256``."""
    digest = hashlib.sha256()
    count = 0
    for chunk in chunks:
        count += len(chunk)
        if count > size:
            raise ContentChanged(f"more than the expected {size} bytes")
        digest.update(chunk)
        yield chunk
    if count != size or digest.hexdigest() != sha256:
        raise ContentChanged(f"{count} bytes with SHA-256 {digest.hexdigest()}")


def file_chunks(path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def sealed(chunks: Iterable[bytes], passphrase: str, salt: bytes, purpose: str) -> Iterator[bytes]:
    """The bytes to store: encrypted when there is a passphrase, else as they are."""
    if passphrase:
        return crypto.encrypt_chunks(chunks, passphrase, salt, purpose)
    return iter(chunks)


def stored_plaintext(target: Target, key: str, passphrase: str, encrypted: bool) -> Iterator[bytes]:
    """The plaintext of a stored file, chunk by chunk (decrypted when ``encrypted``);
    raises ObjectNotFound at once, crypto.DecryptionFailed while reading."""
    stream = target.open(key)

    def chunks() -> Iterator[bytes]:
        with stream:
            if encrypted:
                yield from crypto.decrypt_stream(stream.read, passphrase, key)
            else:
                yield from stream

    return chunks()
