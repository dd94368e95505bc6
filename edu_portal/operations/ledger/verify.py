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


def check_pages(report: Report) -> None:
    key = chain.ledger_key()
    entries = current_entries(PAGE)
    seen: set[str] = set()
    for page in Page.objects.live().filter(depth__gt=1).specific().iterator(chunk_size=200):
        ref = str(page.pk)
        seen.add(ref)
        report.checked += 1
        entry = entries.get(ref)
        if entry is None or entry.removed:
            report.add(PAGE, ref, UNEXPECTED, f"{page.title} ({page.url_path}) is live unrecorded")
        elif not chain.entry_intact(entry, key):
            report.add(PAGE, ref, CHANGED, f"{page.title}: its ledger entry was rewritten")
        elif page_digest(page) != entry.digest:
            report.add(
                PAGE, ref, CHANGED, f"{page.title} ({page.url_path}) differs from its ledger entry"
            )
    for ref, entry in entries.items():
        if not entry.removed and ref not in seen:
            report.checked += 1
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
        entry = entries.get(info.key)
        if entry is None or entry.removed:
            report.add(OBJECT, info.key, UNEXPECTED, f"{info.size} bytes, no ledger entry")
            continue
        if not chain.entry_intact(entry, key):
            report.add(OBJECT, info.key, CHANGED, "its ledger entry was rewritten")
            continue
        try:
            sha256, size = sha256_of_object(storage, info.key)
        except ObjectNotFound:  # removed by the platform while we were checking
            seen.discard(info.key)
            continue
        if sha256 != entry.digest or size != entry.size:
            report.add(
                OBJECT,
                info.key,
                CHANGED,
                f"SHA-256 {sha256} ({size} bytes), recorded {entry.digest} ({entry.size} bytes)",
            )
    for ref, entry in entries.items():
        if not entry.removed and ref not in seen:
            report.checked += 1
            report.add(OBJECT, ref, MISSING, "recorded, not in the object store")


def verify(storage: Storage | None = None) -> Report:
    report = Report()
    check_chain(report)
    check_pages(report)
    check_objects(report, storage)
    return report
