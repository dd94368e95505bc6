"""Checking every current item against the ledger, and the ledger's own chain.

Findings are ``{"kind", "ref", "problem", "detail"}`` with ``problem`` one of
``changed`` (the bytes or the page differ from the newest entry, or the entry itself was
rewritten), ``missing`` (the ledger says it exists, it does not) and ``unexpected`` (an
object under a ledgered prefix, or a live page, that no entry covers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Max
from wagtail.models import Page

from edu_portal.operations.ledger import chain
from edu_portal.operations.ledger.content import page_digest
from edu_portal.operations.ledger.recording import LEDGERED_PREFIXES, OBJECT, PAGE
from edu_portal.operations.models import LedgerEntry
from edu_portal.storage import ObjectNotFound, Storage, get_storage

CHANGED, MISSING, UNEXPECTED = "changed", "missing", "unexpected"


@dataclass
class Report:
    checked: int = 0
    chain_ok: bool = True
    findings: list[dict] = field(default_factory=list)

    def add(self, kind: str, ref: str, problem: str, detail: str = "") -> None:
        self.findings.append({"kind": kind, "ref": ref, "problem": problem, "detail": detail})

    def count(self, problem: str) -> int:
        return sum(1 for finding in self.findings if finding["problem"] == problem)

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.findings

    def fingerprint(self) -> str:
        """The same findings give the same fingerprint (an alert is sent once per set)."""
        items = sorted(f"{f['kind']}|{f['ref']}|{f['problem']}" for f in self.findings)
        return hashlib.sha256("\n".join(items).encode()).hexdigest()


def current_entries(kind: str) -> dict[str, LedgerEntry]:
    """The newest entry of every item of ``kind``, removals included."""
    newest = (
        LedgerEntry.objects.filter(kind=kind).values("ref").annotate(top=Max("seq")).values("top")
    )
    return {entry.ref: entry for entry in LedgerEntry.objects.filter(seq__in=newest)}


def sha256_of_object(storage: Storage, key: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with storage.open(key) as stream:
        for chunk in stream:
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_chain(report: Report) -> None:
    for problem in chain.check_chain():
        report.chain_ok = False
        report.add("ledger", problem.ref, CHANGED, problem.detail)


def _settled(kind: str, ref: str, entry: LedgerEntry | None, judge) -> tuple | None:
    """``judge(entry)`` gives a finding or None. A finding is checked once more against
    the item's newest entry: the platform may have published or stored it meanwhile (the
    entries were read when the check began), which is not a finding."""
    finding = judge(entry)
    if finding is None:
        return None
    fresh = chain.current_entry(kind, ref)
    if fresh is not None and (entry is None or fresh.seq != entry.seq):
        return judge(fresh)
    return finding


def check_pages(report: Report) -> None:
    key = chain.ledger_key()
    entries = current_entries(PAGE)
    seen: set[str] = set()
    for page in Page.objects.live().filter(depth__gt=1).specific().iterator(chunk_size=200):
        ref = str(page.pk)
        seen.add(ref)
        report.checked += 1

        def judge(entry: LedgerEntry | None, page: Page = page) -> tuple | None:
            where = f"{page.title} ({page.url_path})"
            if entry is None or entry.removed:
                return UNEXPECTED, f"{where} is live unrecorded"
            if not chain.entry_intact(entry, key):
                return CHANGED, f"{where}: its ledger entry was rewritten"
            if page_digest(page) != entry.digest:
                return CHANGED, f"{where} differs from its ledger entry"
            return None

        finding = _settled(PAGE, ref, entries.get(ref), judge)
        if finding:
            report.add(PAGE, ref, *finding)
    for ref, entry in entries.items():
        if not entry.removed and ref not in seen:
            report.checked += 1
            fresh = chain.current_entry(PAGE, ref)
            if fresh is not None and not fresh.removed:
                report.add(PAGE, ref, MISSING, "recorded as published, no longer live")


def _listing(storage: Storage) -> Iterator:
    for prefix in LEDGERED_PREFIXES:
        yield from storage.list(prefix)


def check_objects(report: Report, storage: Storage | None = None) -> None:
    storage = storage or get_storage()
    key = chain.ledger_key()
    entries = current_entries(OBJECT)
    seen: set[str] = set()
    for info in _listing(storage):
        seen.add(info.key)
        report.checked += 1
        actual: dict[str, tuple[str, int]] = {}

        def judge(entry: LedgerEntry | None, info=info, actual=actual) -> tuple | None:
            if entry is None or entry.removed:
                return UNEXPECTED, f"{info.size} bytes, no ledger entry"
            if not chain.entry_intact(entry, key):
                return CHANGED, "its ledger entry was rewritten"
            if "bytes" not in actual:  # read once, even if judged twice
                actual["bytes"] = sha256_of_object(storage, info.key)
            sha256, size = actual["bytes"]
            if sha256 != entry.digest or size != entry.size:
                return (
                    CHANGED,
                    f"SHA-256 {sha256} ({size} bytes), recorded {entry.digest} "
                    f"({entry.size} bytes)",
                )
            return None

        try:
            finding = _settled(OBJECT, info.key, entries.get(info.key), judge)
        except ObjectNotFound:  # removed by the platform while we were checking
            seen.discard(info.key)
            continue
        if finding:
            report.add(OBJECT, info.key, *finding)
    for ref, entry in entries.items():
        if not entry.removed and ref not in seen:
            report.checked += 1
            fresh = chain.current_entry(OBJECT, ref)
            if fresh is not None and not fresh.removed and not storage.exists(ref):
                report.add(OBJECT, ref, MISSING, "recorded, not in the object store")


def verify(storage: Storage | None = None) -> Report:
    report = Report()
    check_chain(report)
    check_pages(report)
    check_objects(report, storage)
    return report
