"""Which backups to keep, and removing the rest (and the objects only they referenced).

The rule (restic's ``forget --keep-daily/weekly/monthly``): walking complete backups from
the newest, keep the newest one of each of the last KEEP_DAILY days that have a backup,
of each of the last KEEP_WEEKLY ISO weeks, and of each of the last KEEP_MONTHLY months;
the backup just made is always kept. Days are local days (TIME_ZONE), since "the daily
backup" is a local notion. Incomplete backups (crashed runs) older than a day go too.
Objects are removed only after the backups, and only when no remaining manifest names
them; when any remaining manifest cannot be read, no object is removed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo

from edu_portal.operations.backup import manifest as manifests
from edu_portal.operations.backup.target import Target

log = logging.getLogger(__name__)
STALE_INCOMPLETE = timedelta(days=1)


def backup_time(name: str) -> datetime:
    return datetime.strptime(name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)


def to_keep(
    names: list[str], *, daily: int, weekly: int, monthly: int, tz: tzinfo, always: str | None
) -> set[str]:
    keep = {always} if always else set()
    rules = (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    )
    newest_first = sorted(names, reverse=True)
    for count, bucket_of in rules:
        seen: set = set()
        for name in newest_first:
            if len(seen) >= count:
                break
            bucket = bucket_of(backup_time(name).astimezone(tz))
            if bucket not in seen:
                seen.add(bucket)
                keep.add(name)
    return keep


def prune(
    target: Target,
    *,
    daily: int,
    weekly: int,
    monthly: int,
    tz: tzinfo,
    just_made: str | None,
    passphrase: str,
    now: datetime | None = None,
) -> int:
    """Apply the rule to ``target`` (whose lock the caller holds); return backups removed."""
    now = now or datetime.now(tz=UTC)
    complete, incomplete = manifests.list_backups(target)
    keep = to_keep(complete, daily=daily, weekly=weekly, monthly=monthly, tz=tz, always=just_made)
    removed = 0
    for name in complete:
        if name not in keep:
            # The marker first: a removal cut short leaves an incomplete backup, never a
            # "complete" one with files missing.
            target.delete(manifests.marker_key(name))
            target.delete_prefix(manifests.backup_dir(name))
            removed += 1
            log.info("backup %s removed by the retention rule", name)
    for name, modified in incomplete.items():
        if name != just_made and now - modified > STALE_INCOMPLETE:
            target.delete_prefix(manifests.backup_dir(name))
            log.info("incomplete backup %s removed", name)
    _collect_garbage(target, sorted(keep), passphrase)
    return removed


def _collect_garbage(target: Target, kept: list[str], passphrase: str) -> int:
    referenced: set[str] = set()
    for name in kept:
        try:
            backup = manifests.load(target, name, passphrase)
        except manifests.BackupUnusable as exc:
            log.warning("objects not cleaned up: backup %s cannot be read (%s)", name, exc)
            return 0
        for entry in backup.manifest["objects"]:
            referenced.add(manifests.object_key(entry["sha256"], backup.encrypted))
    unused = [info.key for info in target.list("objects/") if info.key not in referenced]
    for key in unused:
        target.delete(key)
    return len(unused)
