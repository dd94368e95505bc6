"""Forms of the sender's pages (input parsing only: the rules live in ``actions`` and
``audience``, which check the scope again and sanitise the body).

The audience picker offers only the units and pupils in the sender's scope
(:class:`Scope`); a code or id from outside it, sent by a crafted POST, is refused with a
sentence naming it rather than Django's generic "not one of the available choices".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts import permissions
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from edu_portal.messaging import audience as audiences
from edu_portal.messaging.models import Channel, Notice

Kind = OrgUnit.Kind

MAX_CHOICES = 8
MAX_PUPILS_LISTED = 3000
MAX_CHOICE_LENGTH = 20
DEFAULT_CHOICES = "同意\n不同意"
AUDIENCE_FIELDS = audiences.KEYS

_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


# --- the sender's scope -----------------------------------------------------------------------


@dataclass
class ClassOption:
    unit: OrgUnit
    label: str
    students: list[User] = field(default_factory=list)


@dataclass
class GradeOption:
    unit: OrgUnit
    classes: list[ClassOption] = field(default_factory=list)
    selectable: bool = False


@dataclass
class SchoolOption:
    unit: OrgUnit
    grades: list[GradeOption] = field(default_factory=list)
    selectable: bool = False


class Scope:
    """What ``user`` may address: the schools, grades and classes where they hold
    ``notice.send`` (and the pupils of those classes), as a tree for the picker."""

    def __init__(self, user: User) -> None:
        units = list(
            permissions.units_with_perm(user, audiences.PERM)
            .filter(kind__in=[Kind.SCHOOL, Kind.GRADE, Kind.CLASS])
            .order_by("path")
        )
        # A unit is selectable as a whole when the permission covers it; a grade listed only
        # because one of its classes is in scope is not (it is shown as a heading).
        held = {unit.path for unit in units}
        step = OrgUnit.steplen
        schools: dict[str, SchoolOption] = {}
        grades: dict[str, GradeOption] = {}
        classes: dict[str, ClassOption] = {}
        parents = self._parents(units)
        for unit in units:
            if unit.kind == Kind.SCHOOL:
                schools[unit.path] = SchoolOption(unit, selectable=True)
        for unit in units:
            if unit.kind == Kind.GRADE:
                school = self._school(schools, parents, unit.path[: step * 2])
                option = GradeOption(unit, selectable=True)
                grades[unit.path] = option
                school.grades.append(option)
        for unit in units:
            if unit.kind != Kind.CLASS:
                continue
            grade_path = unit.path[:-step]
            grade = grades.get(grade_path)
            if grade is None:
                grade = GradeOption(parents[grade_path], selectable=grade_path in held)
                grades[grade_path] = grade
                self._school(schools, parents, unit.path[: step * 2]).grades.append(grade)
            # "1班" under "一年级" reads "一年级 1班"; a class already named "一年级(1)班"
            # stays so (the demo's names would read "一年级 一年级(1)班").
            label = (
                unit.name
                if unit.name.startswith(grade.unit.name)
                else f"{grade.unit.name} {unit.name}"
            )
            option = ClassOption(unit, label)
            grade.classes.append(option)
            classes[unit.path] = option
        # Listing every pupil of a county (the bureau's scope) would make a page of many
        # megabytes: beyond this many, pupils are chosen by class, grade or school only.
        in_classes = User.objects.filter(
            is_active=True,
            role_assignments__role=Role.STUDENT,
            role_assignments__org_unit__in=[option.unit for option in classes.values()],
        )
        self.pupils_listed = in_classes.count() <= MAX_PUPILS_LISTED
        pupils = in_classes.values_list(
            "pk", "display_name", "username", "role_assignments__org_unit__path"
        ).order_by("display_name", "username")
        self.students: dict[int, tuple[str, str]] = {}
        for pk, name, username, path in pupils if self.pupils_listed else ():
            option = classes[path]
            option.students.append(User(pk=pk, display_name=name, username=username))
            self.students[pk] = (name or username, option.label)
        self.schools = list(schools.values())
        self.classes = classes
        self.grades = grades

    @staticmethod
    def _parents(units: list[OrgUnit]) -> dict[str, OrgUnit]:
        """Grades and schools above the units in scope (headings of the tree)."""
        step = OrgUnit.steplen
        wanted = set()
        for unit in units:
            for end in (step * 2, step * 3):
                if len(unit.path) > end:
                    wanted.add(unit.path[:end])
        return {unit.path: unit for unit in OrgUnit.objects.filter(path__in=wanted)}

    @staticmethod
    def _school(schools, parents, path) -> SchoolOption:
        if path not in schools:
            schools[path] = SchoolOption(parents[path], selectable=False)
        return schools[path]

    def choices(self, kind: str) -> list[tuple[str, str]]:
        if kind == "schools":
            return [(s.unit.code, s.unit.name) for s in self.schools if s.selectable]
        if kind == "grades":
            return [(g.unit.code, g.unit.name) for g in self.grades.values() if g.selectable]
        if kind == "classes":
            return [(c.unit.code, c.label) for c in self.classes.values()]
        if kind == "students":
            return [(str(pk), name) for pk, (name, _label) in self.students.items()]
        raise ValueError(kind)

    @property
    def empty(self) -> bool:
        return not self.schools


class ScopedChoiceField(forms.MultipleChoiceField):
    """A list of codes limited to the sender's scope, refused with a sentence naming what
    was asked for (a pupil's id, a unit's name when it exists, else the code)."""

    def __init__(self, *, what: str, **kwargs) -> None:
        self.what = what
        super().__init__(required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def validate(self, value) -> None:
        allowed = {str(key) for key, _label in self.choices}
        for item in value:
            if str(item) not in allowed:
                raise ValidationError(self._refusal(item), code="out_of_scope")

    def _refusal(self, item: str) -> str:
        if self.what == "students":
            return _("You may not send notices to the pupil with id %(id)s.") % {"id": item}
        unit = OrgUnit.objects.filter(code=item).first()
        return _("“%(unit)s” is outside the classes and schools you may send notices to.") % {
            "unit": unit.name if unit else item
        }


# --- compose ----------------------------------------------------------------------------------


class NoticeForm(forms.Form):
    ACTIONS = ("draft", "send", "schedule")

    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Content"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "notice-body-source"}),
        max_length=20000,
    )
    schools = ScopedChoiceField(label=_("Whole schools"), what="schools")
    grades = ScopedChoiceField(label=_("Grades"), what="grades")
    classes = ScopedChoiceField(label=_("Classes"), what="classes")
    students = ScopedChoiceField(label=_("Individual pupils"), what="students")
    staff = ScopedChoiceField(label=_("Staff"), what="staff")
    ack = forms.ChoiceField(
        label=_("Acknowledgement"),
        choices=Notice.Ack.choices,
        initial=Notice.Ack.READ,
        widget=forms.RadioSelect,
    )
    reply_choices = forms.CharField(
        label=_("Answers to choose from"),
        required=False,
        initial=DEFAULT_CHOICES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One answer per line, for example 同意 and 不同意. Leave empty for a text answer only."
        ),
    )
    reply_text = forms.BooleanField(label=_("Also ask for a short text answer"), required=False)
    channels = forms.MultipleChoiceField(
        label=_("Also send by"),
        required=False,
        choices=[(Channel.EMAIL, Channel.EMAIL.label), (Channel.SMS, Channel.SMS.label)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Every notice appears in the guardians' in-app inbox. E-mail and SMS go to those "
            "who gave an address or number and did not turn them off."
        ),
    )
    urgent = forms.BooleanField(
        label=_("Urgent"),
        required=False,
        help_text=_(
            "E-mail and SMS are normally held during quiet hours (20:00–08:00) and go out in "
            "the morning. An urgent notice goes at once, day or night: keep it for safety "
            "and closures."
        ),
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Only for “Schedule”."),
    )

    def __init__(self, *args, scope: Scope, action: str = "draft", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.action = action if action in self.ACTIONS else "draft"
        for name in ("schools", "grades", "classes", "students"):
            self.fields[name].choices = scope.choices(name)
        self.fields["staff"].choices = scope.choices("schools")

    @classmethod
    def initial_from(cls, notice: Notice) -> dict:
        audience = notice.audience or {}
        send_at = timezone.localtime(notice.send_at) if notice.send_at else None
        return {
            "title": notice.title,
            "body": notice.body,
            "schools": audience.get("schools", []),
            "grades": audience.get("grades", []),
            "classes": audience.get("classes", []),
            "students": [str(pk) for pk in audience.get("students", [])],
            "staff": audience.get("staff", []),
            "ack": notice.ack,
            "reply_choices": "\n".join(notice.reply_choices or []),
            "reply_text": notice.reply_text,
            "channels": [c for c in notice.channels or [] if c != Channel.INBOX],
            "urgent": notice.urgent,
            "send_at": send_at,
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if _TAG.search(body):
            # HTML from the editor (or pasted): the action sanitises it with nh3.
            return body
        # Plain text (no JavaScript, or typed into the bare textarea): blank lines make
        # paragraphs, single line breaks stay.
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.replace("\r\n", "\n"))]
        return "".join(
            "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs if p
        )

    def clean_reply_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["reply_choices"].splitlines()]
        choices: list[str] = []
        for line in lines:
            if line and line not in choices:
                choices.append(line)
        if len(choices) > MAX_CHOICES:
            raise ValidationError(_("Offer at most %(n)d answers.") % {"n": MAX_CHOICES})
        for choice in choices:
            if len(choice) > MAX_CHOICE_LENGTH:
                raise ValidationError(
                    _("“%(choice)s” is too long: an answer has at most %(n)d characters.")
                    % {"choice": choice, "n": MAX_CHOICE_LENGTH}
                )
        return choices

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if not any(data.get(name) for name in AUDIENCE_FIELDS):
            raise ValidationError(
                _("Choose who receives the notice: a school, grade, class, pupils or staff.")
            )
        if data["ack"] == Notice.Ack.REPLY and not data["reply_choices"] and not data["reply_text"]:
            self.add_error(
                "reply_choices",
                _("A reply form needs answers to choose from, a short text answer, or both."),
            )
        if data["ack"] != Notice.Ack.REPLY:
            data["reply_choices"], data["reply_text"] = [], False
        if self.action == "schedule":
            send_at = data.get("send_at")
            if send_at is None:
                self.add_error("send_at", _("Give the date and time to send it at."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("The time to send it at has passed already."))
        elif self.action == "send":
            data["send_at"] = None
        return data

    def picker_context(self) -> dict:
        """What the audience picker ticks (as strings, as the checkboxes' values) and the
        audience fields whose errors it shows."""
        names = AUDIENCE_FIELDS
        context = {
            f"selected_{name}": {str(value) for value in (self[name].value() or [])}
            for name in names
        }
        context["audience_fields"] = [self[name] for name in names]
        return context

    def audience(self) -> dict:
        data = self.cleaned_data
        audience = {
            name: list(data[name])
            for name in ("schools", "grades", "classes", "staff")
            if data[name]
        }
        if data["students"]:
            audience["students"] = [int(pk) for pk in data["students"]]
        return audience

    def notice_fields(self) -> dict:
        """The keyword arguments of ``actions.create_notice``/``update_notice``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "audience": self.audience(),
            "ack": data["ack"],
            "reply_choices": data["reply_choices"],
            "reply_text": data["reply_text"],
            "channels": [Channel.INBOX, *data["channels"]],
            "urgent": data["urgent"],
            "send_at": data["send_at"] if self.action == "schedule" else None,
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Those who received the notice are told it was withdrawn, with this reason."),
        error_messages={"required": _("Say why the notice is withdrawn: the guardians are told.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the notice is withdrawn: the guardians are told."))
        return reason
