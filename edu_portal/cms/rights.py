"""Roles → Wagtail page permissions, from the platform's own data (no hand-kept groups).

``sync()`` derives a set of Wagtail groups (``ManagedGroup``) and their members, page
permissions and collection permissions from the roles (``accounts.RoleAssignment``) and
the portal's columns and school sites, and makes the database say exactly that:

- the office (office reviewers and bureau administrators at the bureau): add, change,
  publish, lock and unlock on the whole tree (article 3: the office may edit, demand
  changes or take down anything);
- each column with ``editor_units``: the department editors of those units (their role held
  at the unit or above it) and, for a school unit, its school administrators and the
  teachers granted on its school site: add and change there, and publish when the column
  says ``direct_publish``;
- each school site: its school administrators add, change and publish in it, the teachers
  they granted (``SchoolSitePage.editors``, members of the school) add and change.

Everyone in such a group may open the Wagtail admin and choose or add documents and
images. Groups are named with a prefix that says the platform keeps them, and a sync
overwrites any hand edit. Every change of members or permissions is audited.

Triggers (``cms.signals``): role assigned or revoked, a column's or school site's rights
fields changed, an account deactivated; ``manage.py sync_cms_rights``; after migrate.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from edu_portal.accounts.audit import actor_context, log_event
from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import Role

log = logging.getLogger(__name__)

# Recognisable in Wagtail's group list; says that hand edits do not last.
PREFIX = "平台维护·"
SUFFIX = "（由平台角色自动维护，手工修改会被覆盖）"

OFFICE = ("add", "change", "publish", "lock", "unlock")
EDIT = ("add", "change")
EDIT_PUBLISH = ("add", "change", "publish")
COLLECTION_PERMS = (
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
)


@dataclass
class Plan:
    """What one managed group should be."""

    name: str
    members: set[int] = field(default_factory=set)
    pages: dict[int, tuple[str, ...]] = field(default_factory=dict)  # page id → actions


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    step = OrgUnit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def _holders(roles: tuple[str, ...], unit: OrgUnit) -> set[int]:
    """Active users holding one of ``roles`` at ``unit`` or above it."""
    return set(
        RoleAssignment.objects.filter(
            role__in=roles, org_unit__path__in=_ancestor_paths(unit), user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _granted_teachers(site) -> set[int]:
    """Teachers a school granted on its site: only active members of that school count,
    so a name picked by mistake from elsewhere gets nothing."""
    school = site.school
    members = User.objects.filter(is_active=True).filter(
        org_unit__path__startswith=school.path
    ) | User.objects.filter(
        is_active=True, role_assignments__org_unit__path__startswith=school.path
    )
    return set(site.editors.filter(pk__in=members.values("pk")).values_list("pk", flat=True))


def _name(text: str) -> str:
    return (PREFIX + text)[: 150 - len(SUFFIX)] + SUFFIX


def plans() -> dict[str, Plan]:
    """The managed groups as the platform's data says they should be, by key."""
    from edu_portal.cms.models import ColumnPage, SchoolSitePage

    wanted: dict[str, Plan] = {}
    root = Page.get_first_root_node()
    office = Plan(_name("办公室审核与发布（全站）"))
    office.members = set(
        RoleAssignment.objects.filter(
            role__in=(Role.OFFICE_REVIEWER, Role.BUREAU_ADMIN),
            org_unit__kind=OrgUnit.Kind.BUREAU,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
    if root is not None:
        office.pages[root.pk] = OFFICE
    wanted["office"] = office

    sites = {site.school_id: site for site in SchoolSitePage.objects.select_related("school")}
    for site in sites.values():
        admins = Plan(_name(f"学校管理员·{site.school.name}"))
        admins.members = _holders((Role.SCHOOL_ADMIN,), site.school)
        admins.pages[site.pk] = EDIT_PUBLISH
        wanted[f"school-admins:{site.pk}"] = admins
        teachers = Plan(_name(f"学校教师·{site.school.name}"))
        teachers.members = _granted_teachers(site)
        teachers.pages[site.pk] = EDIT
        wanted[f"school-teachers:{site.pk}"] = teachers

    columns = ColumnPage.objects.prefetch_related("editor_units").order_by("path")
    for column in columns:
        units = list(column.editor_units.all())
        if not units:
            continue
        plan = Plan(_name(f"栏目编辑·{column.title}（#{column.pk}）"))
        for unit in units:
            plan.members |= _holders((Role.DEPARTMENT_EDITOR,), unit)
            if unit.kind == OrgUnit.Kind.SCHOOL:
                plan.members |= _holders((Role.SCHOOL_ADMIN,), unit)
                site = sites.get(unit.pk)
                if site is not None:
                    plan.members |= _granted_teachers(site)
        plan.pages[column.pk] = EDIT_PUBLISH if column.direct_publish else EDIT
        wanted[f"column:{column.pk}"] = plan
    return wanted


def _page_permissions() -> dict[str, Permission]:
    return {
        perm.codename.removesuffix("_page"): perm
        for perm in Permission.objects.filter(
            content_type__app_label="wagtailcore", content_type__model="page"
        )
    }


def _apply(
    managed, plan: Plan, perms: dict[str, Permission], extra: list[Permission], created: bool
) -> bool:
    """Make one group match its plan; True when anything changed (audited: a new group as
    created, so that filtering the log for changes finds changes)."""
    group = managed.group
    changes: dict[str, list] = {}
    if group.name != plan.name:
        changes["name"] = [group.name, plan.name]
        group.name = plan.name
        group.save(update_fields=["name"])

    current = set(group.user_set.values_list("pk", flat=True))
    if current != plan.members:
        group.user_set.remove(*(current - plan.members))
        group.user_set.add(*(plan.members - current))
        usernames = dict(
            User.objects.filter(pk__in=current | plan.members).values_list("pk", "username")
        )
        changes["members"] = [
            sorted(usernames.get(pk, str(pk)) for pk in current),
            sorted(usernames.get(pk, str(pk)) for pk in plan.members),
        ]

    rows = GroupPagePermission.objects.filter(group=group).select_related("permission")
    have = {(row.page_id, row.permission.codename.removesuffix("_page")) for row in rows}
    want = {(page, action) for page, actions in plan.pages.items() for action in actions}
    if have != want:
        for page, action in have - want:
            GroupPagePermission.objects.filter(
                group=group, page_id=page, permission=perms[action]
            ).delete()
        GroupPagePermission.objects.bulk_create(
            [
                GroupPagePermission(group=group, page_id=page, permission=perms[action])
                for page, action in sorted(want - have)
            ]
        )
        changes["page_permissions"] = [
            sorted(f"{page}:{action}" for page, action in have),
            sorted(f"{page}:{action}" for page, action in want),
        ]

    # Admin access and the document/image libraries: set quietly (they follow membership).
    if set(group.permissions.all()) != set(extra):
        group.permissions.set(extra)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for perm in extra:
            if perm.content_type.app_label in ("wagtaildocs", "wagtailimages"):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=perm
                )
    if changes:
        log_event(group, changes, LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE)
    return bool(changes)


def _extra_permissions() -> list[Permission]:
    wanted = [("wagtailadmin", "access_admin"), *COLLECTION_PERMS]
    found = []
    for app_label, codename in wanted:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:
            found.append(perm)
    return found


def sync(user=None) -> int:
    """Make the managed groups match the platform's data; the number of groups changed.

    ``user`` is the actor named in the audit log (None: the system, or the request's user
    when called inside a request)."""
    from edu_portal.cms.models import ManagedGroup

    perms = _page_permissions()
    if not perms:
        return 0  # before Wagtail's permissions exist (early in a migrate)
    extra = _extra_permissions()
    changed = 0
    context = actor_context(user) if user is not None else nullcontext()
    with context, transaction.atomic():
        wanted = plans()
        existing = {m.key: m for m in ManagedGroup.objects.select_related("group")}
        for key, plan in wanted.items():
            managed = existing.pop(key, None)
            created = False
            if managed is None:
                group, created = Group.objects.get_or_create(name=plan.name)
                managed = ManagedGroup.objects.create(key=key, group=group)
            changed += _apply(managed, plan, perms, extra, created)
        for managed in existing.values():
            # A column without editor units any more, a deleted school site: the group goes,
            # and with it every right it gave.
            group = managed.group
            log_event(
                group,
                {
                    "members": [sorted(group.user_set.values_list("username", flat=True)), []],
                    "page_permissions": [
                        sorted(
                            f"{row.page_id}:{row.permission.codename}"
                            for row in GroupPagePermission.objects.filter(group=group)
                        ),
                        [],
                    ],
                },
            )
            group.delete()
            changed += 1
    return changed
