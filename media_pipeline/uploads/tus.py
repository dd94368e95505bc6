"""The tus 1.0.0 protocol: constants, header parsing and the errors it answers with.

https://tus.io/protocols/resumable-upload -- core, creation, creation-with-upload,
termination, checksum and expiration. Nothing here touches the database or the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

TUS_VERSION = "1.0.0"
SUPPORTED_VERSIONS = (TUS_VERSION,)
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
CHECKSUM_MISMATCH = 460  # tus's own status code: "Checksum Mismatch"

MAX_METADATA_HEADER = 8192
MAX_METADATA_PAIRS = 32
MAX_METADATA_VALUE = 1024
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_METADATA_KEY = re.compile(r"[!-+\--~]{1,64}", re.ASCII)  # printable ASCII but ',' and space


@dataclass
class TusError(Exception):
    """A refusal: HTTP status, a stable code, and a sentence for the person uploading."""

    status: int
    code: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


def parse_int(value: str | None, header: str) -> int | None:
    """A non-negative integer header (None when absent); 400 for anything else."""
    if value is None:
        return None
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        raise TusError(
            400,
            "invalid_header",
            _("The %(header)s header must be a whole number of bytes.") % {"header": header},
        )
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """``Upload-Metadata: filename bGVzc29uLm1wNA==,filetype dmlkZW8vbXA0,flag``."""
    if not value:
        return {}
    invalid = TusError(
        400,
        "invalid_metadata",
        _("The file information sent with the upload could not be read. Please try again."),
    )
    if len(value) > MAX_METADATA_HEADER:
        raise invalid
    metadata: dict[str, str] = {}
    for pair in value.split(","):
        key, _sep, encoded = pair.strip().partition(" ")
        if not _METADATA_KEY.fullmatch(key) or key in metadata or " " in encoded.strip():
            raise invalid
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise invalid from None
        if len(decoded) > MAX_METADATA_VALUE:
            raise invalid
        metadata[key] = decoded
    if len(metadata) > MAX_METADATA_PAIRS:
        raise invalid
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )


def clean_filename(value: str) -> str:
    """The last path component, printable characters only: for display, never for keys."""
    name = posixpath.basename(value.replace("\\", "/"))
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:255]


@dataclass(frozen=True)
class Checksum:
    """``Upload-Checksum: sha1 <base64 digest>`` of one PATCH body."""

    algorithm: str
    digest: bytes

    def new(self):
        # Integrity of a transfer, not security: md5 and sha1 are what clients send.
        return hashlib.new(self.algorithm, usedforsecurity=False)


def parse_checksum(value: str | None) -> Checksum | None:
    if value is None:
        return None
    algorithm, _sep, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(
            400,
            "checksum_algorithm",
            _("The checksum type %(name)s is not supported; use one of: %(names)s.")
            % {"name": algorithm[:20], "names": ", ".join(CHECKSUM_ALGORITHMS)},
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != hashlib.new(algorithm, usedforsecurity=False).digest_size:
        raise TusError(
            400, "invalid_checksum", _("The checksum sent with this part could not be read.")
        )
    return Checksum(algorithm, digest)
