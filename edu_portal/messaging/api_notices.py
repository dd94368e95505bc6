"""The notices API for senders (``/api/v1/notices/``): thin views over ``actions``.

A notice is visible to its sender and to the administrators of the unit it was sent in the
name of; to anyone else it does not exist (404). Errors are JSON with a sentence
(``detail``) and a ``code``; the action layer's refusals keep their own sentences.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.messaging import actions, reports
from edu_portal.messaging.models import Notice, NoticeAttachment
from edu_portal.messaging.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    NoticeInputSerializer,
    NoticeSerializer,
    RemindSerializer,
    ReportSerializer,
    SendSerializer,
    WithdrawSerializer,
)

_ERROR = OpenApiResponse(ErrorSerializer)
_TAGS = ["notices"]


def _flatten(errors) -> list[str]:
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _flatten(value)]
    if isinstance(errors, list | tuple):
        return [message for value in errors for message in _flatten(value)]
    return [str(errors)]


def _validated(serializer) -> dict:
    """The serializer's data; its errors as the action layer's (a sentence per field,
    answered as ``{"detail", "code", "errors"}``)."""
    if not serializer.is_valid():
        raise ValidationError(
            {
                field: [ValidationError(message, code="invalid") for message in _flatten(errs)]
                for field, errs in serializer.errors.items()
            }
        )
    return serializer.validated_data


class _NoticeView(ActionAPIView):
    permission_classes = [IsAuthenticated]

    def notice(self, pk: int) -> Notice:
        notice = (
            actions.visible_notices(self.request.user)
            .select_related("org_unit", "sender")
            .filter(pk=pk)
            .first()
        )
        if notice is None:
            raise NotFound(_("There is no such notice."))
        return notice


class NoticePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NoticeList(_NoticeView):
    @extend_schema(
        operation_id="notices_list",
        summary="Notices I sent or may manage",
        responses={200: NoticeSerializer(many=True), 401: _ERROR},
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        notices = (
            actions.visible_notices(request.user)
            .select_related("org_unit", "sender")
            .prefetch_related("attachments")
        )
        paginator = NoticePagination()
        page = paginator.paginate_queryset(notices, request, view=self)
        return paginator.get_paginated_response(NoticeSerializer(page, many=True).data)

    @extend_schema(
        operation_id="notices_create",
        summary="Write a notice (a draft, or scheduled with send_at)",
        request=NoticeInputSerializer,
        responses={201: NoticeSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR},
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        data = _validated(NoticeInputSerializer(data=request.data))
        notice = actions.create_notice(request.user, **data)
        return Response(NoticeSerializer(notice).data, status=201)


class NoticeDetail(_NoticeView):
    @extend_schema(
        operation_id="notices_retrieve",
        summary="One notice",
        responses={200: NoticeSerializer, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(NoticeSerializer(self.notice(pk)).data)

    @extend_schema(
        operation_id="notices_update",
        summary="Change a draft or scheduled notice",
        request=NoticeInputSerializer(partial=True),
        responses={200: NoticeSerializer, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def patch(self, request: Request, pk: int) -> Response:
        notice = self.notice(pk)
        data = _validated(NoticeInputSerializer(data=request.data, partial=True))
        notice = actions.update_notice(request.user, notice, **data)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(
        operation_id="notices_destroy",
        summary="Delete a draft or scheduled notice",
        responses={204: None, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def delete(self, request: Request, pk: int) -> Response:
        actions.delete_notice(request.user, self.notice(pk))
        return Response(status=204)


class NoticeSend(_NoticeView):
    @extend_schema(
        operation_id="notices_send",
        summary="Send now (again: nothing changes)",
        request=None,
        responses={202: SendSerializer, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = self.notice(pk)
        started = actions.send_now(request.user, notice)
        state = Notice.objects.values_list("state", flat=True).get(pk=notice.pk)
        return Response({"id": notice.pk, "state": state, "started": started}, status=202)


class NoticeWithdraw(_NoticeView):
    @extend_schema(
        operation_id="notices_withdraw",
        summary="Withdraw a sent notice; those who received it are told",
        request=WithdrawSerializer,
        responses={202: NoticeSerializer, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = self.notice(pk)
        data = _validated(WithdrawSerializer(data=request.data))
        notice = actions.withdraw(request.user, notice, data["reason"])
        return Response(NoticeSerializer(notice).data, status=202)


class NoticeRemind(_NoticeView):
    @extend_schema(
        operation_id="notices_remind",
        summary="Remind those who have not read, confirmed or replied",
        request=None,
        responses={202: RemindSerializer, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = self.notice(pk)
        round_no = actions.remind(request.user, notice)
        return Response({"id": notice.pk, "round": round_no}, status=202)


class NoticeReport(_NoticeView):
    @extend_schema(
        operation_id="notices_report",
        summary="Deliveries and receipts, in all and per class",
        responses={200: ReportSerializer, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(reports.report(self.notice(pk)))


class NoticeAttachments(_NoticeView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="notices_attachments_create",
        summary="Attach a file (document or picture) to a draft or scheduled notice",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = self.notice(pk)
        data = _validated(AttachmentUploadSerializer(data=request.data))
        attachment = actions.add_attachment(request.user, notice, data["file"])
        return Response(AttachmentSerializer(attachment).data, status=201)


class NoticeAttachmentDetail(_NoticeView):
    @extend_schema(
        operation_id="notices_attachments_destroy",
        summary="Remove an attachment from a draft or scheduled notice",
        responses={204: None, 400: _ERROR, 401: _ERROR, 404: _ERROR},
        tags=_TAGS,
    )
    def delete(self, request: Request, pk: int, attachment_pk: int) -> Response:
        notice = self.notice(pk)
        attachment = NoticeAttachment.objects.filter(notice=notice, pk=attachment_pk).first()
        if attachment is None:
            raise NotFound(_("There is no such attachment."))
        actions.remove_attachment(request.user, attachment)
        return Response(status=204)


# Included by ``edu_portal.messaging.urls`` (namespace ``messaging``).
urlpatterns = [
    path("api/v1/notices/", NoticeList.as_view(), name="api-notices"),
    path("api/v1/notices/<int:pk>/", NoticeDetail.as_view(), name="api-notice"),
    path("api/v1/notices/<int:pk>/send/", NoticeSend.as_view(), name="api-notice-send"),
    path("api/v1/notices/<int:pk>/withdraw/", NoticeWithdraw.as_view(), name="api-notice-withdraw"),
    path("api/v1/notices/<int:pk>/remind/", NoticeRemind.as_view(), name="api-notice-remind"),
    path("api/v1/notices/<int:pk>/report/", NoticeReport.as_view(), name="api-notice-report"),
    path(
        "api/v1/notices/<int:pk>/attachments/",
        NoticeAttachments.as_view(),
        name="api-notice-attachments",
    ),
    path(
        "api/v1/notices/<int:pk>/attachments/<int:attachment_pk>/",
        NoticeAttachmentDetail.as_view(),
        name="api-notice-attachment",
    ),
]
