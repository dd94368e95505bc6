"""The fields that say who writes where, kept by the office.

A department editor holds "change" (and in a direct-publishing column "publish") on the
column page itself, because Wagtail's page permissions cover the page they are granted on.
Without this module that editor could change the column's ``editor_units``,
``direct_publish`` or ``kind`` and publish it, granting themselves (or anyone) rights; a
teacher granted on a school site could change the site's address (slug), host name or
schedule. Who may change them:

* a column's ``kind``, ``editor_units``, ``direct_publish``: the office (``content.publish``
  at the bureau: office reviewers, bureau administrators) and superusers;
* a school site's settings (slug, host name, search-engine fields, menus, schedule): the
  office, and that school's administrators (``users.manage`` at the school). The site's
  rights fields (``school``, ``editors``) are never content: they change in the school
  console only (``SchoolSitePage.with_content_json``).

Two places, one rule (``may_change``):

* :class:`RightsFieldsForm`, the editor's form of both page types: for someone who may not
  change the fields, they are taken out of the form (Wagtail then hides their panels) and
  the page being edited gets today's stored values, so that a draft, a submission, a
  publication or a revert of an old revision ("revisions/<id>/revert/") by that person
  carries today's rights, whatever the form data said.
* :func:`_saving`, on ``pre_save`` of both models: every route that writes the page row
  passes here (the edit and create views, publishing a revision from the editor, from a
  workflow approval in ``/review/`` or from the scheduler, copying a page, code). A change
  of these fields against the stored row (for a new column: against the defaults) is
  refused with a sentence unless both the request's actor and the author of the revision
  being published may change them. Under the scheduler (no person acting) the stored
  values are kept instead, so that one page does not stop the whole run.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.admin.forms import WagtailAdminPageForm

from edu_portal.accounts.audit import current_actor
from edu_portal.accounts.permissions import has_perm, is_bureau_admin

log = logging.getLogger(__name__)

COLUMN_FIELDS = ("kind", "editor_units", "direct_publish")
SITE_FIELDS = (
    "slug",
    "hostname",
    "seo_title",
    "search_description",
    "show_in_menus",
    "go_live_at",
    "expire_at",
)


class RightsFieldsError(PermissionDenied):
    """A change of fields the actor may not change; views answer 403 with the sentence,
    the review queue shows it next to the item."""


def guarded_fields(page) -> tuple[str, ...]:
    from edu_portal.cms.models import ColumnPage, SchoolSitePage

    if isinstance(page, ColumnPage):
        return COLUMN_FIELDS
    if isinstance(page, SchoolSitePage):
        return SITE_FIELDS
    return ()


def is_office(user) -> bool:
    """The bureau office: ``content.publish`` at the bureau (office reviewers, bureau
    administrators), or a superuser."""
    from edu_portal.cms.models.review import PUBLISH, bureau_root

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    root = bureau_root()
    return has_perm(user, PUBLISH, root) if root is not None else is_bureau_admin(user)


def may_change(user, page) -> bool:
    """May ``user`` change the guarded fields of ``page``?"""
    from edu_portal.cms.models import SchoolSitePage

    if is_office(user):
        return True
    if isinstance(page, SchoolSitePage) and page.school_id is not None:
        return has_perm(user, "users.manage", page.school)
    return False


# --- values --------------------------------------------------------------------------------


def _value(page, name: str):
    field = page._meta.get_field(name)
    if field.many_to_many:
        return frozenset(obj.pk for obj in getattr(page, name).all())
    return getattr(page, field.attname)


def _values(page, names) -> dict:
    return {name: _value(page, name) for name in names}


def _set(page, name: str, value) -> None:
    field = page._meta.get_field(name)
    if field.many_to_many:
        # A ParentalManyToManyField: set in memory, written with the page's next save.
        setattr(page, name, list(field.related_model._default_manager.filter(pk__in=value)))
    else:
        setattr(page, field.attname, value)


def _stored(page):
    """The page's row as stored (None for a page not yet saved)."""
    if page.pk is None:
        return None
    return type(page)._default_manager.filter(pk=page.pk).first()


def _baseline(page, stored, names) -> dict | None:
    """What the guarded fields are before this write: the stored row's values, or for a
    new column the defaults (what a column made by an editor gets). None: nothing to
    compare (a new school site is made by the platform from the org tree, not by hand)."""
    from edu_portal.cms.models import ColumnPage

    if stored is not None:
        return _values(stored, names)
    if isinstance(page, ColumnPage):
        return _values(ColumnPage(), names)
    return None


