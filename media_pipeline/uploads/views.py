"""tus endpoints at /api/v1/uploads/ and the upload page for teachers.

The views only translate between HTTP and media_pipeline.uploads.actions: headers in,
headers out. Request bodies are never parsed: a PATCH body is streamed by the action
layer straight from ``request.stream`` into the object store.
"""

from __future__ import annotations

import io
import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import http_date
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import filetypes
from catalog.actions import MAX_TAGS
from catalog.models import Collection, Licence, Resource, TextbookNode
from edu_portal.access import AccessDenied, Visibility
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.permissions import ScopedPermission, has_perm
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.storage import StorageError, StorageUnavailable
from media_pipeline.models import Upload
from media_pipeline.processing.models import ProcessingJob
from media_pipeline.uploads import actions, tus
from media_pipeline.uploads.tus import TusError

logger = logging.getLogger(__name__)

#: Size of the PATCH requests the upload page sends: below nginx's client_max_body_size
#: (deploy/nginx/edu-portal.conf, 64m), and a multiple of the S3 part size (8 MiB) so that
#: a request that ends normally leaves no staging tail to save and read back.
PAGE_CHUNK_SIZE = 48 << 20


class OffsetStreamParser(BaseParser):
    """Accepts tus bodies without reading them.

    DRF parses the body whenever ``request.POST`` is asked for -- which the CSRF check of
    session authentication does for every POST, including creation-with-upload. Parsing
    here returns nothing, so the bytes stay in the stream for the action layer.
    """

    media_type = tus.OFFSET_CONTENT_TYPE

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return {}


class JSONOnly(BaseContentNegotiation):
    """Whatever a client sends, never parse its body (no 415 from DRF; the views check
    Content-Type themselves) and answer in JSON (no 406)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CanUpload(ScopedPermission):
    perm = actions.PERMISSION
    message = gettext_lazy(
        "Your account is not allowed to upload files. Ask your school administrator if you need to."
    )

    def has_permission(self, request, view) -> bool:
        # Discovery (OPTIONS) tells nothing about anyone's uploads.
        return request.method == "OPTIONS" or super().has_permission(request, view)


def _expires(upload: Upload) -> dict[str, str]:
    if upload.status != Upload.Status.RECEIVING:
        return {}
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


def _content_length(request: Request) -> int | None:
    return tus.parse_int(request.META.get("CONTENT_LENGTH") or None, "Content-Length")


def _body(request: Request):
    return request.stream or io.BytesIO()


class UploadSerializer(serializers.Serializer):
    """What ``GET /api/v1/uploads/<id>`` says about an upload (output only)."""

    id = serializers.UUIDField()
    url = serializers.URLField()
    filename = serializers.CharField()
    filetype = serializers.CharField()
    length = serializers.IntegerField()
    offset = serializers.IntegerField()
    # A plain string: a ChoiceField would become an OpenAPI enum named after the field,
    # colliding with other "status" enums of the portal.
    status = serializers.CharField(help_text="receiving, assembling, complete or expired")
    sha256 = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


def _header(name: str, description: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
    )


_TUS_RESUMABLE = _header("Tus-Resumable", "Always 1.0.0.", required=True)
_CHECKSUM = _header("Upload-Checksum", "`sha1|sha256|md5 <base64 digest>` of this body.")
_ERROR = OpenApiResponse(ErrorSerializer)
_BODY = {tus.OFFSET_CONTENT_TYPE: OpenApiTypes.BINARY}


class TusView(ActionAPIView):
    """Token authentication first (401 with a Token challenge for scripts), then the
    page's session; audit context and action errors as every API view of the portal."""

    parser_classes = [OffsetStreamParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly
    permission_classes = [CanUpload]
    #: Methods outside tus that need no Tus-Resumable header.
    plain_methods = {"OPTIONS", "GET"}

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        # tus-js-client's overridePatchMethod, for proxies that only pass GET and POST.
        override = request.META.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper()
        if request.method == "POST" and override in {"PATCH", "DELETE", "HEAD"}:
            request.method = override
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args, **kwargs) -> None:
        if request.method not in self.plain_methods:
            version = request.META.get("HTTP_TUS_RESUMABLE")
            if version not in tus.SUPPORTED_VERSIONS:
                raise TusError(
                    412,
                    "tus_version",
                    _(
                        "Your upload program speaks a version of the tus protocol this server "
                        "does not support; the server speaks %(version)s. Please update the "
                        "program, or use the upload page of the portal."
                    )
                    % {"version": tus.TUS_VERSION},
                    {"Tus-Version": ",".join(tus.SUPPORTED_VERSIONS)},
                )
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, TusError):
            body = {"detail": exc.detail, "code": exc.code}
            return Response(body, status=exc.status, headers=exc.headers)
        if isinstance(exc, StorageUnavailable):
            logger.warning("object store unavailable during upload: %s", exc)
            body = {
                "detail": _(
                    "File storage is busy or unavailable right now. The upload will continue "
                    "by itself; if it does not, try again in a few minutes."
                ),
                "code": "storage_unavailable",
            }
            return Response(body, status=503, headers={"Retry-After": "30"})
        if isinstance(exc, StorageError):
            logger.error("upload storage failed", exc_info=exc)
            body = {
                "detail": _(
                    "The file could not be stored because of a problem on the server. Please "
                    "try again later; if this keeps happening, tell your administrator."
                ),
                "code": "storage_error",
            }
            return Response(body, status=500)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = tus.TUS_VERSION
        response["Cache-Control"] = "no-store"
        if request.method == "HEAD" and isinstance(response, Response):
            response.data = None  # HEAD answers never have a body, errors included
        return response

    @extend_schema(exclude=True)
    def options(self, request: Request, *args, **kwargs) -> Response:
        return Response(
            status=204,
            headers={
                "Tus-Version": ",".join(tus.SUPPORTED_VERSIONS),
                "Tus-Extension": ",".join(tus.EXTENSIONS),
                "Tus-Max-Size": str(settings.UPLOAD_MAX_BYTES),
                "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
            },
        )


