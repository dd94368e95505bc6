"""Appending to the ledger and checking its MAC chain.

The MAC key is ``settings.INTEGRITY_LEDGER_KEY``; when empty, a key derived from
``SECRET_KEY`` with a label of its own (so the MAC is not a signature Django makes for
anything else). Whoever can rewrite database rows but does not hold the key cannot make
a rewritten entry verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from edu_portal.operations.models import LedgerEntry, LedgerHead

KEY_LABEL = b"edu_portal.operations.ledger/v1"


def ledger_key() -> bytes:
    configured = settings.INTEGRITY_LEDGER_KEY
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Record:
    """One item's state as the platform made it: what an entry will say."""

    kind: str
    ref: str
    digest: str = ""
    size: int | None = None
    revision_id: int | None = None
    removed: bool = False


def compute_mac(entry: LedgerEntry, key: bytes | None = None) -> str:
    """HMAC-SHA256 over every field that says something, and the previous entry's MAC."""
    payload = json.dumps(
        [
            entry.seq,
            entry.kind,
            entry.ref,
            entry.digest,
            entry.size,
            entry.revision_id,
            bool(entry.removed),
            entry.reason,
            entry.recorded_at.isoformat(timespec="microseconds"),
            entry.prev_mac,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hmac.new(key or ledger_key(), payload, hashlib.sha256).hexdigest()


def entry_intact(entry: LedgerEntry, key: bytes | None = None) -> bool:
    """Does this entry's MAC match its fields (a rewritten row does not)?"""
    return hmac.compare_digest(entry.mac, compute_mac(entry, key))


def current_entry(kind: str, ref: str) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(kind=kind, ref=ref).order_by("-seq").first()


def _lock_head() -> LedgerHead:
    # An UPDATE first: on PostgreSQL it locks the row, on SQLite it takes the database's
    # write lock at once (a SELECT first would let two writers read the same head and the
    # second fail to upgrade its lock). The row is created on first use.
    if not LedgerHead.objects.filter(pk=1).update(seq=F("seq")):
        LedgerHead.objects.create(pk=1)
    return LedgerHead.objects.select_for_update().get(pk=1)


def append(records: Iterable[Record], reason: str) -> int:
    """Append an entry for each record whose item is not already in that state; returns
    how many were written. All or nothing, in a transaction of its own."""
    records = list(records)
    if not records:
        return 0
    key = ledger_key()
    for attempt in range(2):
        try:
            with transaction.atomic():
                head = _lock_head()
                written = 0
                for record in records:
                    if _already(record):
                        continue
                    entry = LedgerEntry(
                        seq=head.seq + 1,
                        kind=record.kind,
                        ref=record.ref,
                        digest="" if record.removed else record.digest,
                        size=None if record.removed else record.size,
                        revision_id=record.revision_id,
                        removed=record.removed,
                        reason=reason,
                        recorded_at=timezone.now(),
                        prev_mac=head.mac,
                    )
                    entry.mac = compute_mac(entry, key)
                    entry.save(force_insert=True)
                    head.seq, head.mac = entry.seq, entry.mac
                    written += 1
                if written:
                    head.save(update_fields=["seq", "mac"])
                return written
        except IntegrityError:
            # Two first-ever appends both created the head row: the loser tries once more.
            if attempt:
                raise
    return 0


def _already(record: Record) -> bool:
    entry = current_entry(record.kind, record.ref)
    if entry is None:
        return record.removed  # removing what was never recorded says nothing
    if record.removed:
        return entry.removed
    return (
        not entry.removed
        and entry.digest == record.digest
        and entry.revision_id == record.revision_id
    )


@dataclass(frozen=True)
class ChainProblem:
    ref: str
    detail: str


def check_chain(batch: int = 2000) -> Iterator[ChainProblem]:
    """Walk every entry in order: each MAC, each link to the previous entry, no gaps,
    and the head agreeing with the last entry."""
    key = ledger_key()
    expected_seq, previous_mac = 1, ""
    last_seq = 0
    queryset = LedgerEntry.objects.order_by("seq")
    for entry in queryset.iterator(chunk_size=batch):
        if entry.seq != expected_seq:
            yield ChainProblem(
                f"ledger #{expected_seq}",
                f"entries {expected_seq}–{entry.seq - 1} are missing from the ledger",
            )
        elif entry.prev_mac != previous_mac:
            yield ChainProblem(f"ledger #{entry.seq}", "does not follow the entry before it")
        if not entry_intact(entry, key):
            yield ChainProblem(f"ledger #{entry.seq}", f"was rewritten ({entry.kind} {entry.ref})")
        expected_seq, previous_mac, last_seq = entry.seq + 1, entry.mac, entry.seq
    head = LedgerHead.objects.filter(pk=1).first()
    head_seq, head_mac = (head.seq, head.mac) if head else (0, "")
    if head_seq != last_seq or head_mac != previous_mac:
        yield ChainProblem(
            "ledger head",
            f"says the last entry is #{head_seq} but the ledger ends at #{last_seq}",
        )
