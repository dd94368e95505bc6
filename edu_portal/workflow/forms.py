"""The review queue's filter form: text and submission dates for every model, plus the
choice filters the registered policies offer (``registry.FilterField``)."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edu_portal.workflow import registry

# Names the form itself uses; a policy's filter of the same name is ignored.
RESERVED = frozenset({"q", "submitted_from", "submitted_to", "page"})


def merge(fields: list[registry.FilterField]) -> list[registry.FilterField]:
    """One filter per name: the choices of several models together, in first-seen order."""
    merged: dict[str, registry.FilterField] = {}
    for field in fields:
        if field.name in RESERVED:
            continue
        known = merged.get(field.name)
        if known is None:
            merged[field.name] = field
            continue
        seen = {value for value, _label in known.choices}
        extra = tuple(choice for choice in field.choices if choice[0] not in seen)
        merged[field.name] = registry.FilterField(known.name, known.label, known.choices + extra)
    return list(merged.values())


class DateInput(forms.DateInput):
    input_type = "date"


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Title or uploader"), required=False, max_length=100)
    submitted_from = forms.DateField(
        label=gettext_lazy("Submitted from"), required=False, widget=DateInput
    )
    submitted_to = forms.DateField(
        label=gettext_lazy("Submitted until"), required=False, widget=DateInput
    )

    def __init__(self, data, filter_fields: list[registry.FilterField]):
        super().__init__(data)
        self.choice_names: list[str] = []
        for field in merge(filter_fields):
            if not field.choices:
                continue  # nothing to choose from in this queue
            self.fields[field.name] = forms.ChoiceField(
                label=field.label,
                required=False,
                choices=[("", _("All")), *field.choices],
            )
            self.choice_names.append(field.name)
        # Text first, then the choices, then the dates: the order people narrow a list by.
        self.order_fields(["q", *self.choice_names, "submitted_from", "submitted_to"])

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error(
                "submitted_to", _("The end date is before the start date: swap them, please.")
            )
        return data

    def active(self) -> bool:
        """Does the person narrow the queue at all? Valid values apply even when another
        field has an error, so they count too."""
        self.is_valid()
        return any(getattr(self, "cleaned_data", {}).values())

    def apply(self, policy: registry.Policy, queryset: QuerySet, own: set[str]) -> QuerySet:
        """``queryset`` narrowed by the valid values; ``own`` are the choice filters
        ``policy`` offers. A choice the model does not offer leaves all its items out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        choices = {name: data.get(name) for name in self.choice_names if data.get(name)}
        if any(name not in own for name in choices):
            return queryset.none()
        if choices:
            queryset = policy.filter_queryset(queryset, choices)
        if data.get("q"):
            queryset = policy.search_queryset(queryset, data["q"].strip())
        if data.get("submitted_from"):
            queryset = queryset.filter(submitted_at__date__gte=data["submitted_from"])
        if data.get("submitted_to"):
            queryset = queryset.filter(submitted_at__date__lte=data["submitted_to"])
        return queryset
