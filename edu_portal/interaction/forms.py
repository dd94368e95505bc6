"""Forms of the letter pages (the writer's and the staff's)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts.models import OrgUnit
from edu_portal.interaction.models import AnswerMethod, Kind, Rating


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What kind of letter"), choices=Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=100)
    body = forms.CharField(label=_("Your letter"), max_length=5000, widget=forms.Textarea)
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        help_text=_("With the query code, your phone number lets you look the letter up."),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    publish_consent = forms.BooleanField(
        label=_(
            "The answer may be published as a frequently asked question, "
            "without my name or contact details"
        ),
        required=False,
    )

    def clean_phone(self) -> str:
        from edu_portal.interaction.actions import normalise_phone

        phone = normalise_phone(self.cleaned_data["phone"])
        if not 7 <= len(phone) <= 15:
            raise forms.ValidationError(_("Enter a phone number we can reach you at."))
        return phone


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Query code"), max_length=20)
    phone = forms.CharField(label=_("Phone"), max_length=20)


class RateForm(LookupForm):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False)


def departments():
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).order_by("path")


class DepartmentForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()


class AcceptForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department (optional: dispatch at once)"),
        queryset=OrgUnit.objects.none(),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


class DraftForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=10000, widget=forms.Textarea)


class ApproveForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=10000, widget=forms.Textarea)
    method = forms.ChoiceField(label=_("Give the answer"), choices=AnswerMethod.choices)
    publish = forms.BooleanField(label=_("Publish as a frequently asked question"), required=False)
    public_question = forms.CharField(
        label=_("Published question (the writer's details are removed)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea,
    )
    public_answer = forms.CharField(
        label=_("Published answer (empty: the answer)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea,
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Working days to add"),
        min_value=1,
        max_value=settings.LETTER_MAX_EXTENSION_DAYS,
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)
