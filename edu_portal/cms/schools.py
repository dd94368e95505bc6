"""School sites: each school of the org tree has its own section of the portal at
``/schools/<school code>/`` (学校风采), with 学校新闻, 通知公告 and 学校简介 below, and,
when it has a host name of its own, a Wagtail site rooted there.

The school's administrators grant teachers of their school the right to write in it
(``SchoolSitePage.editors``, from the school console: ``cms:school-site-editors``); the
Wagtail page permissions that follow are ``cms.rights``'s, recomputed after each change.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext as _
from wagtail.models import Site

from edu_portal.accounts import audit, permissions
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.cms import departments
from edu_portal.cms.models import (
    ColumnKind,
    ColumnPage,
    SchoolIndexPage,
    SchoolSitePage,
    StandardPage,
)
from edu_portal.schools import actions as school_actions

logger = logging.getLogger(__name__)

INDEX_SLUG = "schools"
INDEX_TITLE = "学校风采"
# (slug, title, column kind or None for the introduction page). Titles are data.
SECTIONS = (
    ("news", "学校新闻", ColumnKind.NEWS),
    ("notices", "通知公告", ColumnKind.NOTICE),
    ("about", "学校简介", None),
)


# --- the pages ------------------------------------------------------------------------------


def school_index(create: bool = True) -> SchoolIndexPage | None:
    """学校风采 at ``schools`` under the home page (created when missing)."""
    home = departments.home_page()
    if home is None:
        return None
    index = SchoolIndexPage.objects.child_of(home).first() or SchoolIndexPage.objects.first()
    if index is None and create:
        index = SchoolIndexPage(title=INDEX_TITLE, slug=departments.free_slug(home, INDEX_SLUG))
        home.add_child(instance=index)
        index.save_revision(clean=False).publish()
    return index


def _add_sections(site: SchoolSitePage) -> None:
    for slug, title, kind in SECTIONS:
        if site.get_children().filter(slug=slug).exists():
            continue
        if kind is None:
            # The introduction stays a draft until the school writes it: an empty page is
            # not published.
            page = StandardPage(title=title, slug=slug, live=False)
            site.add_child(instance=page)
            page.save_revision(clean=False)
        else:
            page = ColumnPage(title=title, slug=slug, kind=kind)
            site.add_child(instance=page)
            page.save_revision(clean=False).publish()


def sync_school(unit_id: int) -> departments.SyncReport:
    """Give school ``unit_id`` its site (with its sections) or its new name. Idempotent."""
    report = departments.SyncReport()
    unit = OrgUnit.objects.filter(pk=unit_id, kind=OrgUnit.Kind.SCHOOL).first()
    if unit is None:
        return report
    site = SchoolSitePage.objects.filter(school=unit).first()
    with transaction.atomic():
        if site is None:
            index = school_index()
            if index is None:
                logger.info("No home page in the page tree; no site for %s", unit)
                return report
            site = SchoolSitePage(
                title=unit.name, slug=departments.free_slug(index, unit.code), school=unit
            )
            index.add_child(instance=site)
            site.save_revision(clean=False).publish()
            report.created.append(unit.name)
        elif site.draft_title != unit.name or site.title != unit.name:
            departments.retitle(site, unit.name)
            report.renamed.append(unit.name)
        _add_sections(site)
    return report


def sync_all() -> departments.SyncReport:
    """``manage.py sync_school_sites``: every school has its site."""
    report = departments.SyncReport()
    for unit_id in (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
        .order_by("path")
        .values_list("pk", flat=True)
    ):
        report.merge(sync_school(unit_id))
    return report


# --- own host name → Wagtail site -----------------------------------------------------------


def sync_hostname(site_page: SchoolSitePage) -> Site | None:
    """A Wagtail site rooted at ``site_page`` answers at its host name; none without one."""
    hostname = (site_page.hostname or "").strip().lower()
    existing = Site.objects.filter(root_page_id=site_page.pk)
    if not hostname:
        existing.delete()
        return None
    site = existing.first()
    if site is None:
        site = Site(root_page_id=site_page.pk, port=80, is_default_site=False)
    site.hostname = hostname
    site.site_name = site_page.title
    site.save()
    existing.exclude(pk=site.pk).delete()
    return site


def _site_page_saved(
    sender, instance: SchoolSitePage, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # The row holds the published values: a host name set in a draft takes effect when
    # the page is published. (A deleted page takes its Wagtail site with it: CASCADE.)
    if raw or (update_fields is not None and "hostname" not in update_fields):
        return
    sync_hostname(instance)


# --- editors ----------------------------------------------------------------------------------


def manageable_sites(actor):
    """The school sites whose editors ``actor`` manages: those of the schools where they
    manage people (school administrators; bureau administrators: all)."""
    return SchoolSitePage.objects.filter(
        school__in=school_actions.managed_schools(actor)
    ).select_related("school")


def teachers_of(site: SchoolSitePage):
    return school_actions.people_of_kind(site.school, "teacher").filter(is_active=True)


def _require_manager(actor, site: SchoolSitePage) -> None:
    if not permissions.has_perm(actor, "users.manage", site.school):
        raise PermissionDenied(
            _("Only the administrators of %(school)s can choose who writes on its site.")
            % {"school": site.school}
        )


def _after_editors_changed(actor, site: SchoolSitePage, before: list[str]) -> None:
    after = sorted(str(user) for user in site.editors.all())
    audit.log_event(site, {"editors": [", ".join(before), ", ".join(after)]})
    # The Wagtail page permissions follow the list (cms.rights owns them).
    from edu_portal.cms import rights

    rights.sync(user=actor)


def add_editor(actor, site: SchoolSitePage, user: User) -> bool:
    """Let teacher ``user`` write on ``site``. False if they already could."""
    _require_manager(actor, site)
    if not teachers_of(site).filter(pk=user.pk).exists():
        raise ValidationError(
            _(
                "%(user)s is not a teacher of %(school)s: only the school's own teachers "
                "can write on its site."
            )
            % {"user": user, "school": site.school}
        )
    if site.editors.filter(pk=user.pk).exists():
        return False
    before = sorted(str(u) for u in site.editors.all())
    with transaction.atomic(), audit.actor_context(actor):
        site.editors.add(user)
        site.editors.commit()
        _after_editors_changed(actor, site, before)
    return True


def remove_editor(actor, site: SchoolSitePage, user: User) -> bool:
    """Withdraw ``user``'s right to write on ``site``. False if they had none."""
    _require_manager(actor, site)
    if not site.editors.filter(pk=user.pk).exists():
        return False
    before = sorted(str(u) for u in site.editors.all())
    with transaction.atomic(), audit.actor_context(actor):
        site.editors.remove(user)
        site.editors.commit()
        _after_editors_changed(actor, site, before)
    return True


# --- signals --------------------------------------------------------------------------------


def _unit_saved(sender, instance: OrgUnit, raw: bool = False, **kwargs) -> None:
    if not raw and instance.kind == OrgUnit.Kind.SCHOOL:
        departments.after_commit(sync_school, instance.pk)


def connect() -> None:
    post_save.connect(_unit_saved, sender=OrgUnit, dispatch_uid="cms.schools.unit_saved")
    post_save.connect(
        _site_page_saved, sender=SchoolSitePage, dispatch_uid="cms.schools.site_saved"
    )
