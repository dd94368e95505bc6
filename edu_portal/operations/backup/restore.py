"""Reading a backup back: ``verify`` (everything, nothing written) and ``restore`` (into the
configured database and object store, empty unless forced), both ending with a report."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from edu_portal.operations.backup import crypto, database
from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.backup.streams import (
    ContentChanged,
    stored_plaintext,
    verified,
)
from edu_portal.operations.backup.target import IterReader, Target
from edu_portal.storage import ChecksumMismatch, ObjectNotFound, Storage, StorageError, from_url


class RestoreRefused(Exception):
    """Nothing was written: the message says why, in a sentence."""


@dataclass
class Report:
    name: str
    objects_ok: int = 0
    bytes_ok: int = 0
    problems: list[str] = field(default_factory=list)
    #: table -> (in the backup, now in the database)
    row_counts: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_stored(
    target: Target, backup: manifests.Backup, key: str, sha256: str, size: int, passphrase: str
) -> str | None:
    """None when the stored file reads back to ``size`` bytes hashing to ``sha256``; else
    the problem in words."""
    try:
        for _chunk in verified(
            stored_plaintext(target, key, passphrase, backup.encrypted), sha256, size
        ):
            pass
    except ObjectNotFound:
        return "missing from the backup"
    except ContentChanged as exc:
        return f"altered or damaged in the backup ({exc}; expected {size} bytes, {sha256})"
    except crypto.DecryptionFailed as exc:
        return f"does not decrypt ({exc})"
    except StorageError as exc:
        return f"cannot be read: {exc}"
    return None


def _open(
    target: Target, name: str | None, passphrase: str, allow_unencrypted: bool
) -> manifests.Backup:
    """Load the chosen backup; with a passphrase in effect, refuse an unencrypted one.

    Only an encrypted backup is authenticated (AES-GCM under the passphrase): the marker's
    SHA-256 of an unencrypted manifest is a checksum anyone with write access to the target
    can recompute. Without this check such a person could plant an unencrypted backup (a
    database and objects of their own) among the encrypted ones, as the newest, and the
    restore, given the right passphrase, would load it without a word; pg_restore runs its
    dump as SQL. So the operator says so when an unencrypted backup is meant.
    """
    backup = manifests.load(target, manifests.choose(target, name), passphrase)
    if passphrase and not backup.encrypted and not allow_unencrypted:
        raise manifests.BackupUnusable(
            f"The backup {backup.name} in {target.display} is not encrypted, although a "
            "passphrase is set: nothing shows who made it, since anyone able to write to the "
            "target could have put it there. If you know it is yours, run the command again "
            "with --allow-unencrypted."
        )
    return backup


def verify(
    target: Target, name: str | None, passphrase: str, *, allow_unencrypted: bool = False
) -> Report:
    """Read every file of the backup and check it against the manifest."""
    backup = _open(target, name, passphrase, allow_unencrypted)
    report = Report(backup.name)
    db = backup.manifest["database"]
    dump_key = manifests.dump_key(backup.name, db["file"], backup.encrypted)
    problem = _check_stored(target, backup, dump_key, db["sha256"], db["size"], passphrase)
    if problem:
        report.problems.append(f"database dump {db['file']}: {problem}")
    for entry in backup.manifest["objects"]:
        stored = manifests.object_key(entry["sha256"], backup.encrypted)
        problem = _check_stored(target, backup, stored, entry["sha256"], entry["size"], passphrase)
        if problem:
            report.problems.append(f"object {entry['key']}: {problem}")
        else:
            report.objects_ok += 1
            report.bytes_ok += entry["size"]
    return report


def _check_migrations(backup: manifests.Backup) -> None:
    recorded = {tuple(pair) for pair in backup.manifest.get("migrations", [])}
    code = database.code_migrations()
    if recorded != code:
        missing = sorted(code - recorded)
        extra = sorted(recorded - code)
        lines = []
        if extra:
            lines.append(
                "in the backup but not in this code: "
                + ", ".join(f"{app}.{name}" for app, name in extra[:20])
            )
        if missing:
            lines.append(
                "in this code but not in the backup: "
                + ", ".join(f"{app}.{name}" for app, name in missing[:20])
            )
        raise RestoreRefused(
            f"The backup {backup.name} was made by a version of the platform with other "
            "migrations; restore it with the version that made it "
            f"({backup.manifest.get('platform_version')}). " + "; ".join(lines) + "."
        )


def _platform_store() -> Storage:
    """The configured store, but not get_storage()'s: that one announces every write to the
    integrity ledger, whose tables the database restore (after the objects) brings back as
    they were at backup time, already naming these objects."""
    return from_url(
        settings.OBJECT_STORE_URL,
        timeout=settings.OBJECT_STORE_TIMEOUT,
        retries=settings.OBJECT_STORE_RETRIES,
    )


def _check_empty(force: bool) -> None:
    if force:
        return
    tables = database.tables_present()
    if tables:
        raise RestoreRefused(
            f"The database is not empty: it has {len(tables)} tables (for example "
            f"{tables[0]}). Restore into a new, empty database, or pass --force to replace "
            "its contents."
        )
    first = next(iter(_platform_store().list("")), None)
    if first is not None:
        raise RestoreRefused(
            f"The object store is not empty: it holds objects such as {first.key}. Restore "
            "into an empty store, or pass --force to overwrite the objects the backup holds."
        )


def restore(
    target: Target,
    name: str | None,
    passphrase: str,
    *,
    force: bool,
    allow_unencrypted: bool = False,
    stdout=None,
) -> Report:
    backup = _open(target, name, passphrase, allow_unencrypted)
    try:
        database.check_restorable(backup.manifest["database"])
    except database.DatabaseError as exc:
        raise RestoreRefused(str(exc)) from None
    _check_migrations(backup)
    _check_empty(force)
    report = Report(backup.name)

    # Objects first, each verified on its way in: put(expected_sha256=...) stores nothing
    # when the bytes do not hash to the manifest's checksum.
    store = _platform_store()
    for entry in backup.manifest["objects"]:
        stored = manifests.object_key(entry["sha256"], backup.encrypted)
        try:
            chunks = stored_plaintext(target, stored, passphrase, backup.encrypted)
            store.put(
                entry["key"],
                IterReader(verified(chunks, entry["sha256"], entry["size"])),
                content_type=entry.get("content_type") or "application/octet-stream",
                expected_sha256=entry["sha256"],
            )
        except ObjectNotFound:
            report.problems.append(f"object {entry['key']}: missing from the backup")
            continue
        except (ContentChanged, ChecksumMismatch):
            report.problems.append(f"object {entry['key']}: altered in the backup, not restored")
            continue
        except crypto.DecryptionFailed as exc:
            report.problems.append(f"object {entry['key']}: does not decrypt ({exc})")
            continue
        report.objects_ok += 1
        report.bytes_ok += entry["size"]
    if stdout is not None:
        stdout.write(f"objects: {report.objects_ok} restored, {report.bytes_ok} bytes")

    # Then the database, from a local copy whose checksum was verified before loading.
    db = backup.manifest["database"]
    dump_key = manifests.dump_key(backup.name, db["file"], backup.encrypted)
    with tempfile.TemporaryDirectory(prefix="edu-restore-") as scratch:
        local = Path(scratch) / db["file"]
        try:
            with open(local, "wb") as handle:
                chunks = stored_plaintext(target, dump_key, passphrase, backup.encrypted)
                for chunk in verified(chunks, db["sha256"], db["size"]):
                    handle.write(chunk)
        except (ObjectNotFound, ContentChanged, crypto.DecryptionFailed) as exc:
            report.problems.append(
                f"database dump {db['file']}: unusable ({exc}); the database was not restored"
            )
            return report
        if force:
            database.wipe()
        try:
            database.load(local)
        except database.DatabaseError as exc:
            report.problems.append(f"database: {exc}")
            return report
    _mark_own_run(backup)
    _compare_counts(backup, report)
    return report


def _mark_own_run(backup: manifests.Backup) -> None:
    # The dump was taken while this backup's own BackupRun row said "running"; the backup
    # completed (it has its marker), so the restored row says so too.
    from edu_portal.operations.models import BackupRun, RunStatus

    BackupRun.objects.filter(name=backup.name, status=RunStatus.RUNNING).update(status=RunStatus.OK)


def _compare_counts(backup: manifests.Backup, report: Report) -> None:
    expected = backup.manifest.get("row_counts", {})
    actual = database.current_counts()
    for table in sorted(set(expected) | set(actual)):
        pair = (expected.get(table), actual.get(table))
        report.row_counts[table] = pair
        if pair[0] != pair[1]:
            report.problems.append(f"table {table}: {pair[0]} rows in the backup, {pair[1]} now")
