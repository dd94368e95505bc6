"""The backup's chunked AES-256-GCM framing: round trips at chunk boundaries, and every
way of altering the bytes (a flipped bit, a dropped or reordered chunk, a cut at a chunk
boundary, trailing bytes, another file's purpose, a wrong passphrase) is refused."""

from __future__ import annotations

import io

import pytest

from edu_portal.operations.backup import crypto

SALT = bytes(range(16))
C = crypto.CHUNK_SIZE


def seal(data: bytes, purpose: str = "objects/ab/abc.enc") -> bytes:
    pieces = [data[i : i + 77777] for i in range(0, len(data), 77777)] or [b""]
    return b"".join(crypto.encrypt_chunks(pieces, "pass", SALT, purpose))


def open_(blob: bytes, passphrase: str = "pass", purpose: str = "objects/ab/abc.enc") -> bytes:  # noqa: S107
    return b"".join(crypto.decrypt_stream(io.BytesIO(blob).read, passphrase, purpose))


@pytest.mark.parametrize("size", [0, 1, C - 1, C, C + 1, 2 * C, 2 * C + 5])
def test_round_trip_and_size(size):
    data = bytes(i % 251 for i in range(size))
    blob = seal(data)
    assert len(blob) == crypto.encrypted_size(size)
    assert open_(blob) == data


def test_alterations_are_refused():
    data = bytes(i % 251 for i in range(2 * C + 10))
    blob = seal(data)
    header, body = blob[: crypto.HEADER_BYTES], blob[crypto.HEADER_BYTES :]
    sealed = C + crypto.TAG_BYTES
    chunks = [body[:sealed], body[sealed : 2 * sealed], body[2 * sealed :]]
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 1
    attempts = {
        "flipped bit": bytes(flipped),
        "chunk dropped": header + chunks[0] + chunks[2],
        "chunks swapped": header + chunks[1] + chunks[0] + chunks[2],
        "cut at a chunk boundary": header + chunks[0] + chunks[1],
        "trailing bytes": blob + b"x",
        "header only": header,
    }
    for what, altered in attempts.items():
        with pytest.raises(crypto.DecryptionFailed):
            open_(altered)
            pytest.fail(what)
    with pytest.raises(crypto.DecryptionFailed):
        open_(blob, passphrase="wrong")
    with pytest.raises(crypto.DecryptionFailed):
        open_(blob, purpose="objects/cd/another.enc")  # moved to another file's place
