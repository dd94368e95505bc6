"""行政复议 and 行政诉讼 records (the annual report's Table 四), entered by the office."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edu_portal.accounts import audit
from edu_portal.disclosure.casework import _require_office
from edu_portal.disclosure.models import ReviewCase

FIELDS = (
    "kind",
    "filed_on",
    "result",
    "decided_on",
    "application",
    "case_number",
    "authority",
    "note",
)


def _check(data: dict) -> None:
    today = timezone.localdate()
    if data["filed_on"] > today:
        raise ValidationError(_("The filing date cannot be in the future."))
    decided = data.get("decided_on")
    pending = data["result"] == ReviewCase.Result.PENDING
    if pending and decided:
        raise ValidationError(_("A case not yet decided has no decision date."))
    if not pending and not decided:
        raise ValidationError(_("Give the date of the decision."))
    if decided and (decided < data["filed_on"] or decided > today):
        raise ValidationError(_("The decision date must lie between the filing date and today."))
    application = data.get("application")
    if (
        application is not None
        and application.received_on
        and (data["filed_on"] < application.received_on)
    ):
        raise ValidationError(_("The case cannot be filed before the application was received."))


def save(actor, data: dict, case: ReviewCase | None = None) -> ReviewCase:
    """Create or update a record (audited by auditlog: ReviewCase is registered)."""
    _require_office(actor)
    _check(data)
    with audit.actor_context(actor), transaction.atomic():
        if case is None:
            case = ReviewCase(created_by=actor)
        for name in FIELDS:
            setattr(case, name, data.get(name) or ReviewCase._meta.get_field(name).get_default())
        case.save()
    return case