def _label(page, names) -> str:
    return pgettext("list separator", ", ").join(
        str(page._meta.get_field(name).verbose_name) for name in names
    )


def refusal(page, names) -> str:
    from edu_portal.cms.models import SchoolSitePage

    if isinstance(page, SchoolSitePage):
        return _(
            "“%(title)s” was not saved: only the bureau office or the school's administrators "
            "may change the school site's settings (%(fields)s)."
        ) % {"title": page.title, "fields": _label(page, names)}
    return _(
        "“%(title)s” was not saved: only the bureau office may change who writes in a column, "
        "whether they publish without approval, and the column's kind (%(fields)s). Ask the "
        "office to change them."
    ) % {"title": page.title, "fields": _label(page, names)}


def copy_would_carry(page) -> list[str]:
    """The guarded fields a copy of ``page`` would carry that a new page made by an
    editor would not have (a copy keeps them all)."""
    names = guarded_fields(page)
    before = _baseline(page, None, names)
    if before is None:
        return []
    return [name for name in names if _value(page, name) != before[name]]


def copy_refusal(page, names) -> str:
    return _(
        "“%(title)s” cannot be copied by you: the copy would keep who writes in it and how "
        "(%(fields)s), and only the bureau office may set these. Ask the office, or add a new "
        "column instead."
    ) % {"title": page.title, "fields": _label(page, names)}


# --- the editor's form ---------------------------------------------------------------------


class RightsFieldsForm(WagtailAdminPageForm):
    """Columns' and school sites' editor form: the guarded fields only for those who may
    change them; for everyone else today's stored values, whatever was posted."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        page = self.instance
        if for_user is None or may_change(for_user, page):
            return
        names = guarded_fields(page)
        for name in names:
            # A field missing from the form hides its panel (FieldPanel.is_shown).
            self.fields.pop(name, None)
        stored = _stored(page)
        if stored is not None:
            # The edited object is the latest revision (or, when reverting, an old one):
            # its guarded values may not be today's. The person cannot see them, so they
            # cannot mean to change them.
            for name, value in _values(stored, names).items():
                _set(page, name, value)


# --- every write ---------------------------------------------------------------------------


def _publishing_author(page, stored):
    """The author of the revision being published by this save (Wagtail's publish sets
    ``live_revision`` before saving), or None."""
    from wagtail.models import Revision

    if not page.live_revision_id or (stored and stored.live_revision_id == page.live_revision_id):
        return None
    revision = Revision.objects.filter(pk=page.live_revision_id).select_related("user").first()
    return revision.user if revision is not None else None


def _saving(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    names = guarded_fields(instance)
    if update_fields is not None:
        names = tuple(name for name in names if name in update_fields)
    if not names:
        return
    stored = _stored(instance)
    before = _baseline(instance, stored, names)
    if before is None:
        return
    changed = [name for name in names if _value(instance, name) != before[name]]
    if not changed:
        return
    actor = current_actor()
    deciders = [user for user in (actor, _publishing_author(instance, stored)) if user]
    if all(may_change(user, instance) for user in deciders):
        return  # the office, a school's administrator, or the platform itself (no person)
    message = refusal(instance, changed)
    if actor is None:
        # The scheduler publishing a revision whose author may not change these fields:
        # today's values stay, the rest is published.
        for name in changed:
            _set(instance, name, before[name])
        log.warning("Kept the stored %s of page %s: %s", changed, instance.pk, message)
        return
    raise RightsFieldsError(message)


def connect() -> None:
    """Called once from ``CmsConfig.ready``, before Wagtail builds (and caches) the edit
    forms at the first request."""
    from edu_portal.cms.models import ColumnPage, SchoolSitePage

    for model in (ColumnPage, SchoolSitePage):
        # The form lives here with the rule it applies; the models keep Wagtail's default
        # until now (checked, so that another form is never silently replaced).
        if model.base_form_class not in (None, WagtailAdminPageForm, RightsFieldsForm):
            raise RuntimeError(f"{model.__name__} already has a form: merge the rights rule")
        model.base_form_class = RightsFieldsForm
        pre_save.connect(
            _saving, sender=model, dispatch_uid=f"edu_portal.cms.rights_fields.{model.__name__}"
        )
