"""The states every reviewable object goes through, and the record of each transition."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    # A context of its own: the bare "Published" is "published on <date>" in templates.
    PUBLISHED = "published", pgettext_lazy("state", "Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Final: a reviewer turned it down for good (models opt in through Policy.may_decline).
    DECLINED = "declined", _("Declined")


class Reviewable(models.Model):
    """Fields a model needs to take part in the workflow (see ``workflow.transitions``).

    The concrete model also provides ``owner_id`` semantics through ``workflow_owner_id``
    and the org unit / collection that scope who may review it (``workflow_scope``).
    """

    state = models.CharField(
        _("review state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.state == State.PUBLISHED


class Action(models.TextChoices):
    """The transitions (``workflow.transitions.TRANSITIONS``), named as the buttons are."""

    SUBMIT = "submit", _("Submit for review")
    APPROVE = "approve", _("Approve and publish")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    DECLINE = "decline", _("Decline")
    WITHDRAW = "withdraw", _("Withdraw")
    REOPEN = "reopen", _("Reopen as draft")


class ReviewEvent(models.Model):
    """One transition of one object: who moved it from which state to which, and why."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="review_event_target_idx")
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()}: {self.get_from_state_display()} → "
            f"{self.get_to_state_display()}"
        )


def steps_of(obj) -> models.QuerySet[ReviewEvent]:
    """The review steps of ``obj`` (any reviewable object), newest first."""
    return ReviewEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    )
