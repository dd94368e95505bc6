"""The audit log in the admin, in the reader's language.

django-auditlog's own admin shows field names ("1 change: state"), raw values
("in_review"), model names ("roleassignment") and the object as it was named in the
language of the request that wrote the entry. This admin shows the fields' verbose names,
the choices' labels, the object type's verbose name and the object as it is called now.

Some entries record a change that is not a model field (``audit.log_event(resource,
{"download": ...})``); the app that writes them names them with
:func:`register_change_labels` (from its ``admin.py``), so this module needs no import
of the apps above it.
"""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

MAX_SUMMARY = 75

# (model, key) → label of a change that is not a field of the model.
_change_labels: dict[tuple[type[models.Model], str], object] = {}
# (model, key) → {stored value: label} for those changes' values.
_change_values: dict[tuple[type[models.Model], str], dict[str, object]] = {}

M2M_OPERATIONS = {"add": _("added"), "delete": _("removed"), "clear": _("cleared")}


def register_change_labels(
    model: type[models.Model],
    labels: dict[str, object],
    values: dict[str, dict[str, object]] | None = None,
) -> None:
    """Name the non-field keys ``model``'s audit entries use, and optionally their values."""
    for key, label in labels.items():
        _change_labels[(model, key)] = label
    for key, mapping in (values or {}).items():
        _change_values[(model, key)] = mapping


def _field(model, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def change_label(model, key: str) -> str:
    """What a changed key is called: the field's verbose name, or the registered label."""
    if model is not None and (model, key) in _change_labels:
        return str(capfirst(_change_labels[(model, key)]))
    field = _field(model, key)
    if field is not None and hasattr(field, "verbose_name"):
        return str(capfirst(field.verbose_name))
    return key


def change_value(model, key: str, value) -> str:
    """A stored value as people read it: a choice's label, a related object's name."""
    if value is None or value == "None":
        return "—"
    text = str(value)
    mapping = _change_values.get((model, key))
    if mapping and text in mapping:
        return str(mapping[text])
    field = _field(model, key)
    if isinstance(field, models.BooleanField) and text in ("True", "False"):
        return gettext("Yes") if text == "True" else gettext("No")
    choices = dict(getattr(field, "flatchoices", None) or ())
    if choices:
        for stored, label in choices.items():
            if str(stored) == text:
                return str(label)
        return text
    # Related objects are stored by name (AUDITLOG_USE_FK_STRING_REPRESENTATION).
    return text


def _model_of(entry: LogEntry):
    return entry.content_type.model_class() if entry.content_type_id else None


def change_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(label, before, after) of each change of ``entry``, in label order."""
    model = _model_of(entry)
    rows = []
    for key, change in (entry.changes_dict or {}).items():
        label = change_label(model, key)
        if key == "password":
            rows.append((label, "***", "***"))
        elif isinstance(change, dict) and change.get("type") == "m2m":
            operation = str(M2M_OPERATIONS.get(change.get("operation"), change.get("operation")))
            objects = ", ".join(str(obj) for obj in change.get("objects", ()))
            rows.append((label, operation, objects))
        elif isinstance(change, list | tuple) and len(change) == 2:
            before, after = change
            rows.append((label, change_value(model, key, before), change_value(model, key, after)))
    return sorted(rows)


class ObjectTypeFilter(admin.SimpleListFilter):
    """Auditlog's type filter lists model names ("roleassignment"); this, verbose names."""

    title = _("object type")
    parameter_name = "resource_type"

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).values_list("content_type_id", flat=True)
        types = ContentType.objects.filter(pk__in=ids.distinct().order_by())
        labels = []
        for content_type in types:
            model = content_type.model_class()
            name = model._meta.verbose_name if model else content_type.model
            labels.append((str(content_type.pk), capfirst(name)))
        return sorted(labels, key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(content_type_id=self.value())


class AuditEventAdmin(AuditlogLogEntryAdmin):
    list_display = [
        "created",
        "resource_url",
        "action",
        "msg_short",
        "user_url",
        "remote_addr",
    ]
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ObjectTypeFilter,
        CIDFilter,
        "timestamp",
    ]
    search_fields = [*AuditlogLogEntryAdmin.search_fields, "remote_addr", "object_pk"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "remote_addr", "resource_url", "cid"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
    ]
    readonly_fields = [*AuditlogLogEntryAdmin.readonly_fields, "remote_addr"]

    @admin.display(description=_("time"), ordering="timestamp")
    def created(self, obj: LogEntry):
        return super().created(obj)

    @admin.display(description=_("changed by"))
    def user_url(self, obj: LogEntry):
        if obj.actor is None:
            return gettext("system")
        return super().user_url(obj)

    @admin.display(description=_("object"))
    def resource_url(self, obj: LogEntry):
        """The object by its name now (``object_repr`` is in the language of the request
        that wrote the entry, and stale after a rename); the stored name once it is gone."""
        model = _model_of(obj)
        kind = capfirst(model._meta.verbose_name) if model else obj.content_type.model
        name = obj.object_repr
        target = None
        if model is not None:
            target = model._default_manager.filter(pk=obj.object_id or obj.object_pk).first()
        if target is None:
            return format_html("{} - {}", kind, name)
        try:
            link = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[target.pk],
            )
        except NoReverseMatch:
            return format_html("{} - {}", kind, target)
        return format_html('<a href="{}">{} - {}</a>', link, kind, target)

    @admin.display(description=_("changes"))
    def msg_short(self, obj: LogEntry) -> str:
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        labels = [label for label, _before, _after in change_rows(obj)]
        if not labels:
            return ""
        fields = pgettext("list separator", ", ").join(labels)
        if len(fields) > MAX_SUMMARY:
            fields = fields[:MAX_SUMMARY] + "…"
        return ngettext(
            "%(count)d change: %(fields)s", "%(count)d changes: %(fields)s", len(labels)
        ) % {"count": len(labels), "fields": fields}

    @admin.display(description=_("changes"))
    def msg(self, obj: LogEntry) -> str:
        rows = change_rows(obj)
        if not rows:
            return ""
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            capfirst(gettext("field")),
            capfirst(gettext("before")),
            capfirst(gettext("after")),
        )
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", ((a, b, c) for a, b, c in rows)
        )
        return format_html("<table>{}{}</table>", head, body)
