"""Forms of the school administration console (input parsing only; rules are in actions)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts.models import GuardianLink, OrgUnit


class UnitNameForm(forms.Form):
    name = forms.CharField(label=_("Unit name"), max_length=120)


class NewUnitForm(UnitNameForm):
    parent = forms.IntegerField(widget=forms.HiddenInput)


def class_choices(school: OrgUnit) -> list[tuple[int, str]]:
    grades = {
        unit.path: unit.name
        for unit in OrgUnit.objects.filter(path__startswith=school.path, kind=OrgUnit.Kind.GRADE)
    }
    classes = OrgUnit.objects.filter(
        path__startswith=school.path, kind=OrgUnit.Kind.CLASS
    ).order_by("path")
    return [
        (unit.pk, f"{grades.get(unit.path[: -OrgUnit.steplen], '')} {unit.name}".strip())
        for unit in classes
    ]


class PersonForm(forms.Form):
    KIND_CHOICES = [
        ("student", _("Student")),
        ("guardian", _("Guardian")),
        ("teacher", _("Teacher")),
    ]

    kind = forms.ChoiceField(label=_("Kind of account"), choices=KIND_CHOICES)
    display_name = forms.CharField(label=_("Name"), max_length=80)
    student_number = forms.CharField(
        label=_("Student number"),
        max_length=32,
        required=False,
        help_text=_("Students only. Their account name is the school code and this number."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("Guardians: required, it is their account name."),
    )
    username = forms.CharField(
        label=_("Account name"),
        max_length=150,
        required=False,
        help_text=_("Teachers only."),
    )
    unit = forms.TypedChoiceField(label=_("Class"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, school: OrgUnit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("— the whole school —")), *class_choices(school)]


class PersonEditForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=80)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    student_number = forms.CharField(label=_("Student number"), max_length=32, required=False)


class MoveForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Class"), coerce=int)

    def __init__(self, *args, school: OrgUnit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = class_choices(school)


class LinkForm(forms.Form):
    phone = forms.CharField(
        label=_("Guardian's mobile number"),
        max_length=20,
        help_text=_("An account with this number is linked; otherwise one is created."),
    )
    guardian_name = forms.CharField(
        label=_("Guardian's name"),
        max_length=80,
        required=False,
        help_text=_("Needed only when the guardian has no account yet."),
    )
    relation = forms.ChoiceField(label=_("Relation"), choices=GuardianLink.Relation.choices)
    receives_notices = forms.BooleanField(
        label=_("Receives the child's notices"), required=False, initial=True
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(
            "Excel (.xlsx) or CSV (UTF-8 or GBK). First row: 年级, 班级, 学号, 学生姓名, "
            "监护人姓名, 关系, 手机号, and optionally 邮箱 (the guardian's e-mail). One row per "
            "guardian."
        ),
    )
    unit = forms.TypedChoiceField(
        label=_("Class for rows without 年级 and 班级"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, school: OrgUnit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("— none —")), *class_choices(school)]
