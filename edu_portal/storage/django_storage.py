"""A Django ``Storage`` over the platform's object store (``get_storage()``).

Wagtail keeps its documents and images through ``STORAGES["default"]``; with this backend
they live in the same store as everything else (filesystem or S3/MinIO), under a prefix
(``cms/`` in the settings). Names stay what Django and Wagtail make of the uploaded file
name (Chinese included, so downloads keep their names); the object key is derived from
the name by a reversible escape into the store's key alphabet (``[A-Za-z0-9/_.=-]``: any
other byte of the UTF-8 name becomes ``=XX``), and checked with ``validate_key``. A name
that tries to leave its folder (``..``, an absolute path, an empty segment) is refused.

``url()`` is only offered for names under ``public_prefixes`` (Wagtail's image renditions),
as a path of the site that serves them (``url_name``); documents are downloaded through
Wagtail's serve view, which checks who may have them, so they have no direct URL.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import Iterator
from datetime import datetime

from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from edu_portal.storage import (
    InvalidKey,
    ObjectNotFound,
    ObjectStream,
    get_storage,
    validate_key,
    validate_prefix,
)

_PLAIN = re.compile(rb"[A-Za-z0-9_.-]")
_ESCAPE = re.compile(r"=([0-9A-F]{2})")
#: Longest escaped file name kept: under the store's 200-character segment limit, with room
#: for the suffix Django adds to make a name unique (``_abc1234``).
MAX_ESCAPED_SEGMENT = 180


def escape_segment(segment: str) -> str:
    out = []
    for index, byte in enumerate(segment.encode("utf-8")):
        char = bytes([byte])
        # A leading "." would make a hidden key segment, reserved for the store itself.
        if _PLAIN.fullmatch(char) and not (index == 0 and char == b"."):
            out.append(char.decode("ascii"))
        else:
            out.append(f"={byte:02X}")
    return "".join(out)


def unescape_segment(segment: str) -> str:
    raw = bytearray()
    index = 0
    while index < len(segment):
        match = _ESCAPE.match(segment, index)
        if match:
            raw.append(int(match.group(1), 16))
            index = match.end()
        else:
            raw.extend(segment[index].encode("ascii"))
            index += 1
    return raw.decode("utf-8", "replace")


class ObjectReader(io.RawIOBase):
    """A seekable, read-only file over one stored object: a seek only moves the position,
    and the next read opens the object from there (a byte range), so streaming a download
    never holds more than a chunk."""

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.size = size
        self._position = 0
        self._stream: ObjectStream | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop_stream()
            self._position = position
        return position

    def readinto(self, buffer) -> int:
        if self._position >= self.size:
            return 0
        if self._stream is None:
            self._stream = get_storage().open(self.key, self._position)
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def close(self) -> None:
        self._drop_stream()
        super().close()


@deconstructible
class ObjectStoreStorage(Storage):
    def __init__(
        self,
        prefix: str = "",
        public_prefixes: tuple[str, ...] | list[str] = (),
        url_name: str = "",
    ) -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.prefix = validate_prefix(prefix)
        self.public_prefixes = tuple(public_prefixes)
        self.url_name = url_name

    # --- names and keys -----------------------------------------------------------------

    def key_for(self, name: str) -> str:
        """The object key of ``name``; SuspiciousFileOperation for a name that is not a
        plain relative path."""
        name = str(name).replace("\\", "/")
        segments = name.split("/")
        if name.startswith("/") or any(part in ("", ".", "..") for part in segments):
            raise SuspiciousFileOperation(f"Refused file name {name!r}.")
        try:
            return validate_key(self.prefix + "/".join(map(escape_segment, segments)))
        except InvalidKey as exc:
            raise SuspiciousFileOperation(f"Refused file name {name!r}: {exc}") from None

    def name_for(self, key: str) -> str:
        return "/".join(unescape_segment(part) for part in key[len(self.prefix) :].split("/"))

    def get_valid_name(self, name: str) -> str:
        name = super().get_valid_name(name)
        stem, ext = os.path.splitext(name)
        # Shorten the stem (never the extension) until the escaped name fits in a key segment.
        while stem and len(escape_segment(stem + ext)) > MAX_ESCAPED_SEGMENT:
            stem = stem[:-1]
        return (stem or "file") + ext

    # --- Storage API -------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Stored objects are written with save(), not opened for writing.")
        key = self.key_for(name)
        try:
            info = get_storage().stat(key)
        except ObjectNotFound:
            raise FileNotFoundError(name) from None
        reader = ObjectReader(key, info.size)
        return File(io.BufferedReader(reader, buffer_size=1024 * 1024), name=name)

    def _save(self, name: str, content: File) -> str:
        key = self.key_for(name)
        if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
            content.seek(0)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        size = getattr(content, "size", None)
        get_storage().put(key, content, length=size, content_type=content_type)
        return name

    def delete(self, name: str) -> None:
        get_storage().delete(self.key_for(name))

    def exists(self, name: str) -> bool:
        return get_storage().exists(self.key_for(name))

    def size(self, name: str) -> int:
        try:
            return get_storage().stat(self.key_for(name)).size
        except ObjectNotFound:
            raise FileNotFoundError(name) from None

    def get_modified_time(self, name: str) -> datetime:
        return get_storage().stat(self.key_for(name)).modified

    get_created_time = get_modified_time
    get_accessed_time = get_modified_time

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = self.key_for(path) + "/" if path.strip("/") else self.prefix
        directories, files = set(), []
        for info in self._list(prefix):
            rest = info.key[len(prefix) :]
            head, sep, _tail = rest.partition("/")
            if sep:
                directories.add(unescape_segment(head))
            else:
                files.append(unescape_segment(head))
        return sorted(directories), files

    def _list(self, prefix: str) -> Iterator:
        return get_storage().list(prefix)

    def url(self, name: str) -> str:
        if self.url_name and name.startswith(self.public_prefixes):
            return reverse(self.url_name, args=[name])
        raise NotImplementedError("This file is served by a view that checks access.")
