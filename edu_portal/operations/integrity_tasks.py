"""The daily integrity check (beat: ``operations-verify-integrity``, queue "default").

Imported by the app's ready() so the worker knows the task (Celery's autodiscovery only
looks at ``tasks.py``). Idempotent: a run only reads and writes one IntegrityRun row.
"""

from __future__ import annotations

from celery import shared_task

from edu_portal.operations.ledger.runs import run_verification
from edu_portal.operations.models import Trigger


@shared_task(name="operations.verify_integrity", ignore_result=True)
def verify_integrity() -> int:
    """Returns the IntegrityRun's id; administrators are alerted by run_verification."""
    return run_verification(Trigger.SCHEDULED).pk
