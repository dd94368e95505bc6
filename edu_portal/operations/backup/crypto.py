"""Optional encryption of what a backup writes: AES-256-GCM in chunks (flat memory).

The key comes from the passphrase with scrypt and a random salt made per backup; the salt
is written in clear in the backup's ``header.json`` and at the head of every file it
encrypts, so an object copied by an older backup (with that backup's salt) still opens
with the same passphrase. Derived keys are cached per salt for the life of the process.

An encrypted file::

    MAGIC (8) | salt (16) | nonce prefix (7) | chunk 0 | chunk 1 | ... | final chunk

Each chunk is ``CHUNK_SIZE`` bytes of plaintext sealed with GCM (plus a 16-byte tag);
the nonce is ``prefix | counter (4, big-endian) | last flag (1)``, and the header and the
file's purpose (its key in the backup) are the associated data. So chunks cannot be
reordered, dropped, truncated at a chunk boundary (the final chunk, never full-sized, is
always there) or moved to another file without the tag check failing. This is the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár (2015).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"EDUBAK\x00\x01"
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + SALT_BYTES + PREFIX_BYTES
TAG_BYTES = 16
CHUNK_SIZE = 1 << 20
# scrypt's cost: ~64 MiB and a fraction of a second per derivation, done once per salt.
SCRYPT_N = 1 << 16
SCRYPT_R = 8
SCRYPT_P = 1


class DecryptionFailed(Exception):
    """The passphrase is wrong, or the encrypted bytes were altered or cut short."""


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


@functools.lru_cache(maxsize=64)
def derive_key(passphrase: str, salt: bytes, n: int = SCRYPT_N) -> bytes:
    if not passphrase:
        raise ValueError("an empty passphrase cannot encrypt")
    kdf = Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode())


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_chunks(
    chunks: Iterable[bytes], passphrase: str, salt: bytes, purpose: str
) -> Iterator[bytes]:
    """The encrypted file, piece by piece, for plaintext ``chunks`` of any sizes."""
    aead = AESGCM(derive_key(passphrase, salt))
    prefix = os.urandom(PREFIX_BYTES)
    header = MAGIC + salt + prefix
    aad = header + purpose.encode()
    yield header
    buffer = bytearray()
    counter = 0
    for chunk in chunks:
        buffer += chunk
        # Strictly more than a chunk: the final chunk must never be full-sized.
        while len(buffer) > CHUNK_SIZE:
            yield aead.encrypt(_nonce(prefix, counter, False), bytes(buffer[:CHUNK_SIZE]), aad)
            del buffer[:CHUNK_SIZE]
            counter += 1
    if len(buffer) == CHUNK_SIZE:
        yield aead.encrypt(_nonce(prefix, counter, False), bytes(buffer), aad)
        buffer.clear()
        counter += 1
    yield aead.encrypt(_nonce(prefix, counter, True), bytes(buffer), aad)


def encrypted_size(plain_size: int) -> int:
    full = plain_size // CHUNK_SIZE  # full chunks; the final one holds the rest (maybe 0)
    return HEADER_BYTES + plain_size + (full + 1) * TAG_BYTES


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def decrypt_stream(read, passphrase: str, purpose: str) -> Iterator[bytes]:
    """Plaintext chunks of an encrypted file read with ``read(n)``; DecryptionFailed when
    the passphrase is wrong or a byte was changed, dropped or added."""
    header = _read_exactly(read, HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise DecryptionFailed("not an encrypted backup file")
    salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    prefix = header[len(MAGIC) + SALT_BYTES :]
    aead = AESGCM(derive_key(passphrase, salt))
    aad = header + purpose.encode()
    counter = 0
    while True:
        sealed = _read_exactly(read, CHUNK_SIZE + TAG_BYTES)
        last = len(sealed) < CHUNK_SIZE + TAG_BYTES
        if last and len(sealed) < TAG_BYTES:
            raise DecryptionFailed("the encrypted file is cut short")
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), sealed, aad)
        except InvalidTag:
            raise DecryptionFailed("wrong passphrase, or the file was altered") from None
        if plain:
            yield plain
        if last:
            if read(1):
                raise DecryptionFailed("bytes follow the end of the encrypted file")
            return
        counter += 1


def _read_exactly(read, size: int) -> bytes:
    parts = []
    have = 0
    while have < size:
        part = read(size - have)
        if not part:
            break
        parts.append(part)
        have += len(part)
    return b"".join(parts)
