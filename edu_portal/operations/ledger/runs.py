"""A verification or a baseline as a recorded run (IntegrityRun), with the alert."""

from __future__ import annotations

import logging

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Page

from edu_portal.accounts.audit import log_event
from edu_portal.operations.alerts import alert_administrators
from edu_portal.operations.ledger import chain
from edu_portal.operations.ledger.recording import OBJECT, PAGE, page_record
from edu_portal.operations.ledger.verify import (
    CHANGED,
    MISSING,
    UNEXPECTED,
    Report,
    _listing,
    sha256_of_object,
    verify,
)
from edu_portal.operations.models import IntegrityRun, LedgerEntry, RunStatus, Trigger
from edu_portal.storage import Storage, get_storage

log = logging.getLogger(__name__)


class LedgerExists(Exception):
    """A baseline was asked for, but the ledger already holds entries."""


def _fingerprint(findings: list[dict]) -> str:
    report = Report(findings=findings)
    return report.fingerprint()


def _dashboard_link() -> str:
    try:
        return reverse("operations:dashboard")
    except NoReverseMatch:
        return ""


def run_verification(trigger: str = Trigger.MANUAL, storage: Storage | None = None) -> IntegrityRun:
    """Verify everything, write the run, alert administrators when the findings are new
    (the same set as the previous run's is not sent again every day)."""
    previous = IntegrityRun.objects.exclude(status=RunStatus.RUNNING).first()
    run = IntegrityRun.objects.create(trigger=trigger)
    try:
        report = verify(storage)
    except Exception as error:
        run.status, run.error = RunStatus.FAILED, f"{type(error).__name__}: {error}"
        run.finished_at = timezone.now()
        run.save()
        alert_administrators(
            gettext("The integrity check could not run"), run.error, _dashboard_link()
        )
        raise
    run.checked = report.checked
    run.changed = report.count(CHANGED)
    run.missing = report.count(MISSING)
    run.unexpected = report.count(UNEXPECTED)
    run.chain_ok = report.chain_ok
    run.findings = report.findings
    run.status = RunStatus.OK if report.ok else RunStatus.FAILED
    run.finished_at = timezone.now()
    run.save()
    if not report.ok:
        log.warning("integrity: %d findings", len(report.findings))
        if previous is None or _fingerprint(previous.findings) != report.fingerprint():
            _alert(run, report)
    return run


def _alert(run: IntegrityRun, report: Report) -> None:
    subject = gettext(
        "Integrity check: %(changed)d changed, %(missing)d missing, %(unexpected)d unexpected"
    ) % {"changed": run.changed, "missing": run.missing, "unexpected": run.unexpected}
    lines = [f"{f['problem']}: {f['kind']} {f['ref']} {f['detail']}" for f in report.findings]
    if not report.chain_ok:
        lines.insert(0, gettext("The ledger itself was altered."))
    body = "\n".join(lines[:50])
    if len(lines) > 50:
        body += "\n…"
    alert_administrators(subject, body, _dashboard_link())


def record_baseline(*, force: bool = False, storage: Storage | None = None) -> IntegrityRun:
    """Record every live page and every object under the ledgered prefixes as they are now.

    For an installation that ran before the ledger existed. It trusts what is there, so
    it refuses when the ledger already holds entries (LedgerExists) unless ``force``: a
    baseline over an existing ledger would bless whatever changed since. Audited."""
    if LedgerEntry.objects.exists() and not force:
        raise LedgerExists
    storage = storage or get_storage()
    run = IntegrityRun.objects.create(trigger=Trigger.MANUAL)
    records = [
        page_record(page, page.live_revision_id)
        for page in Page.objects.live().filter(depth__gt=1).specific().iterator(chunk_size=200)
    ]
    for info in _listing(storage):
        sha256, size = sha256_of_object(storage, info.key)
        records.append(chain.Record(OBJECT, info.key, sha256, size))
    written = chain.append(records, "baseline")
    run.checked = len(records)
    run.status = RunStatus.OK
    run.finished_at = timezone.now()
    run.save()
    pages = sum(1 for record in records if record.kind == PAGE)
    log_event(
        run,
        {"ledger baseline": ["", f"{pages} pages, {len(records) - pages} objects, {written} new"]},
    )
    return run
