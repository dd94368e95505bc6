"""Telling the uploader that their video is ready or could not be converted, through the
notification centre. Called after the commit of the job's final state (``services.finish``
and ``services.fail``), whose conditional UPDATEs let only one run finish a job: a retried
or re-swept job does not tell anyone twice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from catalog.models import Resource
from edu_portal.notifications.actions import notify
from edu_portal.notifications.models import Category

log = logging.getLogger(__name__)


def _tell(resource_id: int, message) -> None:
    try:
        resource = Resource.objects.select_related("uploader").get(pk=resource_id)
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = message(resource)
            notify(
                resource.uploader,
                subject,
                body,
                reverse("catalog:detail", args=[resource.pk]),
                category=Category.RESOURCE,
                target=resource,
            )
    except Exception:  # a failed notice must not look like a failed conversion
        log.exception("could not tell the uploader of resource %s", resource_id)


def _audio(resource: Resource) -> bool:
    return resource.kind == Resource.Kind.AUDIO


def _ready(resource: Resource) -> tuple[str, str]:
    if _audio(resource):
        subject = _("Your audio “%(title)s” is ready")
        if resource.is_published:
            body = _("It has been converted for streaming and can be listened to now.")
        else:
            body = _(
                "It has been converted for streaming; listeners can play it once it is published."
            )
        return subject % {"title": resource.title}, body
    if resource.is_published:
        body = _("It has been converted for streaming and can be watched now.")
    else:
        body = _("It has been converted for streaming; viewers can watch it once it is published.")
    return _("Your video “%(title)s” is ready") % {"title": resource.title}, body


def processing_finished(resource_id: int) -> None:
    _tell(resource_id, _ready)


def processing_failed(resource_id: int, reason: str) -> None:
    _tell(
        resource_id,
        lambda resource: (
            (
                _("Your audio “%(title)s” could not be converted")
                if _audio(resource)
                else _("Your video “%(title)s” could not be converted")
            )
            % {"title": resource.title},
            _("%(reason)s\n\nCheck the file and upload it again, or ask for help.")
            % {"reason": reason},
        ),
    )
