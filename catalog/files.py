"""Downloads and previews of catalog resources, after the access policy.

Downloads redirect to a short-lived link of the object store (byte ranges are served by
the store, so interrupted downloads resume); each is counted and audited once, not again
for the resumed ranges of the same download. Previews (PDF) are served here with ranges,
from our own origin, because pdf.js fetches them with range requests.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_safe

from catalog import actions, kinds, policy
from catalog.models import Resource, ResourceFile
from edu_portal.access import binding
from edu_portal.storage import StorageUnavailable, get_storage
from edu_portal.storage.serving import serve_stored


def _resource_file(
    request: HttpRequest, pk: int, require, role: str
) -> tuple[Resource, ResourceFile | None] | HttpResponse:
    """The resource (a 410 page once deleted), checked by the policy's ``require``, and
    its file of ``role`` if it has one."""
    resource = get_object_or_404(Resource, pk=pk)
    if resource.is_deleted:
        return render(request, "410.html", {"resource": resource}, status=410)
    require(request, resource)
    return resource, resource.files.select_related("blob").filter(role=role).first()


def _is_resumed(request: HttpRequest) -> bool:
    """A Range that does not start at byte 0 continues a download already counted."""
    header = request.META.get("HTTP_RANGE", "").replace(" ", "")
    return header.startswith("bytes=") and not header.startswith("bytes=0-")


def _download_name(resource: Resource, original: ResourceFile | None) -> str:
    if original and original.filename:
        return original.filename
    if resource.source_filename:
        return resource.source_filename
    return get_valid_filename(resource.title) or f"resource-{resource.pk}"


@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponse:
    found = _resource_file(request, pk, policy.require_download, ResourceFile.Role.ORIGINAL)
    if isinstance(found, HttpResponse):
        return found
    resource, original = found
    key = original.blob.key if original else resource.source_key
    if not key:
        raise Http404("This resource has no file to download.")
    try:
        url = get_storage().presigned_get(
            key,
            settings.SIGNED_URL_TTL,
            filename=_download_name(resource, original),
            bind=binding(request),
        )
    except StorageUnavailable:
        response = HttpResponse(status=503)
        response["Retry-After"] = "30"
        return response
    if request.method == "GET" and not _is_resumed(request):
        actions.record_download(resource, "original", user=request.user)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    found = _resource_file(request, pk, policy.require_view, ResourceFile.Role.PREVIEW)
    if isinstance(found, HttpResponse):
        return found
    resource, file = found
    if file is None or resource.preview_state != Resource.Preview.READY:
        raise Http404("This resource has no preview.")
    return serve_stored(request, file.blob.key, cache_control="private, max-age=300")


@require_safe
def thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """The small image of a resource in lists (PDF first page, video poster, e-book cover
    as the kind decides), to those who may view the resource."""
    resource = get_object_or_404(Resource, pk=pk, deleted_at__isnull=True)
    policy.require_view(request, resource)
    key = kinds.thumbnail_key(resource)
    if not key:
        raise Http404("This resource has no thumbnail.")
    # The URL carries the key's digest (kinds.KindHandler.thumbnail_url): a new image gets
    # a new URL, so the browser may keep this one for a day.
    return serve_stored(request, key, cache_control="private, max-age=86400")
