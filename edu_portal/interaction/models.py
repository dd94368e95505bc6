"""Letters from the public (局长信箱, consultations, suggestions, complaints), their history,
and the answers published as 热点问答.

The writer's name, phone and e-mail are personal data: shown masked in lists, in full only
to the office and the department handling the letter (each full view audited), and never
part of a published answer (``public_question`` and ``public_answer`` are what the public
sees, with the writer's details removed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MAILBOX = "mailbox", _("Letter to the director")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")


class State(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting the office")
    REJECTED = "rejected", _("Not accepted")
    ACCEPTED = "accepted", _("Accepted, awaiting a department")
    DISPATCHED = "dispatched", _("With the department")
    DRAFTED = "drafted", _("Answer awaiting approval")
    ANSWERED = "answered", _("Answered")


OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.DISPATCHED, State.DRAFTED)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online form")
    PHONE = "phone", _("By phone")
    POST = "post", _("By post")


class AnswerMethod(models.TextChoices):
    EMAIL = "email", _("By e-mail")
    SMS = "sms", _("By SMS")
    PHONE = "phone", _("Given by phone")


class Rating(models.IntegerChoices):
    SATISFIED = 3, _("Satisfied")
    PARTLY = 2, _("Partly satisfied")
    UNSATISFIED = 1, _("Not satisfied")


class Letter(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=100)
    body = models.TextField(_("letter"), max_length=5000)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    publish_consent = models.BooleanField(_("answer may be published"), default=False)
    channel = models.CharField(
        _("received"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query_code = models.CharField(_("query code"), max_length=16, unique=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"), db_index=True)
    due_provisional = models.BooleanField(default=False)
    # How the due date was computed (the calendar's steps), shown on the letter's page.
    due_steps = models.JSONField(default=list, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    reject_reason = models.TextField(_("reason"), blank=True)
    department = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_note = models.TextField(blank=True)
    answer = models.TextField(_("answer"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_method = models.CharField(max_length=8, choices=AnswerMethod.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Claimed (a conditional UPDATE) just before the mail or SMS is handed over: at most once.
    sent_at = models.DateTimeField(null=True, blank=True)
    # What the public sees once published (the writer allowed it and the office chose to).
    public_subject = models.CharField(max_length=100, blank=True)
    public_question = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices, null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # The beat task's marks, so that each reminder goes once per due date.
    reminded_for = models.DateField(null=True, blank=True)
    overdue_reported_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        indexes = [models.Index(fields=["state", "due_on"], name="letter_state_due")]

    def __str__(self) -> str:
        # Audit entries show this: the query code, never the writer.
        return f"{self.get_kind_display()} {self.query_code}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Event(models.Model):
    """One step in a letter's history (shown on its page; the audit log has it too)."""

    class Type(models.TextChoices):
        SUBMITTED = "submitted", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")
        DISPATCHED = "dispatched", _("Sent to a department")
        DRAFTED = "drafted", _("Answer drafted")
        RETURNED = "returned", _("Answer returned to the department")
        APPROVED = "approved", _("Answer approved")
        SENT = "sent", _("Answer sent")
        SEND_FAILED = "send_failed", _("Answer could not be sent")
        PUBLISHED = "published", _("Answer published")
        EXTENDED = "extended", _("Deadline extended")
        RECOMPUTED = "recomputed", _("Due date recomputed")
        RATED = "rated", _("Rated by the writer")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.letter} {self.type}"