class UploadCollectionView(TusView):
    """POST creates an upload (tus creation, creation-with-upload)."""

    @extend_schema(
        summary="Start a resumable (tus 1.0.0) upload",
        description=(
            "tus creation; the body may carry the first bytes (creation-with-upload). "
            "OPTIONS on this URL lists the supported extensions and limits."
        ),
        parameters=[
            _TUS_RESUMABLE,
            _header("Upload-Length", "Size of the whole file in bytes.", required=True),
            _header("Upload-Metadata", "`filename <base64>,filetype <base64>`."),
            _CHECKSUM,
        ],
        request=_BODY,
        responses={201: None, 400: _ERROR, 401: _ERROR, 403: _ERROR, 413: _ERROR, 415: _ERROR},
    )
    def post(self, request: Request) -> Response:
        length = tus.parse_int(request.META.get("HTTP_UPLOAD_LENGTH"), "Upload-Length")
        metadata = tus.parse_metadata(request.META.get("HTTP_UPLOAD_METADATA"))
        upload = actions.create_upload(request.user, length=length, metadata=metadata)
        location = reverse("uploads:detail", kwargs={"pk": upload.pk})
        headers = {"Location": location}
        body_length = _content_length(request) or 0
        if body_length and filetypes.normalise(request.content_type) == tus.OFFSET_CONTENT_TYPE:
            checksum = tus.parse_checksum(request.META.get("HTTP_UPLOAD_CHECKSUM"))
            try:
                upload = actions.append(
                    upload, _body(request), offset=0, length=body_length, checksum=checksum
                )
            except TusError as exc:
                exc.headers.setdefault("Location", location)
                raise
            headers["Upload-Offset"] = str(upload.offset)
        headers.update(_expires(upload))
        return Response(status=201, headers=headers)


