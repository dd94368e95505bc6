"""The catalog's pages: the resource list (browse and search) and a resource's own page.

Thin: the list is assembled in ``catalog.browse``, related resources in
``catalog.related``, access decisions in ``catalog.policy``.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from catalog import actions, audience, browse, kinds, policy
from catalog.models import Resource, ResourceFile
from catalog.related import related
from edu_portal.access import AccessDenied
from edu_portal.workflow.transitions import available_actions

SORT_LABELS = {
    "relevance": gettext_lazy("Best match"),
    "newest": gettext_lazy("Newest"),
    "downloads": gettext_lazy("Most downloaded"),
}

FACET_TITLES = {
    "kind": gettext_lazy("Type"),
    "stage": gettext_lazy("Stage"),
    "grade": gettext_lazy("Grade"),
    "subject": gettext_lazy("Subject"),
    "collection": gettext_lazy("Collection"),
}


def _list_page(request: HttpRequest, fixed: dict | None = None) -> HttpResponse:
    params = browse.parse(request.GET, fixed=fixed, favour=audience.favour_for(request.user))
    labels = browse.Labels()
    found = browse.results(request, params, labels)
    steps = None if params.text else browse.steps(request, params, labels)
    chosen = [
        (labels.of(name, value), params.url(**{name: [v for v in values if v != value]}))
        for name, values in params.filters.items()
        if name not in params.fixed
        for value in values
    ]
    if params.tag:
        chosen.append((f"#{params.tag}", params.url(tag=None)))
    if params.node is not None and params.text:
        chosen.append((params.node.name, params.url(node=None)))
    sorts = [s for s in browse.SORTS if s != "relevance" or params.text]
    empty_catalog = not params.has_filters and not found.total and not found.unavailable
    context = {
        "params": params,
        "found": found,
        "steps": steps,
        "chosen": chosen,
        "clear_url": params.url(**{name: None for name in browse.MULTI}, node=None, tag=None),
        "facet_groups": [
            (name, FACET_TITLES.get(name, name), values) for name, values in found.facets.items()
        ],
        # While a student's grade comes first no sort is current: each one is the way out.
        "sorts": [
            (s, SORT_LABELS[s], params.url(sort=s), s == params.sort and not params.favour)
            for s in sorts
        ],
        "favour": params.favour,
        "favour_only_url": params.url(grade=[str(params.favour.grade)]) if params.favour else "",
        "favour_off_url": params.url(sort=params.sort) if params.favour else "",
        "page_links": browse.page_links(params, params.page, found.pages),
        "prev_url": params.url(page=params.page - 1 if params.page > 2 else None)
        if params.page > 1
        else "",
        "next_url": params.url(page=params.page + 1) if params.page < found.pages else "",
        "empty_catalog": empty_catalog,
        # A new search keeps the filters chosen (shown as removable chips).
        "hidden_filters": params.pairs(q=None, page=None, sort=None),
    }
    return render(request, "catalog/list.html", context)


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    """``/resources/``: browse by stage, grade, subject and textbook, or search."""
    return _list_page(request)


@require_safe
def videos(request: HttpRequest) -> HttpResponse:
    """``/videos/``: the same list, videos only."""
    return _list_page(request, fixed={"kind": [Resource.Kind.VIDEO]})


# --- one resource ------------------------------------------------------------------------------

TYPE_NAMES = {
    ".pdf": "PDF",
    ".ppt": "PowerPoint",
    ".pptx": "PowerPoint",
    ".doc": "Word",
    ".docx": "Word",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".wps": "WPS",
    ".mp4": "MP4",
    ".mp3": "MP3",
    ".zip": "ZIP",
    ".epub": "EPUB",
}


def _type_name(filename: str, content_type: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix in TYPE_NAMES:
        return TYPE_NAMES[suffix]
    guessed = mimetypes.guess_extension(content_type or "") or suffix
    return (guessed or "").lstrip(".").upper() or _("File")


def _trail(resource: Resource) -> list[tuple[str, str]]:
    """Stage › grade › subject › book › unit › lesson, each a link to that list."""
    params = browse.Params()
    trail: list[tuple[str, str]] = []
    chosen: dict[str, object] = {}
    if resource.stage:
        chosen["stage"] = resource.stage
        trail.append((resource.get_stage_display(), params.url(**chosen)))
    if resource.grade:
        chosen["grade"] = str(resource.grade)
        trail.append((resource.get_grade_display(), params.url(**chosen)))
    if resource.subject_id:
        chosen["subject"] = resource.subject.code
        trail.append((resource.subject.name, params.url(**chosen)))
    if resource.textbook_node_id:
        for node in resource.textbook_node.trail():
            label = f"{node.edition.name} · {node.name}" if node.is_root() else node.name
            trail.append((label, params.url(**chosen, node=str(node.pk))))
    return trail


def _download(request: HttpRequest, resource: Resource) -> dict:
    """The download button, or the sentence saying why there is none."""
    try:
        policy.require_download(request, resource)
    except AccessDenied as refusal:
        return {"refusal": refusal.message, "hint": refusal.hint, "code": refusal.code}
    links = [(reverse("resource-download", args=[resource.pk]), _("Download"))]
    links += kinds.handler_for(resource.kind).download_links(resource)
    return {"links": links}


def _workflow_actions(request: HttpRequest, resource: Resource) -> list[str]:
    try:
        return available_actions(request.user, resource)
    except LookupError:  # resources not registered with the workflow (some test setups)
        return []


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``/resources/<id>/``: what it is, a preview or the player, download, related."""
    resource = get_object_or_404(
        Resource.objects.select_related(
            "subject", "edition", "collection", "uploader", "org_unit", "textbook_node"
        ),
        pk=pk,
    )
    if resource.is_deleted:
        return render(request, "410.html", status=410)
    policy.require_view(request, resource)
    if resource.is_published:
        actions.record_view(resource)
        resource.view_count += 1
    files = [
        {
            "name": item.filename,
            "size": item.blob.size,
            "type": _type_name(item.filename, item.blob.content_type),
        }
        for item in resource.files.filter(role=ResourceFile.Role.ORIGINAL).select_related("blob")
    ]
    workflow = _workflow_actions(request, resource)
    context = {
        "resource": resource,
        "trail": _trail(resource),
        "tags": [(tag.name, browse.Params().url(tag=tag.name)) for tag in resource.tags.all()],
        "files": files,
        "download": _download(request, resource),
        "pdf_url": reverse("resource-preview", args=[resource.pk]),
        "player": None,
        "watch_url": kinds.link(resource, "watch"),
        "read_url": kinds.link(resource, "read"),
        "can_submit": "submit" in workflow,
        "submit_url": reverse("workflow:act", args=["catalog.resource", resource.pk, "submit"]),
        "show_comment": bool(resource.review_comment) and policy.can_manage(request.user, resource),
        # The uploader's way to the edit page (catalog.authoring), in every state.
        "edit_url": reverse("catalog:edit", args=[resource.pk])
        if policy.can_manage(request.user, resource)
        else "",
        "related": related(request, resource),
    }
    if not resource.is_deleted:
        context.update(kinds.handler_for(resource.kind).detail_context(request, resource))
    return render(request, "catalog/detail.html", context)
