"""家校互通: notices from schools (and the bureau) to guardians, who receives them, and
every message sent for them.

The shape follows what goes wrong elsewhere (../shared/reference/home-school.md):

- ``Notice`` is what the sender writes. Its audience is a description (classes, grades,
  schools, students, staff); nothing is sent from the request.
- ``Recipient`` freezes, when sending starts, who receives it: one row per guardian
  (or staff member) however many of their children are targeted, with the children it
  concerns in ``RecipientChild`` (the per-class report reads them). Receipts (read,
  confirmed, replied) live on this row, so they are counted once per guardian.
- ``Delivery`` is one message on one channel: one row per (notice, recipient, channel,
  purpose) under a unique constraint; tasks move it on with conditional UPDATEs, so a
  redelivered task or a killed worker never sends a second copy. Its id is the gateway's
  idempotency key (Aliyun OutId, Tencent SessionContext).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts.models import OrgUnit


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Notice(models.Model):
    class Ack(models.TextChoices):
        READ = "read", _("Read only")
        CONFIRM = "confirm", _("Confirm with a button")
        REPLY = "reply", _("Reply form")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Until sending starts the notice may be edited; from then on only withdrawn.
    EDITABLE = (State.DRAFT, State.SCHEDULED)

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices_sent",
        verbose_name=_("sender"),
    )
    # The unit it is sent in the name of (a school, or the bureau): scopes who may see the
    # report and whose name the guardian reads.
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="notices", verbose_name=_("sent by")
    )
    title = models.CharField(_("title"), max_length=120)
    # Sanitised HTML (nh3) of the rich-text body.
    body = models.TextField(_("content"))
    # {"classes": [codes], "grades": [codes], "schools": [codes], "students": [ids],
    #  "staff": [unit codes]}: as the sender chose it; resolved into Recipient rows when
    # sending starts and never again.
    audience = models.JSONField(_("audience"), default=dict)
    ack = models.CharField(
        _("acknowledgement"), max_length=10, choices=Ack.choices, default=Ack.READ
    )
    # For ``ack == reply``: the choices offered (e.g. ["同意", "不同意"]); with
    # ``reply_text`` a short text answer as well (or alone when there are no choices).
    reply_choices = models.JSONField(_("reply choices"), default=list, blank=True)
    reply_text = models.BooleanField(_("short text answer"), default=False)
    # Any of Channel's values; the inbox is always included.
    channels = models.JSONField(_("channels"), default=list)
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Sent at once, even during quiet hours.")
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # Set by the conditional UPDATE that starts sending (state → sending): only the task
    # that wins it freezes the recipients.
    sending_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The last reminder round: set by the conditional UPDATE that allows one reminder per
    # NOTICE_REMIND_MINUTES, and numbering its deliveries (Delivery.round).
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminder_rounds = models.PositiveSmallIntegerField(_("reminder rounds"), default=0)
    # Counts kept after the retention period deletes deliveries and replies.
    totals = models.JSONField(_("totals"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["org_unit", "-created_at"], name="notice_unit_time")]

    def __str__(self) -> str:
        return self.title

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class NoticeAttachment(models.Model):
    """A file of the notice, kept in the object store (``edu_portal.storage``)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("notice")
    )
    key = models.CharField(_("storage key"), max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """One person who receives the notice (a guardian, or staff for a staff notice),
    frozen when sending starts; their receipts."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("notice")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_receipts",
        verbose_name=_("recipient"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reply_choice = models.CharField(_("reply"), max_length=60, blank=True)
    reply_text = models.CharField(_("reply text"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders"), default=0)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_recipient_once")
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="recipient_inbox")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class RecipientChild(models.Model):
    """A child the notice concerns for this recipient, and the class it was in when the
    notice was sent (the per-class report counts by it)."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="children", verbose_name=_("recipient")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("student"),
    )
    class_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class"),
    )
    # The student's name as it was when sent: the notice names each child it concerns.
    student_name = models.CharField(_("student's name"), max_length=80)

    class Meta:
        verbose_name = _("child concerned")
        verbose_name_plural = _("children concerned")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "student"], name="recipient_child_once")
        ]

    def __str__(self) -> str:
        return self.student_name


class Delivery(models.Model):
    """One message on one channel. ``purpose`` separates the notice itself from the
    reminders and the withdrawal message sent later for the same notice."""

    class Purpose(models.TextChoices):
        NOTICE = "notice", _("Notice")
        REMINDER = "reminder", _("Reminder")
        WITHDRAWAL = "withdrawal", _("Withdrawal")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        HELD = "held", _("Held for quiet hours")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Handed to the gateway")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.NOTICE
    )
    # Reminders are numbered, so a second reminder is a new row, never a resend.
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    # The phone number or e-mail address as it was when sent (empty for the inbox).
    address = models.CharField(_("address"), max_length=254, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    # Not before this time (quiet hours, scheduled sending).
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # Set (by a conditional UPDATE) just before the message is handed to the SMTP server or
    # SMS gateway. Neither is idempotent: a worker killed after this point may have sent it,
    # so a later attempt finds it set and never hands the message over a second time.
    handed_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    # When the dispatcher last claimed it (→ sending): a row still "sending" long after
    # this belonged to a worker that died, and is claimed again (see sending.claim).
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient", "channel", "purpose", "round"],
                name="delivery_once_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["channel", "state", "not_before"], name="delivery_due"),
            models.Index(fields=["gateway", "gateway_id"], name="delivery_gateway_id"),
            # The daily cap per number counts today's SMS to one address before each send;
            # partial, so the inbox rows a large notice creates in bulk do not pay for it.
            models.Index(
                fields=["address", "handed_at"],
                name="delivery_sms_address_day",
                condition=models.Q(channel="sms"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.recipient_id}/{self.channel}"


class ChannelPreference(models.Model):
    """How a guardian (or staff member) wants notices: the inbox always; e-mail and SMS
    by choice (SMS on by default for guardians with a mobile number, e-mail off until they
    give an address and opt in). Consent is recorded when a guardian account is first
    used (PIPL art. 31: the guardian consents for the child)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("by e-mail"), default=False)
    sms = models.BooleanField(_("by SMS"), default=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    consent_ip = models.GenericIPAddressField(_("consent from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice channels")
        verbose_name_plural = _("notice channels")

    def __str__(self) -> str:
        return str(self.user)
