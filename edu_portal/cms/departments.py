"""机关处室 kept in step with the org tree: one DepartmentPage per department unit.

The page's duties, phone, address and head are read from the unit when the page is shown,
so they are typed once, in the org tree. What the tree changes here is the page itself: a
new department gets a published page under the 机关处室 list, a renamed one a new title, a
deleted one (or one that stops being a department) goes offline. accounts may not import
the portal, so the portal listens to the org tree's signals (``connect``, from the app's
``ready``) and syncs after the change is committed, in the changer's audit context.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from wagtail.models import Page, Site

from edu_portal.accounts.models import OrgUnit
from edu_portal.cms.models import DepartmentIndexPage, DepartmentPage, HomePage

logger = logging.getLogger(__name__)

INDEX_SLUG = "departments"
# Grades and classes are saved in bulk by roster imports; they never have portal pages.
_NEVER_PAGES = frozenset({OrgUnit.Kind.GRADE, OrgUnit.Kind.CLASS})


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)

    def merge(self, other: SyncReport) -> None:
        self.created += other.created
        self.renamed += other.renamed
        self.offline += other.offline


# --- where pages go ---------------------------------------------------------------------------


def home_page() -> HomePage | None:
    """The bureau's home page: the default site's root when it is a HomePage."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and site.root_page.specific_class is HomePage:
        return site.root_page.specific
    return HomePage.objects.order_by("path").first()


def department_index() -> DepartmentIndexPage | None:
    """The 机关处室 list: at ``departments`` under the home page, else the first one."""
    home = home_page()
    if home is not None:
        page = DepartmentIndexPage.objects.child_of(home).filter(slug=INDEX_SLUG).first()
        if page is not None:
            return page
    return DepartmentIndexPage.objects.order_by("path").first()


def free_slug(parent: Page, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``-3`` … when a sibling already uses it."""
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = wanted, 2
    while slug in taken:
        slug = f"{wanted}-{n}"
        n += 1
    return slug


# --- page changes shared with the school sites --------------------------------------------------


def retitle(page: Page, title: str) -> None:
    """Give ``page`` a new title without losing an editor's unpublished draft."""
    page = page.specific_class.objects.get(pk=page.pk)
    if page.live and not page.has_unpublished_changes:
        page.title = page.draft_title = title
        page.save_revision(clean=False).publish()
        return
    draft = page.get_latest_revision_as_object()
    draft.title = title
    draft.save_revision(clean=False)
    if page.live:
        # The live row keeps its content; only the title follows the org tree.
        Page.objects.filter(pk=page.pk).update(title=title)


def take_offline(page: Page) -> bool:
    if not page.live:
        return False
    page.specific.unpublish()
    return True


# --- the sync -------------------------------------------------------------------------------


def _qualifies(unit: OrgUnit | None) -> bool:
    return unit is not None and unit.kind == OrgUnit.Kind.DEPARTMENT


def sync_department(unit_id: int) -> SyncReport:
    """Bring the page of unit ``unit_id`` in step with the unit (idempotent)."""
    report = SyncReport()
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    page = DepartmentPage.objects.filter(unit_id=unit_id).first()
    if not _qualifies(unit):
        if page is not None and take_offline(page):
            report.offline.append(page.title)
        return report
    if page is None:
        index = department_index()
        if index is None:
            logger.info("No 机关处室 list in the page tree; no page for %s", unit)
            return report
        with transaction.atomic():
            page = DepartmentPage(title=unit.name, slug=free_slug(index, unit.code), unit=unit)
            index.add_child(instance=page)
            page.save_revision(clean=False).publish()
        report.created.append(unit.name)
        return report
    if page.draft_title != unit.name or page.title != unit.name:
        with transaction.atomic():
            retitle(page, unit.name)
        report.renamed.append(unit.name)
    return report


def sync_all() -> SyncReport:
    """Every department has its page, titled as in the tree; pages of units that are gone
    or no longer departments are offline. ``manage.py sync_department_pages``."""
    report = SyncReport()
    for unit_id in (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT)
        .order_by("path")
        .values_list("pk", flat=True)
    ):
        report.merge(sync_department(unit_id))
    orphans = DepartmentPage.objects.live().exclude(unit__kind=OrgUnit.Kind.DEPARTMENT)
    for page in orphans:
        if take_offline(page):
            report.offline.append(page.title)
    return report


# --- signals --------------------------------------------------------------------------------


def after_commit(func, *args) -> None:
    # Run after the org tree's change is committed, in the audit context of whoever made
    # it (the page's publication is then audited as theirs, from their address).
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(func, *args))


def _unit_saved(sender, instance: OrgUnit, raw: bool = False, **kwargs) -> None:
    if raw or instance.kind in _NEVER_PAGES:
        return
    if (
        instance.kind == OrgUnit.Kind.DEPARTMENT
        or DepartmentPage.objects.filter(unit_id=instance.pk).exists()
    ):
        after_commit(sync_department, instance.pk)


def _unit_deleting(sender, instance: OrgUnit, **kwargs) -> None:
    # Before the row goes (the page's link to it is then cleared): the page goes offline
    # in the same transaction as the deletion.
    page = DepartmentPage.objects.filter(unit_id=instance.pk).first()
    if page is not None:
        take_offline(page)


def connect() -> None:
    post_save.connect(_unit_saved, sender=OrgUnit, dispatch_uid="cms.departments.unit_saved")
    pre_delete.connect(_unit_deleting, sender=OrgUnit, dispatch_uid="cms.departments.unit_deleting")
