"""Telling people about resources in review, through the notification centre.

The receiver of ``edu_portal.workflow.signals.transitioned`` for :class:`Resource`; the
signal is sent after the transition's commit, so nobody hears of a step that rolled back.

- the uploader is told when their resource is approved (published), sent back (with the
  reviewer's comment), declined, or withdrawn by someone else;
- the reviewers of the resource's review unit (``policy.review_unit``: those holding
  ``content.review`` there or above it) are told when one is submitted to them, never the
  person who submitted it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from catalog import policy
from catalog.models import Resource
from edu_portal.accounts.permissions import nearest_holders
from edu_portal.notifications.actions import notify, notify_many
from edu_portal.notifications.models import Category


def _detail(resource: Resource) -> str:
    return reverse("catalog:detail", args=[resource.pk])


def _edit(resource: Resource) -> str:
    try:
        return reverse("catalog:edit", args=[resource.pk])
    except NoReverseMatch:  # an install without the authoring pages
        return _detail(resource)


def _with_comment(body: str, comment: str) -> str:
    return f"{body}\n\n{comment}" if comment else body


def _for_uploader(action: str, resource: Resource, comment: str) -> tuple[str, str, str] | None:
    """(subject, body, link) of the uploader's notification, or None."""
    title = resource.title
    if action == "approve":
        return (
            _("Your resource “%(title)s” is published") % {"title": title},
            _with_comment(
                _("A reviewer approved it; it is now available to its audience."), comment
            ),
            _detail(resource),
        )
    if action == "request_changes":
        return (
            _("Please revise your resource “%(title)s”") % {"title": title},
            _(
                "The reviewer asks for changes:\n\n%(comment)s\n\n"
                "Edit the details or replace the file, then submit it again."
            )
            % {"comment": comment},
            _edit(resource),
        )
    if action == "decline":
        return (
            _("Your resource “%(title)s” was declined") % {"title": title},
            _("The reviewer declined it:\n\n%(comment)s") % {"comment": comment},
            _detail(resource),
        )
    if action == "withdraw":
        return (
            _("Your resource “%(title)s” was withdrawn") % {"title": title},
            _with_comment(_("A reviewer withdrew it; it is no longer shown."), comment),
            _detail(resource),
        )
    return None


def _tell_reviewers(resource: Resource, actor, comment: str) -> None:
    unit = policy.review_unit(resource)
    if unit is None:
        return
    skip = {getattr(actor, "pk", None), resource.uploader_id}
    reviewers = nearest_holders("content.review", unit, exclude=skip)
    if not reviewers:
        return
    body = _("%(name)s submitted “%(title)s” (%(unit)s) for review.") % {
        "name": str(actor) if actor is not None else str(resource.uploader),
        "title": resource.title,
        "unit": str(resource.org_unit),
    }
    notify_many(
        reviewers,
        _("To review: “%(title)s”") % {"title": resource.title},
        _with_comment(body, comment),
        reverse("workflow:queue"),
        category=Category.RESOURCE,
        target=resource,
    )


def on_transition(sender, instance: Resource, action: str, actor=None, comment: str = "", **kwargs):
    """Receiver of ``workflow.signals.transitioned`` for catalog resources."""
    with translation.override(settings.LANGUAGE_CODE):
        if action == "submit":
            _tell_reviewers(instance, actor, comment)
            return
        if getattr(actor, "pk", None) == instance.uploader_id:
            return  # their own step (withdrawing it themselves): nothing to tell
        message = _for_uploader(action, instance, comment)
        if message is not None:
            subject, body, link = message
            notify(
                instance.uploader, subject, body, link, category=Category.RESOURCE, target=instance
            )
