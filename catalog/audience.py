"""Who is looking: the catalog grade of a signed-in student, so that lists can put the
material of that grade first (a first-grader should not meet 初中 courseware first).

A pupil holds the student role at a class; the class sits under a grade unit of the
school (accounts.OrgUnit). Schools name their grade units freely (一年级, 初一, 高中二年级,
七年级 …), so the name is read against the catalog's taxonomy (grades 1–12), and the unit's
code is tried when the name says nothing (``cn-g1``, ``grade-7``). Anything unclear gives
None: a wrong guess would hide the pupil's own material behind someone else's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When

from catalog.taxonomy import GRADES, Stage, stage_of_grade
from edu_portal.accounts.models import OrgUnit, RoleAssignment
from edu_portal.accounts.roles import Role

_DIGITS = {char: value for value, char in enumerate("〇一二三四五六七八九")} | {"零": 0}
# The stage a name may start with; the longer words first (初级中学 before 初中).
_STAGE_WORDS = (
    ("初级中学", Stage.JUNIOR),
    ("高级中学", Stage.SENIOR),
    ("小学", Stage.PRIMARY),
    ("初中", Stage.JUNIOR),
    ("高中", Stage.SENIOR),
)
# "十二年级" must not be read as "二年级", nor "12年级" as "2年级".
_YEAR = re.compile(
    r"(?<![\d〇一二三四五六七八九十])(十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9])年级"
)
# 初一/初二/初三 and 高一/高二/高三 (with or without 年级 after them).
_SHORT = re.compile(r"(初|高)([一二三123])")
_OFFSET = {Stage.PRIMARY: 0, Stage.JUNIOR: 6, Stage.SENIOR: 9}
# In a code: "g1", "grade-7", "grade_12", "nj3" (年级) as the last part.
_CODE = re.compile(r"(?:^|[-_])(?:g|grade|nj)[-_]?(\d{1,2})$")


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_DIGITS[text[1]] if len(text) > 1 else 0)
    return _DIGITS[text]


def grade_of_name(name: str) -> int | None:
    """The catalog grade (1–12) a grade unit's name means, or None when it is unclear.

    一年级 → 1, 七年级/初一/初中一年级 → 7, 高二/高中二年级/十一年级 → 11. A name that
    contradicts its own stage (初中五年级) or names no grade (2023级, 毕业班) gives None.
    """
    text = unicodedata.normalize("NFKC", name or "").replace(" ", "")
    stage = next((value for word, value in _STAGE_WORDS if word in text), None)
    if match := _SHORT.search(text):
        short_stage = Stage.JUNIOR if match.group(1) == "初" else Stage.SENIOR
        if stage is not None and stage != short_stage:
            return None
        return _OFFSET[short_stage] + _number(match.group(2))
    match = _YEAR.search(text)
    if match is None:
        return None
    number = _number(match.group(1))
    if stage in (Stage.JUNIOR, Stage.SENIOR) and number <= 3:
        # 初中一年级, 高中三年级: counted within the stage.
        number += _OFFSET[stage]
    if number not in GRADES or (stage is not None and stage_of_grade(number) != stage):
        return None
    return number


def grade_of_code(code: str) -> int | None:
    match = _CODE.search((code or "").lower())
    number = int(match.group(1)) if match else None
    return number if number in GRADES else None


def grade_of_unit(unit) -> int | None:
    """The grade of a grade unit (``OrgUnit`` of kind grade): its name, else its code."""
    return grade_of_name(unit.name) or grade_of_code(unit.code)


def grade_of(user) -> int | None:
    """The catalog grade of a signed-in student, or None (anonymous users, staff, guardians,
    a student without a class in a grade unit or whose grade unit cannot be read).

    A pupil moved up to a new class may still hold the old class for a while: the most
    recently granted student role decides. Cached on the user object for the request.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_catalog_grade", False)
    if cached is not False:
        return cached
    grade = None
    if not user.is_staff_member:
        grade = _student_grade(user)
    user._catalog_grade = grade
    return grade


def _student_grade(user) -> int | None:
    assignment = (
        RoleAssignment.objects.filter(
            user=user,
            role=Role.STUDENT,
            org_unit__kind__in=(OrgUnit.Kind.CLASS, OrgUnit.Kind.GRADE),
        )
        .select_related("org_unit")
        .order_by("-created_at", "-pk")
        .first()
    )
    if assignment is None:
        return None
    unit = assignment.org_unit
    if unit.kind == OrgUnit.Kind.CLASS:
        unit = unit.get_parent()
        if unit is None or unit.kind != OrgUnit.Kind.GRADE:
            return None
    return grade_of_unit(unit)


# --- ordering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Favour:
    """A grade to put first, then the rest of its stage, then everything else."""

    grade: int

    @property
    def stage(self) -> str:
        return str(stage_of_grade(self.grade))

    @property
    def label(self) -> str:
        return str(GRADES[self.grade][1])


def favour_for(user) -> Favour | None:
    grade = grade_of(user)
    return Favour(grade) if grade is not None else None


def nearness(favour: Favour) -> Case:
    """0 for the favoured grade, 1 for the rest of its stage, 2 for anything else (resources
    without a grade or stage included): ascending order puts the pupil's own first."""
    return Case(
        When(grade=favour.grade, then=Value(0)),
        When(stage=favour.stage, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def favour_order(qs: QuerySet, favour: Favour | None, *order: str) -> QuerySet:
    """``qs`` in ``order``, with the favoured grade and stage first when there is one."""
    if favour is None:
        return qs.order_by(*order)
    return qs.annotate(grade_nearness=nearness(favour)).order_by("grade_nearness", *order)
