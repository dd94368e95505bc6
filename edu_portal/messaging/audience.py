"""Who a notice is for: the sender's description (``Notice.audience``) checked against the
sender's scope, and turned into the students (or staff) it targets when sending starts.

The description::

    {"schools": [codes], "grades": [codes], "classes": [codes],
     "students": [user ids], "staff": [unit codes]}

Codes are ``OrgUnit.code``. A "group" (a reading group, the pupils of a trip) is a list of
students: the sender picks them, and ``students`` keeps their ids. The sender may target only
units where they hold ``notice.send`` (a class teacher their classes, a school administrator
the school, the bureau every school); anything else is a ValidationError that names the unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from edu_portal.accounts import permissions
from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import STAFF_ROLES, Role

PERM = "notice.send"
UNIT_KEYS = {
    "schools": OrgUnit.Kind.SCHOOL,
    "grades": OrgUnit.Kind.GRADE,
    "classes": OrgUnit.Kind.CLASS,
}
KEYS = (*UNIT_KEYS, "students", "staff")
# Enough for a county's schools, or a class list picked by hand; a longer list is a mistake.
MAX_ITEMS = 5000


@dataclass
class Resolved:
    """The audience as units and students, each checked against the sender's scope."""

    units: list[OrgUnit]  # schools, grades and classes whose pupils are targeted
    students: list[User]  # pupils picked one by one
    staff_units: list[OrgUnit]  # units whose staff are targeted
    org_unit: OrgUnit  # the unit the notice is sent in the name of

    @property
    def student_paths(self) -> list[str]:
        return [unit.path for unit in self.units]


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"audience": ValidationError(message, code=code)})


def _list(audience: dict, key: str) -> list:
    value = audience.get(key) or []
    if not isinstance(value, list):
        raise _error(_("“%(key)s” must be a list.") % {"key": key}, "invalid_audience")
    if len(value) > MAX_ITEMS:
        raise _error(
            _("Choose at most %(n)d entries in “%(key)s”.") % {"n": MAX_ITEMS, "key": key},
            "invalid_audience",
        )
    return value


def normalise(audience) -> dict:
    """The description with only known keys, de-duplicated, in the stored shape."""
    if not isinstance(audience, dict):
        raise _error(_("Choose who receives the notice."), "invalid_audience")
    unknown = sorted(set(audience) - set(KEYS))
    if unknown:
        raise _error(
            _("Unknown audience “%(key)s”: use %(keys)s.")
            % {"key": unknown[0], "keys": ", ".join(KEYS)},
            "invalid_audience",
        )
    result: dict = {}
    for key in KEYS:
        items = _list(audience, key)
        if key == "students":
            ids = []
            for item in items:
                if isinstance(item, bool) or not str(item).isdigit():
                    raise _error(
                        _("“%(value)s” is not a student id.") % {"value": item}, "invalid_audience"
                    )
                ids.append(int(item))
            items = ids
        else:
            items = [str(item).strip() for item in items if str(item).strip()]
        if items:
            result[key] = list(dict.fromkeys(items))
    if not result:
        raise _error(
            _("Choose who receives the notice: a class, grade, school or pupils."), "empty_audience"
        )
    return result


def _out_of_scope(unit) -> ValidationError:
    return _error(
        _(
            "You cannot send notices to “%(unit)s”: it is outside the classes and schools "
            "where you may send notices."
        )
        % {"unit": unit},
        "out_of_scope",
    )


def _units(codes: list[str], kind: str | None, key: str) -> list[OrgUnit]:
    found = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
    units = []
    for code in codes:
        unit = found.get(code)
        if unit is None or (kind is not None and unit.kind != kind):
            raise _error(
                _("There is no %(what)s with the code “%(code)s”.")
                % {"what": _what(key), "code": code},
                "unknown_unit",
            )
        units.append(unit)
    return units


def _what(key: str) -> str:
    return {
        "schools": _("school"),
        "grades": _("grade"),
        "classes": _("class"),
        "staff": _("unit"),
    }[key]


def class_of_students(ids: list[int]) -> dict[int, OrgUnit | None]:
    """Each pupil's class: the unit of their student role (their account's unit if none)."""
    units: dict[int, OrgUnit | None] = {}
    for assignment in RoleAssignment.objects.filter(
        user_id__in=ids, role=Role.STUDENT
    ).select_related("org_unit"):
        current = units.get(assignment.user_id)
        # A pupil with roles at several levels belongs to the deepest (their class).
        if current is None or assignment.org_unit.depth > current.depth:
            units[assignment.user_id] = assignment.org_unit
    return units


