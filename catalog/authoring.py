"""The author's pages: "my resources" in every state, and the edit page where an uploader
answers "changes requested" by editing the details, replacing the file and resubmitting.

Thin views: the changes are made by ``catalog.actions`` (``update_resource``,
``replace_file``), which check, audit and queue the follow-up work; resubmitting is the
workflow's ``submit`` (``workflow:act``) with the author's note as its comment.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DateTimeField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from catalog import actions, kinds, policy, sources
from catalog.models import Licence, Resource, ResourceFile
from catalog.taxonomy import GRADE_CHOICES, Collection, Edition, Stage, Subject, TextbookNode
from edu_portal.access import Visibility
from edu_portal.storage import StorageUnavailable
from edu_portal.workflow.models import ReviewEvent, State, steps_of
from edu_portal.workflow.transitions import MAX_COMMENT, available_actions

PER_PAGE = 20
REMOVED = "removed"
STATE_FILTERS = (
    (State.DRAFT, State.DRAFT.label),
    (State.IN_REVIEW, State.IN_REVIEW.label),
    (State.CHANGES_REQUESTED, State.CHANGES_REQUESTED.label),
    (State.PUBLISHED, State.PUBLISHED.label),
    (State.WITHDRAWN, State.WITHDRAWN.label),
    (REMOVED, gettext_lazy("Removed")),
)
SORTS = {
    "changed": (gettext_lazy("Last changed"), ["-last_change", "-pk"]),
    "created": (gettext_lazy("Newest upload"), ["-created_at", "-pk"]),
    "title": (gettext_lazy("Title"), ["title", "pk"]),
}
BUTTONS = {
    "submit": gettext_lazy("Submit for review"),
    "withdraw": gettext_lazy("Withdraw"),
}


# --- my resources ------------------------------------------------------------------------------


def _with_last_change(queryset):
    """``last_change``: the latest of the row's own change, its latest review step (the
    workflow moves the state with an UPDATE that leaves ``updated_at`` alone) and its
    removal."""
    latest_step = (
        ReviewEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Resource),
            object_id=Cast(OuterRef("pk"), output_field=ReviewEvent._meta.get_field("object_id")),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return queryset.annotate(
        last_change=Greatest(
            F("updated_at"),
            Coalesce(Subquery(latest_step, output_field=DateTimeField()), F("updated_at")),
            Coalesce(F("deleted_at"), F("updated_at")),
        )
    )


def _state_filter(value: str) -> Q:
    if value == REMOVED:
        return Q(deleted_at__isnull=False)
    return Q(state=value, deleted_at__isnull=True)


def _counts(queryset) -> dict[str, int]:
    aggregates = {value: Count("pk", filter=_state_filter(value)) for value, _l in STATE_FILTERS}
    return queryset.aggregate(all=Count("pk"), **aggregates)


def _next_steps(user, resource: Resource) -> dict:
    """The edit link and the workflow buttons that apply to the resource now."""
    if resource.is_deleted:
        return {"edit_url": "", "buttons": []}
    editable = resource.state in actions.OWNER_EDITABLE_STATES
    names = [name for name in available_actions(user, resource) if name in BUTTONS]
    label = "catalog.resource"
    buttons = [
        {
            "name": name,
            "label": BUTTONS[name],
            "url": reverse("workflow:act", args=[label, resource.pk, name]),
        }
        for name in names
    ]
    return {
        "edit_url": reverse("catalog:edit", args=[resource.pk]) if editable else "",
        "buttons": buttons,
    }


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """``/resources/mine/``: everything the user uploaded, in every state, removed included."""
    own = Resource.objects.filter(uploader=request.user)
    counts = _counts(own)
    chosen = request.GET.get("state", "")
    if chosen not in dict(STATE_FILTERS):
        chosen = ""
    sort = request.GET.get("sort", "changed")
    if sort not in SORTS:
        sort = "changed"
    listed = own.filter(_state_filter(chosen)) if chosen else own
    listed = _with_last_change(listed.select_related("subject")).order_by(*SORTS[sort][1])
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {
            "resource": resource,
            "thumbnail": kinds.thumbnail_url(resource),
            "state": REMOVED if resource.is_deleted else resource.state,
            "state_label": _("Removed") if resource.is_deleted else resource.get_state_display(),
            **_next_steps(request.user, resource),
        }
        for resource in page.object_list
    ]

    def url(**changes) -> str:
        query = {"state": chosen, "sort": "" if sort == "changed" else sort, **changes}
        query = {key: value for key, value in query.items() if value}
        return f"?{urlencode(query)}" if query else request.path

    context = {
        "items": items,
        "page": page,
        "chosen": chosen,
        "filters": [
            {"value": "", "label": _("All"), "count": counts["all"], "url": url(state="")},
            *(
                {"value": value, "label": label, "count": counts[value], "url": url(state=value)}
                for value, label in STATE_FILTERS
            ),
        ],
        "sorts": [
            (name, label, url(sort=name), name == sort) for name, (label, _o) in SORTS.items()
        ],
        "prev_url": url(page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": url(page=page.next_page_number()) if page.has_next() else "",
    }
    return render(request, "catalog/mine.html", context)


# --- the edit page -----------------------------------------------------------------------------


def _split_tags(text: str) -> list[str]:
    for separator in ("，", "、", ";", "；"):
        text = text.replace(separator, ",")
    return [name.strip() for name in text.split(",") if name.strip()]


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, node: TextbookNode) -> str:
        return "　" * (node.depth - 1) + node.name


class ResourceForm(forms.Form):
    """The metadata an uploader may change (``actions.EDITABLE``) and the tags. Only the
    shape is checked here; the rules (taxonomy, kind, state) are the action's."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        max_length=actions.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kind = forms.ChoiceField(choices=Resource.Kind.choices)
    stage = forms.ChoiceField(required=False, choices=[("", "—"), *Stage.choices])
    grade = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *GRADE_CHOICES],
    )
    subject = forms.ModelChoiceField(
        required=False, queryset=Subject.objects.all(), empty_label="—"
    )
    edition = forms.ModelChoiceField(
        required=False, queryset=Edition.objects.all(), empty_label="—"
    )
    textbook_node = NodeChoiceField(
        required=False,
        queryset=TextbookNode.objects.all(),
        help_text=gettext_lazy(
            "The units and lessons of the textbook of the edition, subject and grade saved; "
            "choose those first and save to see them."
        ),
    )
    collection = forms.ModelChoiceField(
        required=False, queryset=Collection.objects.all(), empty_label="—"
    )
    licence = forms.ChoiceField(choices=Licence.choices)
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Separate tags with commas or “、”, e.g. 分数, 公开课."),
    )
    visibility = forms.ChoiceField(choices=Visibility.choices)

    def __init__(self, *args, resource: Resource, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The labels are the model's own (translated) field names.
        for name, field in self.fields.items():
            if name != "tags":
                field.label = capfirst(Resource._meta.get_field(name).verbose_name)
        # Listed: the nodes of the book(s) the saved taxonomy points at, and the current
        # one; any node is accepted (the action says when it does not fit).
        nodes = TextbookNode.objects.none()
        if resource.edition_id and resource.subject_id and resource.grade:
            nodes = TextbookNode.objects.filter(
                edition_id=resource.edition_id,
                subject_id=resource.subject_id,
                grade=resource.grade,
            )
        if resource.textbook_node_id:
            nodes = nodes | TextbookNode.objects.filter(pk=resource.textbook_node_id)
        field = self.fields["textbook_node"]
        field.choices = [("", "—")] + [
            (node.pk, field.label_from_instance(node)) for node in nodes.order_by("path")
        ]

    @staticmethod
    def initial_for(resource: Resource) -> dict:
        return {
            **{name: getattr(resource, name) for name in actions.EDITABLE},
            "stage": resource.stage,
            "tags": ", ".join(resource.tags.values_list("name", flat=True)),
        }

    def changes(self) -> tuple[dict, list[str]]:
        data = dict(self.cleaned_data)
        tags = _split_tags(data.pop("tags", ""))
        data["stage"] = data.get("stage") or ""
        return data, tags


def _report(form: forms.Form, error: ValidationError) -> None:
    """Put the action's refusal next to the field it names (else above the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _editable_resource(request: HttpRequest, pk: int) -> Resource | HttpResponse:
    """The resource if the user may manage it; a 410 page once removed; else "not found",
    so that nobody learns whether someone else's draft exists."""
    resource = get_object_or_404(
        Resource.objects.select_related("subject", "edition", "textbook_node", "collection"),
        pk=pk,
    )
    if not policy.can_manage(request.user, resource):
        raise policy.not_found()
    if resource.is_deleted:
        return render(request, "410.html", {"resource": resource}, status=410)
    return resource


def _latest_steps(resource: Resource, limit: int = 5) -> list[ReviewEvent]:
    return list(steps_of(resource).select_related("actor")[:limit])


def _edit_page(
    request: HttpRequest, resource: Resource, form: ResourceForm, file_error: str = "", status=200
) -> HttpResponse:
    workflow = available_actions(request.user, resource)
    original = resource.files.filter(role=ResourceFile.Role.ORIGINAL).select_related("blob")
    editable = resource.state in actions.OWNER_EDITABLE_STATES
    context = {
        "resource": resource,
        "form": form,
        "editable": editable,
        "original": original.first(),
        "picker": sources.picker(request) if editable else None,
        "replace_url": reverse("catalog:replace-file", args=[resource.pk]),
        "file_error": file_error,
        "can_submit": "submit" in workflow,
        "can_withdraw": "withdraw" in workflow,
        "resubmit": resource.state == State.CHANGES_REQUESTED,
        "submit_url": reverse("workflow:act", args=["catalog.resource", resource.pk, "submit"]),
        "withdraw_url": reverse("workflow:act", args=["catalog.resource", resource.pk, "withdraw"]),
        "max_comment": MAX_COMMENT,
        "steps": _latest_steps(resource),
    }
    return render(request, "catalog/edit.html", context, status=status)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """``/resources/<id>/edit/``: the details (GET shows, POST saves through the action)."""
    found = _editable_resource(request, pk)
    if isinstance(found, HttpResponse):
        return found
    resource = found
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    if request.method != "POST":
        form = ResourceForm(initial=ResourceForm.initial_for(resource), resource=resource)
        return _edit_page(request, resource, form)
    form = ResourceForm(request.POST, resource=resource)
    if form.is_valid():
        changes, tags = form.changes()
        try:
            actions.update_resource(request.user, resource, tags=tags, **changes)
        except PermissionDenied:
            raise policy.not_found() from None
        except ValidationError as error:
            _report(form, error)
        else:
            messages.success(request, _("The changes to “%(title)s” were saved.") % changes)
            return redirect("catalog:edit", pk=resource.pk)
    # The action changed nothing on refusal; show the page with the row as it is stored.
    resource.refresh_from_db()
    return _edit_page(request, resource, form, status=400)


@require_POST
@login_required
def replace_file(request: HttpRequest, pk: int) -> HttpResponse:
    """``/resources/<id>/replace/``: make a finished upload (``upload``: its address) the
    resource's file."""
    found = _editable_resource(request, pk)
    if isinstance(found, HttpResponse):
        return found
    resource = found
    problem = ""
    try:
        address = request.POST.get("upload", "").strip()
        if not address:
            raise ValidationError(_("Choose the new file first, then press “Upload and replace”."))
        actions.replace_file(request.user, resource, sources.resolve(request.user, address))
    except PermissionDenied as refusal:
        problem = str(refusal)
    except ValidationError as error:
        problem = " ".join(error.messages)
    except StorageUnavailable:
        problem = _("The file store is not answering; please try again in a few minutes.")
    if problem:
        resource.refresh_from_db()
        form = ResourceForm(initial=ResourceForm.initial_for(resource), resource=resource)
        return _edit_page(request, resource, form, file_error=problem, status=400)
    messages.success(
        request,
        _(
            "The file was replaced. It is being prepared again (preview or video); you can "
            "submit it for review now."
        ),
    )
    return redirect("catalog:edit", pk=resource.pk)
