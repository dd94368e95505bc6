"""Forms of the handling pages (the checks that need the database are the actions')."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import ROLE_PERMISSIONS, role_grants
from edu_portal.disclosure.casework import ANSWER
from edu_portal.disclosure.handling import DRAFTABLE_OUTCOMES, departments
from edu_portal.disclosure.models import (
    Application,
    FeeMethod,
    Outcome,
    ReplyLetter,
    ReplyType,
    ReviewCase,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def answerers():
    """Active people who may draft replies somewhere (their unit is checked on assignment)."""
    roles = [role for role in ROLE_PERMISSIONS if role_grants(role, ANSWER)]
    return (
        User.objects.filter(
            Q(is_superuser=True) | Q(role_assignments__role__in=roles), is_active=True
        )
        .distinct()
        .order_by("username")
    )


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("department"), queryset=OrgUnit.objects.none())
    handler = forms.ModelChoiceField(
        label=_("handler"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Optional: one person of the department who drafts the reply."),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = departments()
        self.fields["handler"].queryset = answerers()


class DraftForm(forms.Form):
    reply_type = forms.ChoiceField(label=_("reply type"), choices=ReplyType.choices)
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[(code, Outcome(code).label) for code in DRAFTABLE_OUTCOMES],
        help_text=_("The row of the annual report's Table 三 this reply counts in."),
    )
    text = forms.CharField(
        label=_("reply"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the letter says after the standard sentence of the reply type: where the "
            "information is, what is refused and why, which agency holds it."
        ),
    )


class ApproveForm(forms.Form):
    on = forms.DateField(label=_("date of the reply"), widget=DATE)

    def clean_on(self) -> dt.date:
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return day


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("what to change"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeeForm(forms.Form):
    method = forms.ChoiceField(label=_("charged"), choices=FeeMethod.choices)
    quantity = forms.IntegerField(
        label=_("items of this application, or pages"), min_value=1, max_value=100000
    )
    earlier = forms.IntegerField(
        label=_("items earlier this month"),
        min_value=0,
        max_value=100000,
        required=False,
        initial=0,
        help_text=_("By item only: the applicant's items already counted this month."),
    )
    on = forms.DateField(label=_("notice sent on"), widget=DATE)
    note = forms.CharField(label=_("note"), required=False, max_length=500)


class PaidForm(forms.Form):
    on = forms.DateField(label=_("paid on"), widget=DATE)


class DeliveryForm(forms.Form):
    via = forms.ChoiceField(
        label=_("delivered"),
        choices=[
            (ReplyLetter.Delivery.POST, ReplyLetter.Delivery.POST.label),
            (ReplyLetter.Delivery.PICKUP, ReplyLetter.Delivery.PICKUP.label),
        ],
    )
    on = forms.DateField(label=_("date"), widget=DATE)
    note = forms.CharField(
        label=_("delivery note"),
        required=False,
        max_length=200,
        help_text=_("E.g. the registered letter's number, or who picked it up."),
    )


class ArchiveForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=500)


class BoardFilter(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("department"), queryset=OrgUnit.objects.none(), required=False
    )
    state = forms.ChoiceField(label=_("state"), required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else departments()
        states = [Application.State.SUBMITTED, Application.State.OPEN]
        states += [Application.State.CORRECTION, Application.State.PAUSED]
        self.fields["state"].choices = [("", "—")] + [(s.value, s.label) for s in states]


class RegisterExportForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=DATE)
    end = forms.DateField(label=_("to"), widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 3 * 366):
            raise ValidationError(_("Choose a period of at most three years, start before end."))
        return data


class ReviewCaseForm(forms.ModelForm):
    application_code = forms.CharField(
        label=_("application's query code"),
        required=False,
        max_length=20,
        help_text=_("When the case concerns a known application."),
    )

    class Meta:
        model = ReviewCase
        fields = ["kind", "filed_on", "result", "decided_on", "case_number", "authority", "note"]
        widgets = {
            "filed_on": DATE,
            "decided_on": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.application_id:
            self.fields["application_code"].initial = self.instance.application.query_code

    def clean_application_code(self):
        code = (self.cleaned_data.get("application_code") or "").strip().upper()
        if not code:
            return None
        application = Application.objects.filter(query_code=code).first()
        if application is None:
            raise ValidationError(_("No application has this query code."))
        return application
