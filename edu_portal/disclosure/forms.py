"""The fields of an application (Art. 29), checked the same way for the public form, the
staff registration page and the API."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edu_portal.accounts.models import User
from edu_portal.accounts.roles import ROLE_PERMISSIONS, role_grants
from edu_portal.disclosure.models import (
    ApplicantType,
    Application,
    Channel,
    ClockEvent,
    Delivery,
    IdType,
    Outcome,
)

HANDLE = "disclosure.handle"
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_valid(number: str) -> bool:
    """An 18-character resident ID with a correct check character (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[-1]


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


class ApplicationFields(forms.ModelForm):
    """What an applicant states; ``received_on`` and ``channel`` only for staff."""

    class Meta:
        model = Application
        fields = [
            "applicant_type",
            "applicant_name",
            "id_type",
            "id_number",
            "phone",
            "email",
            "address",
            "postcode",
            "legal_representative",
            "contact_name",
            "description",
            "form",
            "delivery",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "applicant_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }
        help_texts = {
            "description": _(
                "Name the information: its title, document number (文号) or other features "
                "that identify it."
            ),
            "applicant_name": _("For an organisation: its full name."),
            "legal_representative": _("Organisations only."),
            "contact_name": _("Organisations only."),
        }

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"].strip().upper().replace(" ", "")
        if self.cleaned_data.get("id_type") == IdType.RESIDENT_ID and not resident_id_valid(number):
            raise ValidationError(_("This is not a valid resident identity card number."))
        return number

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError(_("Enter a phone number of digits (7 to 20 characters)."))
        return phone

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if len(text) < 5:
            raise ValidationError(_("Describe the information you ask for."))
        if len(text) > 5000:
            raise ValidationError(_("Keep the description under 5000 characters."))
        return text

    def clean(self):
        data = super().clean()
        kind = data.get("applicant_type")
        if kind and kind != ApplicantType.NATURAL_PERSON and not data.get("contact_name"):
            self.add_error("contact_name", _("An organisation names its contact person."))
        if data.get("delivery") == Delivery.POST and not data.get("address"):
            self.add_error("address", _("Give the postal address to send the reply to."))
        if data.get("delivery") == Delivery.EMAIL and not data.get("email"):
            self.add_error("email", _("Give the e-mail address to send the reply to."))
        return data


class RegistrationFields(ApplicationFields):
    """Staff registering an application received in person, by post or by fax."""

    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[(c.value, c.label) for c in Channel if c != Channel.ONLINE],
    )
    received_on = forms.DateField(
        label=_("received on"),
        help_text=_(
            "In person: the day handed in; registered post: the day signed for; ordinary "
            "letter or fax: the day receipt was confirmed with the applicant."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta(ApplicationFields.Meta):
        pass

    def __init__(self, *args, allow_online: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if allow_online:
            self.fields["channel"].choices = Channel.choices

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date of receipt cannot be in the future."))
        if (timezone.localdate() - day).days > 366:
            raise ValidationError(_("The date of receipt is more than a year ago."))
        return day


class EventFields(forms.Form):
    type = forms.ChoiceField(label=_("event"), choices=ClockEvent.Type.choices)
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[("", "—"), *Outcome.choices], required=False
    )
    days = forms.IntegerField(label=_("working days"), required=False, min_value=1, max_value=20)
    approver = forms.ModelChoiceField(
        label=_("approved by"), queryset=User.objects.none(), required=False
    )
    reply_text = forms.CharField(
        label=_("reply"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

    def __init__(self, *args, api: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers()
        if api:  # outside tools post the six event types of the interface
            self.fields["type"].choices = [(t.value, t.label) for t in ClockEvent.API_TYPES]


def approvers():
    """Who may approve an extension: active holders of the handling permission."""
    roles = [role for role in ROLE_PERMISSIONS if role_grants(role, HANDLE)]
    return (
        User.objects.filter(
            Q(is_superuser=True) | Q(role_assignments__role__in=roles), is_active=True
        )
        .distinct()
        .order_by("username")
    )


class LookupFields(forms.Form):
    code = forms.CharField(label=_("query code"), max_length=40)
    phone = forms.CharField(label=_("phone"), max_length=30)

    def clean_code(self) -> str:
        return re.sub(r"[\s\-]", "", self.cleaned_data["code"]).upper()
