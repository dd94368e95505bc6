"""Query filters for the accounts API."""

from __future__ import annotations

import django_filters
from auditlog.models import LogEntry
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from edu_portal.accounts.serializers import ACTION_CODES

_ACTIONS_BY_CODE = {code: value for value, code in ACTION_CODES.items()}


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.NumberFilter(field_name="actor_id", label=_("Actor (user id)"))
    actor_username = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="iexact", label=_("Actor (username)")
    )
    action = django_filters.ChoiceFilter(
        choices=[(code, code) for code in _ACTIONS_BY_CODE],
        method="filter_action",
        label=_("Action"),
    )
    model = django_filters.CharFilter(
        method="filter_model", label=_("Model, as app_label.model or model (e.g. accounts.user)")
    )
    object_id = django_filters.CharFilter(field_name="object_pk", label=_("Object id"))
    ip = django_filters.CharFilter(field_name="remote_addr", label=_("Client IP address"))
    since = django_filters.IsoDateTimeFilter(
        field_name="timestamp", lookup_expr="gte", label=_("At or after (ISO 8601)")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="timestamp", lookup_expr="lte", label=_("At or before (ISO 8601)")
    )

    class Meta:
        model = LogEntry
        fields: list[str] = []

    def filter_action(self, queryset, name, value):
        return queryset.filter(action=_ACTIONS_BY_CODE[value]) if value else queryset

    def filter_model(self, queryset, name, value):
        value = value.strip().lower()
        if not value:
            return queryset
        if "." in value:
            app_label, _dot, model = value.partition(".")
            if not app_label or not model:
                raise ValidationError(
                    {"model": [_("Give the model as app_label.model, e.g. accounts.user.")]}
                )
            return queryset.filter(content_type__app_label=app_label, content_type__model=model)
        return queryset.filter(content_type__model=value)
