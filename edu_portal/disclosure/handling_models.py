"""Handling an application (part I of issue 15): draft replies and the office's approval,
the handling history (the register's 登记, 审核, 办理, 答复, 归档), fee notices (Art. 42),
reply letters, 行政复议/行政诉讼 records (the annual report's Table 四) and the marks of the
deadline reminders. Imported by ``models.py`` so Django registers them with the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from edu_portal.accounts.models import OrgUnit


class ReplyType(models.TextChoices):
    """Art. 36's kinds of reply, plus "other" for replies under Art. 35, 38 and 39 (not
    processed, would have to be created, petitions and the like)."""

    ALREADY_PUBLIC = "already_public", _("Already public: where to find it")
    DISCLOSED = "disclosed", _("Disclosed: how, where and when")
    REFUSED = "refused", _("Refused, with the reason")
    NOT_EXIST = "not_exist", _("The information does not exist")
    NOT_OURS = "not_ours", _("Not this agency's: the agency responsible named")
    REPEAT = "repeat", _("Repeat application: not processed again")
    SPECIAL_LAW = "special_law", _("Governed by a special law")
    OTHER = "other", _("Other reply (Art. 35, 38, 39)")


class Draft(models.Model):
    """A reply written by the department, approved or returned by the office."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting the office's approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned to the department")

    application = models.ForeignKey(
        "disclosure.Application", on_delete=models.CASCADE, related_name="drafts"
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reply_type = models.CharField(_("reply type"), max_length=20, choices=ReplyType.choices)
    outcome = models.CharField(_("outcome"), max_length=32)
    text = models.TextField(_("reply"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    comment = models.TextField(_("the office's comment"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("draft reply")
        verbose_name_plural = _("draft replies")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state="pending"),
                name="disclosure_one_pending_draft",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state="approved"),
                name="disclosure_one_approved_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.state}"


class Step(models.Model):
    """One handling step, for the case's history and the register (Art. 45)."""

    class Type(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to a department")
        DRAFTED = "drafted", _("Reply drafted")
        RETURNED = "returned", _("Draft returned to the department")
        APPROVED = "approved", _("Reply approved")
        FEE_NOTICE = "fee_notice", _("Fee notice issued")
        FEE_PAID = "fee_paid", _("Fee paid")
        ABANDONED = "abandoned", _("Treated as abandoned")
        LETTER_MADE = "letter_made", _("Reply letter generated")
        LETTER_FAILED = "letter_failed", _("Reply letter could not be generated")
        EMAILED = "emailed", _("Reply letter e-mailed")
        EMAIL_FAILED = "email_failed", _("Reply letter could not be e-mailed")
        POSTED = "posted", _("Reply letter posted")
        PICKED_UP = "picked_up", _("Reply letter picked up")
        ARCHIVED = "archived", _("Archived")
        REMINDED = "reminded", _("Handler reminded of the due date")
        OVERDUE = "overdue", _("Office told the due date has passed")

    application = models.ForeignKey(
        "disclosure.Application", on_delete=models.CASCADE, related_name="steps"
    )
    type = models.CharField(_("step"), max_length=16, choices=Type.choices)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("handling step")
        verbose_name_plural = _("handling steps")
        indexes = [models.Index(fields=["application", "type"], name="disclosure_step_type")]

    def __str__(self) -> str:
        return f"{self.application} {self.type} {self.on.isoformat()}"


class FeeMethod(models.TextChoices):
    """国办函〔2020〕109号: charged by the number of applications in a month, or by volume."""

    PER_ITEM = "per_item", _("By the number of applications in a month (over 10)")
    PER_PAGE = "per_page", _("By volume (over 30 pages)")


class FeeNotice(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        LAPSED = "lapsed", _("Not paid in time")

    application = models.ForeignKey(
        "disclosure.Application", on_delete=models.CASCADE, related_name="fee_notices"
    )
    method = models.CharField(_("charged"), max_length=10, choices=FeeMethod.choices)
    # By item: the items (件) of this application, and the applicant's items counted earlier
    # in the same calendar month; by volume: the pages, ``earlier`` unused.
    quantity = models.PositiveIntegerField(_("items of this application, or pages"))
    earlier = models.PositiveIntegerField(_("items earlier this month"), default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    notice_on = models.DateField(_("notice sent on"))
    pay_by = models.DateField(_("to be paid by"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notice_on", "pk"]
        verbose_name = _("fee notice")
        verbose_name_plural = _("fee notices")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state="pending"),
                name="disclosure_one_pending_fee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.amount}"


class ReplyLetter(models.Model):
    """The reply as a letter (DOCX and PDF in the object store) and how it reached the
    applicant."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", pgettext_lazy("reply letter", "Ready")
        FAILED = "failed", _("Could not be generated")

    class Delivery(models.TextChoices):
        EMAIL = "email", _("E-mailed")
        POST = "post", _("Posted")
        PICKUP = "pickup", _("Picked up")

    application = models.ForeignKey(
        "disclosure.Application", on_delete=models.CASCADE, related_name="reply_letters"
    )
    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="letters")
    number = models.CharField(_("letter number"), max_length=60)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    error = models.TextField(_("why it failed"), blank=True)
    docx_key = models.CharField(max_length=200, blank=True)
    pdf_key = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    delivered_via = models.CharField(
        _("delivered"), max_length=10, choices=Delivery.choices, blank=True
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_note = models.CharField(_("delivery note"), max_length=200, blank=True)
    # Claimed by a conditional UPDATE just before the e-mail is handed over: at most once.
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reply letter")
        verbose_name_plural = _("reply letters")

    def __str__(self) -> str:
        return self.number


class ReviewCase(models.Model):
    """A 行政复议 or 行政诉讼 about the bureau's disclosure work (Table 四 of the annual
    report), linked to the application when known."""

    class Kind(models.TextChoices):
        RECONSIDERATION = "reconsideration", _("Administrative reconsideration (行政复议)")
        LITIGATION = "litigation", _("Litigation without reconsideration first")
        LITIGATION_AFTER = "litigation_after", _("Litigation after reconsideration")

    class Result(models.TextChoices):
        UPHELD = "upheld", _("Upheld (维持)")
        CORRECTED = "corrected", _("Corrected (纠正)")
        OTHER = "other", _("Other result")
        PENDING = "pending", _("Not yet decided (尚未审结)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filed_on = models.DateField(_("filed on"))
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, default=Result.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    application = models.ForeignKey(
        "disclosure.Application",
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_cases",
    )
    case_number = models.CharField(_("case number"), max_length=80, blank=True)
    authority = models.CharField(_("reconsideration body or court"), max_length=120, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("reconsideration or litigation")
        verbose_name_plural = _("reconsiderations and litigation")
        indexes = [models.Index(fields=["filed_on"], name="disclosure_review_filed")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filed_on.isoformat()}"


class Reminder(models.Model):
    """A deadline reminder that went out: one per application, threshold and due date, so
    the beat task may run any number of times (an extended deadline is a new due date)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    application = models.ForeignKey(
        "disclosure.Application", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "due_on"], name="disclosure_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.kind} {self.due_on.isoformat()}"
