"""Applications for government information (依申请公开) and the events of their clock.

The due date is stored (for lists, reminders and the deadline board) but always derived:
``clock.recompute`` rebuilds it from the receipt date and the events whenever an event is
added or the official calendar changes. Codes of the choices below are the public API's
(issue 15, "Interfaces"); do not rename them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edu_portal.accounts.models import OrgUnit

# No 0/O, 1/I/L: read out over the phone and typed from paper without mistakes.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_LENGTH = 12  # 31^12 ≈ 2^59; the lookup also needs the phone number and is throttled.


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _i in range(QUERY_LENGTH))


class ApplicantType(models.TextChoices):
    """Table 三's columns, in order."""

    NATURAL_PERSON = "natural_person", _("Natural person")
    BUSINESS = "business", _("Business")
    RESEARCH = "research", _("Research institution")
    PUBLIC_INTEREST = "public_interest", _("Public-interest organisation")
    LEGAL_SERVICES = "legal_services", _("Legal services organisation")
    OTHER_ORG = "other_org", _("Other organisation")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = (
        "hk_macao_permit",
        _("Mainland travel permit for Hong Kong and Macao residents"),
    )
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    FOREIGN_RESIDENT = "foreign_resident", _("Foreign permanent resident ID card")
    CREDIT_CODE = "credit_code", _("Unified social credit code")
    OTHER = "other", _("Other document")


