"""办事指南: the ten elements a service guide shows, and the rule that a guide missing a
required one is never published (the inspection fails a whole site for guides missing key
elements, 国办秘函〔2019〕19号).

Where the rule is enforced, and why there:

* The editor's form (:class:`ServiceGuideForm`): Wagtail validates a page fully when it is
  published or submitted for approval and defers required fields when a draft is saved
  (``defer_required_fields``). The guide's elements stay ``blank=True`` on the model, so
  that a draft saved from code (``save_revision()`` cleans the page) may be incomplete too,
  and the form adds the rule in its non-deferred validation only.
* ``ServiceGuidePage.publish``: ``Revision.publish`` hands every publication to the page's
  ``publish`` method (workflow approval, scheduled publishing, bulk publish, the create view,
  code), so the revision's content is checked there, before Wagtail changes anything.
* ``ServiceGuidePage.save``: the editor's publish button and the admin API run Wagtail's
  publish action directly; it ends in a full save of the live page, which is checked.

This module knows the page only by its attributes (``REQUIRED_ELEMENTS``, the fields), so
the models can import it without an import circle.
"""

from __future__ import annotations

import logging

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.admin.forms import WagtailAdminPageForm

logger = logging.getLogger(__name__)

# The order the elements are shown in (the title is the 事项名称 and comes first).
ELEMENTS = (
    "basis",
    "conditions",
    "materials",
    "procedure",
    "time_limit",
    "fees",
    "location",
    "phone",
    "faq",
)
RICH_ELEMENTS = frozenset({"basis", "conditions", "materials", "procedure", "faq"})


class IncompleteGuideError(PublishPagePermissionError):
    """A guide with missing elements was to be published. A refusal to publish (like
    Wagtail's own), so views that publish answer 403 with the sentence, not a 500."""


def is_filled(value) -> bool:
    """True when ``value`` has visible text: an editor's empty paragraph is not content."""
    text = strip_tags(str(value or "")).replace("&nbsp;", " ").replace("\u00a0", " ")
    return bool(text.strip())


def missing_elements(page) -> list[str]:
    """Names of the required elements ``page`` leaves empty, in display order."""
    return [
        name
        for name in ELEMENTS
        if name in page.REQUIRED_ELEMENTS and not is_filled(getattr(page, name, ""))
    ]


def label(page, name: str) -> str:
    return str(page._meta.get_field(name).verbose_name)


def incomplete_message(page, missing: list[str]) -> str:
    elements = pgettext("list separator", ", ").join(label(page, name) for name in missing)
    return _(
        "“%(title)s” cannot be published: %(elements)s missing. A service guide must state "
        "every one of these; save it as a draft until they are filled in."
    ) % {"title": page.title, "elements": elements}


def require_complete(page) -> None:
    """Raise :class:`IncompleteGuideError`, naming what is missing, unless ``page`` is
    complete."""
    missing = missing_elements(page)
    if missing:
        raise IncompleteGuideError(incomplete_message(page, missing))


def check_revision(revision, *, scheduled: bool = False) -> bool:
    """May ``revision`` be published? Raises when not, except for a scheduled publication:
    the scheduler publishes many pages in one run and must not stop at one, so the
    schedule of an incomplete guide is dropped and the reason logged."""
    page = revision.as_object()
    missing = missing_elements(page)
    if not missing:
        return True
    message = incomplete_message(page, missing)
    if not scheduled:
        raise IncompleteGuideError(message)
    revision.approved_go_live_at = None
    revision.save(update_fields=["approved_go_live_at"])
    logger.warning("Scheduled publication dropped (page %s): %s", page.pk, message)
    return False


def elements(page) -> list[dict]:
    """The guide's elements for its template: label, value, whether it is rich text."""
    return [
        {
            "name": name,
            "label": label(page, name),
            "value": getattr(page, name),
            "rich": name in RICH_ELEMENTS,
        }
        for name in ELEMENTS
        if is_filled(getattr(page, name, ""))
    ]


class ServiceGuideForm(WagtailAdminPageForm):
    """The editor's form: publishing or submitting an incomplete guide is refused with one
    sentence naming the missing elements, and each empty element is marked."""

    def clean(self):
        cleaned = super().clean()
        if self.is_deferred_validation:
            # Saving a draft (or previewing): an incomplete guide is allowed.
            return cleaned
        missing = []
        for name in self.instance.REQUIRED_ELEMENTS:
            value = cleaned.get(name) if name in self.fields else getattr(self.instance, name)
            if not is_filled(value):
                missing.append(name)
        if missing:
            missing.sort(key=ELEMENTS.index)
            for name in missing:
                if name in self.fields and name not in self.errors:
                    self.add_error(name, _("Fill this in before publishing the guide."))
            title = cleaned.get("title") or self.instance.title
            page = type(self.instance)(title=title)
            self.add_error(None, incomplete_message(page, missing))
        return cleaned
