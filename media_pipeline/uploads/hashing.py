"""A SHA-256 whose state can be saved in the database between two requests.

The SHA-256 of an upload must cover bytes that arrive over many requests, maybe handled by
different processes; hashing the assembled object again at the end would mean reading up
to 20 GB back from the store. ``hashlib`` objects cannot be exported, so this uses the
same OpenSSL library as ``hashlib`` through its long-standing ``SHA256_Init/Update/Final``
functions, whose context is a plain struct: eight state words, the bit count and the
unhashed rest of the last 64-byte block. It is saved in a fixed little-endian layout.

When that library cannot be used (no OpenSSL symbols, a self-test fails),
:func:`available` is False and callers fall back to hashing the finished object.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import struct

_STATE = struct.Struct("<B8I2I64s2I")  # version, h[8], Nl, Nh, data, num, md_len
_VERSION = 1
_DIGEST_SIZE = 32


class _Ctx(ctypes.Structure):
    # The layout of OpenSSL's SHA256_CTX struct, the same in every OpenSSL release since
    # 0.9.8, so a state saved by one worker can be resumed by any other.
    _fields_ = [
        ("h", ctypes.c_uint32 * 8),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_ubyte * 64),
        ("num", ctypes.c_uint32),
        ("md_len", ctypes.c_uint32),
    ]


def _candidates() -> list[str]:
    names = []
    try:
        import _hashlib  # linked against the libcrypto hashlib itself uses

        names.append(_hashlib.__file__)
    except (ImportError, AttributeError):
        pass
    found = ctypes.util.find_library("crypto")
    if found:
        names.append(found)
    return names


@functools.cache
def _library():
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
            init, update, final = lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final
        except (OSError, AttributeError):
            continue
        init.argtypes = [ctypes.POINTER(_Ctx)]
        update.argtypes = [ctypes.POINTER(_Ctx), ctypes.c_char_p, ctypes.c_size_t]
        final.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Ctx)]
        for function in (init, update, final):
            function.restype = ctypes.c_int
        if _self_test(lib):
            return lib
    return None


def _self_test(lib) -> bool:
    message = bytes(range(256)) * 5
    try:
        first = ResumableSha256(lib)
        first.update(message[:77])
        second = ResumableSha256(lib, first.state())
        second.update(message[77:])
        return second.hexdigest() == hashlib.sha256(message).hexdigest()
    except (OSError, ValueError):
        return False


def available() -> bool:
    """Whether resumable hashing works in this process."""
    return _library() is not None


class ResumableSha256:
    def __init__(self, lib, state: bytes | None = None) -> None:
        self._lib = lib
        self._ctx = _Ctx()
        if state is None:
            if lib.SHA256_Init(ctypes.byref(self._ctx)) != 1:
                raise ValueError("SHA256_Init failed")
        else:
            self._load(state)

    def _load(self, state: bytes) -> None:
        try:
            version, *words = _STATE.unpack(state)
        except struct.error:
            raise ValueError("not a saved SHA-256 state") from None
        h, (nl, nh, data, num, md_len) = words[:8], words[8:]
        if version != _VERSION or md_len != _DIGEST_SIZE or num >= 64:
            raise ValueError("not a saved SHA-256 state")
        ctx = self._ctx
        ctx.h[:] = h
        ctx.Nl, ctx.Nh, ctx.num, ctx.md_len = nl, nh, num, md_len
        ctypes.memmove(ctx.data, data, 64)

    def update(self, data: bytes) -> None:
        if data and self._lib.SHA256_Update(ctypes.byref(self._ctx), data, len(data)) != 1:
            raise ValueError("SHA256_Update failed")

    def state(self) -> bytes:
        ctx = self._ctx
        return _STATE.pack(_VERSION, *ctx.h, ctx.Nl, ctx.Nh, bytes(ctx.data), ctx.num, ctx.md_len)

    def hexdigest(self) -> str:
        ctx = _Ctx()
        ctypes.pointer(ctx)[0] = self._ctx  # Final wipes the context; finish a copy
        out = ctypes.create_string_buffer(_DIGEST_SIZE)
        if self._lib.SHA256_Final(out, ctypes.byref(ctx)) != 1:
            raise ValueError("SHA256_Final failed")
        return out.raw.hex()


def resumable_sha256(state: bytes | None = None) -> ResumableSha256:
    """A SHA-256 continuing from ``state`` (from ``.state()``), or a new one.

    Raises ValueError for a state that is not one; check :func:`available` first.
    """
    lib = _library()
    if lib is None:
        raise RuntimeError("resumable SHA-256 is not available in this process")
    return ResumableSha256(lib, state)