class UploadDetailView(TusView):
    """HEAD / PATCH / DELETE of one upload (tus core, termination); GET describes it."""

    @extend_schema(exclude=True)  # tus HEAD: Upload-Offset and Upload-Length headers
    def head(self, request: Request, pk: uuid.UUID) -> Response:
        upload = actions.get_live_upload(request.user, pk)
        upload = actions.finish_if_assembling(upload)
        headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length)}
        if upload.metadata:
            headers["Upload-Metadata"] = tus.encode_metadata(upload.metadata)
        headers.update(_expires(upload))
        return Response(status=200, headers=headers)

    @extend_schema(
        summary="Append bytes to an upload",
        description="tus core PATCH: the body continues the file at Upload-Offset.",
        parameters=[
            _TUS_RESUMABLE,
            _header("Upload-Offset", "Bytes the server has (from HEAD).", required=True),
            _CHECKSUM,
        ],
        request=_BODY,
        responses={
            204: None,
            **{code: _ERROR for code in (400, 401, 404, 409, 410, 413, 415, 423, 460)},
        },
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        upload = actions.get_live_upload(request.user, pk)
        if filetypes.normalise(request.content_type) != tus.OFFSET_CONTENT_TYPE:
            raise TusError(
                415,
                "wrong_content_type",
                _("Upload data must be sent as %(type)s.") % {"type": tus.OFFSET_CONTENT_TYPE},
            )
        offset = tus.parse_int(request.META.get("HTTP_UPLOAD_OFFSET"), "Upload-Offset")
        if offset is None:
            raise TusError(
                400, "offset_required", _("The upload did not say where this part belongs.")
            )
        length = _content_length(request)
        if length is None:
            raise TusError(
                411, "length_required", _("The size of this part (Content-Length) is missing.")
            )
        checksum = tus.parse_checksum(request.META.get("HTTP_UPLOAD_CHECKSUM"))
        upload = actions.append(
            upload, _body(request), offset=offset, length=length, checksum=checksum
        )
        headers = {"Upload-Offset": str(upload.offset), **_expires(upload)}
        return Response(status=204, headers=headers)

    @extend_schema(
        summary="Cancel an upload and delete what was stored (tus termination)",
        parameters=[_TUS_RESUMABLE],
        responses={204: None, 401: _ERROR, 404: _ERROR, 423: _ERROR},
    )
    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        actions.terminate(actions.get_upload(request.user, pk))
        return Response(status=204)

    @extend_schema(
        summary="How far an upload is, and its SHA-256 once complete",
        responses={200: UploadSerializer, 401: _ERROR, 404: _ERROR},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        upload = actions.get_upload(request.user, pk)
        return Response(UploadSerializer(describe(request, upload)).data)


def _expires_at(upload: Upload):
    """When an unfinished upload expires, or a complete one not yet used is removed."""
    if upload.status == Upload.Status.RECEIVING:
        return upload.expires_at
    if upload.status == Upload.Status.COMPLETE and upload.completed_at is not None:
        return actions.unused_expiry_from(upload.completed_at)
    return None


def describe(request, upload: Upload) -> dict:
    expired = actions.is_expired(upload)
    return {
        "id": str(upload.pk),
        "url": request.build_absolute_uri(reverse("uploads:detail", kwargs={"pk": upload.pk})),
        "filename": upload.filename,
        "filetype": upload.filetype,
        "length": upload.length,
        "offset": upload.offset,
        "status": Upload.Status.EXPIRED if expired else upload.status,
        "sha256": upload.sha256 or None,
        "created_at": upload.created_at,
        "expires_at": _expires_at(upload),
        "completed_at": upload.completed_at,
    }


# --- the page -------------------------------------------------------------------------------


#: Where a teacher's own upload goes unless they choose another collection.
DEFAULT_COLLECTION = "local"
MAX_TAG_LENGTH = 40  # catalog.api.serializers.TaxonomyFields.tags

#: The kind a file of this extension most likely is; video, audio and images by type.
KIND_BY_EXTENSION = {
    "ppt": Resource.Kind.COURSEWARE,
    "pps": Resource.Kind.COURSEWARE,
    "pptx": Resource.Kind.COURSEWARE,
    "ppsx": Resource.Kind.COURSEWARE,
    "doc": Resource.Kind.DOCUMENT,
    "docx": Resource.Kind.DOCUMENT,
    "xls": Resource.Kind.EXERCISE,
    "xlsx": Resource.Kind.EXERCISE,
    "pdf": Resource.Kind.DOCUMENT,
    "txt": Resource.Kind.DOCUMENT,
    "zip": Resource.Kind.PACKAGE,
    "epub": Resource.Kind.EBOOK,
}
KIND_BY_FAMILY = {
    "video": Resource.Kind.VIDEO,
    "audio": Resource.Kind.AUDIO,
    "image": Resource.Kind.IMAGE,
}


def _kind_hints(extensions: list[str]) -> dict[str, str]:
    hints = {}
    for dotted in extensions:
        ext = dotted.lstrip(".")
        family = filetypes.EXTENSIONS.get(ext, "").split("/")[0]
        kind = KIND_BY_EXTENSION.get(ext) or KIND_BY_FAMILY.get(family)
        if kind:
            hints[ext] = str(kind)
    return hints


def allowed_extensions() -> list[str]:
    """The dotted extensions of the file types uploads accept, for the picker's ``accept``."""
    allowed = settings.UPLOAD_ALLOWED_TYPES
    return sorted(
        f".{ext}"
        for ext, mime in filetypes.EXTENSIONS.items()
        if filetypes.is_allowed(mime, allowed)
    )


def transfer_text(done: str) -> dict[str, str]:
    """The sentences of upload-transfer.js, translated here (nothing untranslated in JS);
    ``done`` is what the page says once the file is sent."""
    return {
        "chooseFile": _("Please choose a file first."),
        "emptyFile": _("This file is empty. Please choose another file."),
        "tooLarge": _("This file is %(size)s; files can be at most %(limit)s.")
        % {"size": "{size}", "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
        "starting": _("Starting the upload…"),
        "resuming": _("Continuing an earlier upload of this file…"),
        "progress": _("{done} of {total} sent ({percent}%)"),
        "paused": _("Paused. Press “Resume” to continue from where it stopped."),
        "done": done,
        "retrying": _("The connection was interrupted; trying again…"),
        "signedOut": _("You have been signed out. Please sign in again and resume the upload."),
        "gone": _("This upload no longer exists on the server. Please start it again."),
        "serverError": _("The server could not take the file right now. Please try again later."),
        "network": _(
            "The connection to the server was lost. Check your network, then press “Resume”."
        ),
        "leave": _("An upload is in progress. Leave this page anyway?"),
    }


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, actions.PERMISSION):
        raise AccessDenied(
            "upload_not_allowed",
            _("Your account is not allowed to upload files."),
            _("Ask your school administrator to give you the teacher role if you need to."),
        )
    extensions = allowed_extensions()
    text = transfer_text(_("Upload complete."))
    text.update(
        {
            "choose": _("— choose —"),
            "loading": _("Loading…"),
            "noBooks": _("No textbooks are listed for this choice."),
            "taxonomyFailed": _(
                "The lists of stages, subjects and textbooks could not be loaded. You can "
                "still upload; add them later on the resource page."
            ),
            "fixFields": _("Please correct the fields marked below."),
            "tooManyTags": _("At most %(count)d tags, please.") % {"count": MAX_TAGS},
            "tagTooLong": _("A tag can be at most %(count)d characters long.")
            % {"count": MAX_TAG_LENGTH},
            "kindMedia": _("This is a video or audio file: choose the kind “Video” or “Audio”."),
            "kindNotMedia": _(
                "Only video or audio files can be published as a video or audio resource."
            ),
            "inReview": _("Submitted for review. It is published once a reviewer approves it."),
            "draft": _(
                "Saved as a draft: only you can see it until you submit it for review on "
                "the resource page."
            ),
            "previewPending": _("The resource has been saved. Its preview is being prepared."),
        }
    )
    node_labels = dict(TextbookNode.Kind.choices)
    field_names = (
        "title",
        "description",
        "kind",
        "visibility",
        "stage",
        "grade",
        "subject",
        "edition",
        "collection",
        "licence",
        "tags",
    )
    context = {
        "endpoint": reverse("uploads:collection"),
        "resources_endpoint": reverse("api-resources"),
        "taxonomy_endpoint": reverse("api-taxonomy"),
        "nodes_endpoint": reverse("api-taxonomy-nodes"),
        "kinds": Resource.Kind.choices,
        "default_kind": Resource.Kind.COURSEWARE,
        # The form's labels are the model's own (translated) field names.
        "labels": {
            **{name: capfirst(Resource._meta.get_field(name).verbose_name) for name in field_names},
            "book": capfirst(node_labels[TextbookNode.Kind.BOOK]),
            "unit": capfirst(node_labels[TextbookNode.Kind.UNIT]),
            "lesson": capfirst(node_labels[TextbookNode.Kind.LESSON]),
        },
        "visibilities": Visibility.choices,
        "default_visibility": Visibility.INTRANET,
        "licences": Licence.choices,
        "default_licence": Resource._meta.get_field("licence").default,
        "collections": [(c.slug, c.name) for c in Collection.objects.all()],
        "default_collection": DEFAULT_COLLECTION,
        # The processing states' own (translated) labels, for the second progress bar.
        "state_labels": {state.value: str(state.label) for state in ProcessingJob.State},
        # The kind suggested for a file, by extension (the teacher may change it).
        "kind_hints": _kind_hints(extensions),
        "max_tags": MAX_TAGS,
        "max_tag_length": MAX_TAG_LENGTH,
        "chunk_size": PAGE_CHUNK_SIZE,
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_size_label": filesizeformat(settings.UPLOAD_MAX_BYTES),
        "expiry_hours": settings.UPLOAD_EXPIRY_HOURS,
        "accept": ",".join(extensions),
        "ui_text": text,
    }
    return render(request, "media_pipeline/upload.html", context)
