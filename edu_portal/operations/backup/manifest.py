"""The files that describe one backup, and reading them back with every check.

Reading a manifest checks, in this order: the completion marker exists (else the backup
is incomplete), the stored manifest's SHA-256 equals the one the marker recorded (else it
was altered), it decrypts (when encrypted), its format is one this code reads, and every
object key is a safe key (``validate_key``) and every checksum well-formed, so nothing in
a manifest can steer a restore outside the object store.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from edu_portal.operations.backup import crypto
from edu_portal.operations.backup.target import Target
from edu_portal.storage import InvalidKey, ObjectNotFound, validate_key

FORMAT_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
NAME_PATTERN = re.compile(r"\d{8}T\d{6}\.\d{6}Z")


class BackupUnusable(Exception):
    """The backup cannot be read or trusted; the message is a sentence."""


def backup_dir(name: str) -> str:
    return f"backups/{name}/"


def header_key(name: str) -> str:
    return f"backups/{name}/header.json"


def marker_key(name: str) -> str:
    return f"backups/{name}/complete.json"


def manifest_key(name: str, encrypted: bool) -> str:
    return f"backups/{name}/manifest.json" + (".enc" if encrypted else "")


def dump_key(name: str, filename: str, encrypted: bool) -> str:
    return f"backups/{name}/{filename}" + (".enc" if encrypted else "")


def object_key(sha256: str, encrypted: bool) -> str:
    """Content address: identical bytes are stored once, whichever keys name them."""
    return f"objects/{sha256[:2]}/{sha256}" + (".enc" if encrypted else "")


@dataclass
class Backup:
    name: str
    header: dict
    manifest: dict

    @property
    def encrypted(self) -> bool:
        return bool(self.header.get("encrypted"))


def list_backups(target: Target) -> tuple[list[str], dict[str, object]]:
    """(complete backup names, oldest first; {incomplete name: newest file time})."""
    files: dict[str, dict[str, object]] = {}
    for info in target.list("backups/"):
        parts = info.key.split("/")
        if len(parts) != 3:
            continue
        entry = files.setdefault(parts[1], {"complete": False, "modified": info.modified})
        entry["complete"] = entry["complete"] or parts[2] == "complete.json"
        entry["modified"] = max(entry["modified"], info.modified)
    complete = sorted(name for name, entry in files.items() if entry["complete"])
    incomplete = {name: e["modified"] for name, e in files.items() if not e["complete"]}
    return complete, incomplete


def choose(target: Target, name: str | None) -> str:
    complete, incomplete = list_backups(target)
    if name:
        if name in complete:
            return name
        if name in incomplete:
            raise BackupUnusable(
                f"The backup {name} in {target.display} is incomplete (it has no completion "
                "marker: it was interrupted or is still being written). Choose another one."
            )
        raise BackupUnusable(f"There is no backup named {name} in {target.display}.")
    if not complete:
        raise BackupUnusable(f"There is no complete backup in {target.display}.")
    return complete[-1]


def read_header(target: Target, name: str) -> dict:
    try:
        header = json.loads(target.get_bytes(header_key(name)))
    except ObjectNotFound:
        raise BackupUnusable(f"The backup {name} has no header.json: it is not a backup.") from None
    except ValueError:
        raise BackupUnusable(f"The header of backup {name} is not valid JSON.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        found = header.get("format") if isinstance(header, dict) else "?"
        raise BackupUnusable(
            f"The backup {name} has format {found}; "
            f"this version of the platform reads format {FORMAT_VERSION}."
        )
    return header


def passphrase_for(header: dict, name: str, passphrase: str) -> str:
    if header.get("encrypted") and not passphrase:
        raise BackupUnusable(
            f"The backup {name} is encrypted: give its passphrase "
            "(BACKUP_ENCRYPTION_KEY or --passphrase-file)."
        )
    return passphrase


def load(target: Target, name: str, passphrase: str = "") -> Backup:
    header = read_header(target, name)
    encrypted = bool(header.get("encrypted"))
    passphrase_for(header, name, passphrase)
    try:
        marker = json.loads(target.get_bytes(marker_key(name)))
    except ObjectNotFound:
        raise BackupUnusable(
            f"The backup {name} is incomplete (no completion marker): it was interrupted."
        ) from None
    except ValueError:
        raise BackupUnusable(f"The completion marker of backup {name} is damaged.") from None
    try:
        stored = target.get_bytes(manifest_key(name, encrypted))
    except ObjectNotFound:
        raise BackupUnusable(f"The manifest of backup {name} is missing.") from None
    if hashlib.sha256(stored).hexdigest() != marker.get("manifest_sha256"):
        raise BackupUnusable(
            f"The manifest of backup {name} does not match the checksum its completion marker "
            "recorded: it was altered or damaged."
        )
    if encrypted:
        try:
            plain = b"".join(
                crypto.decrypt_stream(_reader(stored), passphrase, manifest_key(name, encrypted))
            )
        except crypto.DecryptionFailed:
            raise BackupUnusable(
                f"The passphrase does not open backup {name} (or its manifest was altered)."
            ) from None
    else:
        plain = stored
    try:
        manifest = json.loads(plain)
    except ValueError:
        raise BackupUnusable(f"The manifest of backup {name} is not valid JSON.") from None
    _validate(manifest, name)
    return Backup(name, header, manifest)


def _reader(data: bytes):
    import io

    return io.BytesIO(data).read


def _validate(manifest: dict, name: str) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupUnusable(f"The manifest of backup {name} is not in format {FORMAT_VERSION}.")
    database = manifest.get("database")
    if not isinstance(database, dict) or not _SHA256.fullmatch(str(database.get("sha256"))):
        raise BackupUnusable(f"The manifest of backup {name} does not describe its database dump.")
    if not re.fullmatch(r"database\.[a-z0-9]+", str(database.get("file"))):
        raise BackupUnusable(f"The manifest of backup {name} names an unexpected dump file.")
    objects = manifest.get("objects")
    if not isinstance(objects, list):
        raise BackupUnusable(f"The manifest of backup {name} has no list of objects.")
    for entry in objects:
        key = entry.get("key") if isinstance(entry, dict) else None
        try:
            validate_key(key)
        except InvalidKey:
            raise BackupUnusable(
                f"The manifest of backup {name} names an unsafe object key {key!r}: refused."
            ) from None
        if not _SHA256.fullmatch(str(entry.get("sha256"))) or not isinstance(
            entry.get("size"), int
        ):
            raise BackupUnusable(f"The manifest of backup {name} has a malformed entry for {key}.")