class Form(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")


class Delivery(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By e-mail")
    PICKUP = "pickup", _("Picked up in person")
    ONLINE = "online", _("Online")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    POST = "post", _("By post")
    FAX = "fax", _("By fax")
    ONLINE = "online", _("Online")


class Outcome(models.TextChoices):
    """The reply's outcome, as the rows of Table 三 (三、本年度办理结果), in their order."""

    DISCLOSE = "disclose", _("Disclosed")
    PARTIAL = "partial", _("Partly disclosed")
    REFUSE_STATE_SECRET = "refuse_state_secret", _("Refused: state secret")
    REFUSE_LAW = "refuse_law", _("Refused: other laws forbid disclosure")
    REFUSE_SECURITY = "refuse_security", _("Refused: endangers security or stability")
    REFUSE_THIRD_PARTY = "refuse_third_party", _("Refused: protects a third party's rights")
    REFUSE_INTERNAL = "refuse_internal", _("Refused: internal affairs")
    REFUSE_PROCESS = "refuse_process", _("Refused: process information")
    REFUSE_ENFORCEMENT = "refuse_enforcement", _("Refused: law-enforcement case file")
    REFUSE_QUERY = "refuse_query", _("Refused: an administrative query matter")
    UNAVAILABLE_NOT_HELD = "unavailable_not_held", _("Not available: not held by this agency")
    UNAVAILABLE_NEEDS_CREATION = (
        "unavailable_needs_creation",
        _("Not available: would have to be created"),
    )
    UNAVAILABLE_UNCLEAR = "unavailable_unclear", _("Not available: still unclear after correction")
    REJECT_PETITION = "reject_petition", _("Not processed: a petition, report or complaint")
    REJECT_REPEAT = "reject_repeat", _("Not processed: repeat application")
    REJECT_PUBLICATION = "reject_publication", _("Not processed: asks for a publication")
    REJECT_EXCESSIVE = "reject_excessive", _("Not processed: excessive applications")
    REJECT_CONFIRMATION = (
        "reject_confirmation",
        _("Not processed: asks to confirm or reissue information already obtained"),
    )
    OTHER_NO_CORRECTION = "other_no_correction", _("Other: the applicant did not correct in time")
    OTHER_NO_FEE = "other_no_fee", _("Other: the applicant did not pay the fee in time")
    OTHER = "other", _("Other")


# The rows of Table 三 exactly as the annual-report format (国办公开办函〔2021〕30号) words
# them: the report is published in Chinese, whatever the reader's language.
TABLE3_LABELS: dict[str, str] = {
    "disclose": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "refuse_state_secret": "（三）不予公开 1.属于国家秘密",
    "refuse_law": "（三）不予公开 2.其他法律行政法规禁止公开",
    "refuse_security": "（三）不予公开 3.危及“三安全一稳定”",
    "refuse_third_party": "（三）不予公开 4.保护第三方合法权益",
    "refuse_internal": "（三）不予公开 5.属于三类内部事务信息",
    "refuse_process": "（三）不予公开 6.属于四类过程性信息",
    "refuse_enforcement": "（三）不予公开 7.属于行政执法案卷",
    "refuse_query": "（三）不予公开 8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "（四）无法提供 2.没有现成信息需要另行制作",
    "unavailable_unclear": "（四）无法提供 3.补正后申请内容仍不明确",
    "reject_petition": "（五）不予处理 1.信访举报投诉类申请",
    "reject_repeat": "（五）不予处理 2.重复申请",
    "reject_publication": "（五）不予处理 3.要求提供公开出版物",
    "reject_excessive": "（五）不予处理 4.无正当理由大量反复申请",
    "reject_confirmation": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": (
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    "other_no_fee": (
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    ),
    "other": "（六）其他处理 3.其他",
}


class Application(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted online, receipt not yet confirmed")
        OPEN = "open", _("Being handled")
        CORRECTION = "correction", _("Waiting for the applicant's correction")
        PAUSED = "paused", _("Clock stopped (consultation or fee)")
        REPLIED = "replied", pgettext_lazy("application", "Replied")
        ABANDONED = "abandoned", _("Treated as abandoned")

    CLOSED_STATES = (State.REPLIED, State.ABANDONED)

    query_code = models.CharField(
        _("query code"), max_length=16, unique=True, default=new_query_code, editable=False
    )
    applicant_type = models.CharField(
        _("applicant type"), max_length=20, choices=ApplicantType.choices
    )
    applicant_name = models.CharField(_("applicant name"), max_length=100)
    id_type = models.CharField(_("identity document"), max_length=20, choices=IdType.choices)
    id_number = models.CharField(_("document number"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    # For organisations (the applicant_name is then the organisation's name).
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)

    description = models.TextField(_("information requested"))
    form = models.CharField(_("form"), max_length=12, choices=Form.choices)
    delivery = models.CharField(
        pgettext_lazy("application", "delivery"), max_length=12, choices=Delivery.choices
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)

    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    due_steps = models.JSONField(_("how the due date was computed"), default=list, blank=True)
    correction_due_on = models.DateField(_("correction notice due on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )

    handler_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)

    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("application for information")
        verbose_name_plural = _("applications for information")
        indexes = [
            models.Index(fields=["state", "due_on"], name="disclosure_state_due"),
            models.Index(fields=["replied_on"], name="disclosure_replied_on"),
            models.Index(fields=["received_on"], name="disclosure_received_on"),
            # The deadline board (board.py): open cases in due-date order, a page at a time.
            models.Index(
                fields=["due_on", "received_on", "id"],
                name="disclosure_board",
                condition=models.Q(state__in=["submitted", "open", "correction", "paused"]),
            ),
        ]

    def __str__(self) -> str:
        return self.query_code

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES


class ClockEvent(models.Model):
    """Something that happened to an application on a given day and moves its clock."""

    class Type(models.TextChoices):
        RECEIPT_CONFIRMED = "receipt_confirmed", _("Receipt confirmed")
        CORRECTION_REQUESTED = "correction_requested", _("Correction notice sent")
        CORRECTION_RECEIVED = "correction_received", _("Corrected application received")
        EXTENDED = "extended", _("Deadline extended")
        CONSULTATION_STARTED = "consultation_started", _("Consultation sent")
        CONSULTATION_ENDED = "consultation_ended", _("Consultation answered")
        FEE_NOTICE = "fee_notice", _("Fee notice sent")
        FEE_PAID = "fee_paid", _("Fee paid")
        REPLIED = "replied", pgettext_lazy("application", "Replied")
        ABANDONED = "abandoned", _("Treated as abandoned")

    # The events outside tools may post (issue 15's interface); the others are recorded by
    # the portal's own steps (confirming receipt, fees, abandonment).
    API_TYPES = (
        Type.CORRECTION_REQUESTED,
        Type.CORRECTION_RECEIVED,
        Type.EXTENDED,
        Type.CONSULTATION_STARTED,
        Type.CONSULTATION_ENDED,
        Type.REPLIED,
    )

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("event"), max_length=24, choices=Type.choices)
    on = models.DateField(_("date"))
    days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")

    def __str__(self) -> str:
        return f"{self.type} {self.on.isoformat()}"


# The annual report (part J) lives in its own module.
from edu_portal.disclosure.annual_models import AnnualReport  # noqa: E402, F401

# Handling (drafts, steps, fees, letters, Table 四 records, reminders) lives in its own module.
from edu_portal.disclosure.handling_models import (  # noqa: E402, F401
    Draft,
    FeeMethod,
    FeeNotice,
    Reminder,
    ReplyLetter,
    ReplyType,
    ReviewCase,
    Step,
)