def _students(ids: list[int]) -> tuple[list[User], dict[int, OrgUnit | None]]:
    users = {user.pk: user for user in User.objects.filter(pk__in=ids)}
    classes = class_of_students(ids)
    for pk in ids:
        if pk not in users or pk not in classes:
            raise _error(_("There is no pupil with the id %(id)s.") % {"id": pk}, "unknown_student")
    return [users[pk] for pk in ids], classes


def _sender_unit(sender, units: list[OrgUnit]) -> OrgUnit:
    """The school all targeted units belong to, else the unit above them all (the bureau)."""
    step = OrgUnit.steplen
    schools = set()
    for unit in units:
        if unit.kind in (OrgUnit.Kind.BUREAU, OrgUnit.Kind.DEPARTMENT):
            schools.add(unit.path[:step])
        elif unit.kind == OrgUnit.Kind.SCHOOL:
            schools.add(unit.path)
        else:
            # Grades and classes lie two or three steps below the root: school = 2 steps.
            schools.add(unit.path[: 2 * step])
    if len(schools) == 1:
        return OrgUnit.objects.get(path=schools.pop())
    prefix = _common_prefix(sorted(schools), step)
    if prefix:
        return OrgUnit.objects.get(path=prefix)
    # Units under several roots (not a county's layout): the sender's own unit.
    return sender.org_unit or units[0]


def _common_prefix(paths: list[str], step: int) -> str:
    first, last = paths[0], paths[-1]
    length = 0
    while length + step <= min(len(first), len(last)) and (
        first[length : length + step] == last[length : length + step]
    ):
        length += step
    return first[:length]


def resolve(sender, audience: dict) -> Resolved:
    """Check every part of ``audience`` against ``sender``'s scope; a ValidationError that
    names the first unit (or pupil's class) outside it."""
    audience = normalise(audience)
    units: list[OrgUnit] = []
    for key, kind in UNIT_KEYS.items():
        units += _units(audience.get(key, []), kind, key)
    staff_units = _units(audience.get("staff", []), None, "staff")
    students, classes = _students(audience.get("students", []))
    for unit in [*units, *staff_units]:
        if not permissions.has_perm(sender, PERM, unit):
            raise _out_of_scope(unit)
    for student in students:
        unit = classes.get(student.pk)
        if unit is None or not permissions.has_perm(sender, PERM, unit):
            raise _out_of_scope(unit or student)
    chosen = [*units, *staff_units, *(classes[s.pk] for s in students)]
    return Resolved(units, students, staff_units, _sender_unit(sender, chosen))


# --- what sending reads (no scope check: done when the notice was saved and sent) ----------


def _units_q(paths: list[str], field: str = "org_unit") -> Q:
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{lookup: path})
    return query


def student_assignments(audience: dict) -> QuerySet[RoleAssignment]:
    """The student-role rows of the targeted pupils (user_id and the class it is held at).
    Unknown codes (a class deleted since) target nobody."""
    codes = [code for key in UNIT_KEYS for code in audience.get(key, [])]
    paths = list(OrgUnit.objects.filter(code__in=codes).values_list("path", flat=True))
    # The units as a list of ids (a county has a few thousand): the database plans the
    # sending task's joins from real numbers rather than guessing at LIKE patterns.
    units = list(OrgUnit.objects.filter(_units_q(paths, field="")).values_list("pk", flat=True))
    query = Q(org_unit_id__in=units) | Q(user_id__in=audience.get("students", []))
    return RoleAssignment.objects.filter(role=Role.STUDENT).filter(query)


def staff_ids(audience: dict) -> QuerySet:
    """Active staff holding a staff role at or below the units in ``audience["staff"]``."""
    codes = audience.get("staff", [])
    if not codes:
        return User.objects.none().values_list("pk", flat=True)
    paths = list(OrgUnit.objects.filter(code__in=codes).values_list("path", flat=True))
    holders = RoleAssignment.objects.filter(role__in=STAFF_ROLES).filter(_units_q(paths))
    return (
        User.objects.filter(is_active=True, pk__in=holders.values("user_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
