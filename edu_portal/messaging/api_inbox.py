"""The inbox API of a signed-in guardian (an app, or the page's own script):

- ``GET /api/v1/inbox/``: their notices, newest first, paginated, with ``unread_count``;
- ``POST /api/v1/inbox/<id>/read/``, ``.../confirm/``, ``.../reply/`` (``choice``,
  ``text``): receipts, recorded once (a reply may be changed until withdrawal).

``<id>`` is the notice's id. A notice the caller did not receive is a 404, the same as
one that does not exist. A guardian who has not yet given consent gets 403
``consent_required`` (the children's names are personal data; see ``consent``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.access import client_ip
from edu_portal.accounts.audit import AuditedAPIMixin
from edu_portal.accounts.drf import API_AUTHENTICATION, ActionAPIView
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.api import UnreadCountPagination
from edu_portal.messaging import consent, receipts
from edu_portal.messaging.models import Notice, Recipient

_ERROR = OpenApiResponse(ErrorSerializer)


class HasConsented(BasePermission):
    def has_permission(self, request, view) -> bool:
        if consent.needs_consent(request.user):
            raise PermissionDenied(
                _("Agree to how your and your children's data are used first, on the inbox page."),
                code="consent_required",
            )
        return True


class ChildSerializer(serializers.Serializer):
    name = serializers.CharField()
    class_name = serializers.CharField(source="class_label")


class InboxItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="notice_id")
    title = serializers.SerializerMethodField()
    sender_unit = serializers.CharField(source="notice.org_unit.name")
    sent_at = serializers.SerializerMethodField()
    children = ChildSerializer(source="concerns", many=True)
    ack = serializers.CharField(source="notice.ack")
    reply_choices = serializers.SerializerMethodField()
    reply_text_allowed = serializers.BooleanField(source="notice.reply_text")
    withdrawn = serializers.SerializerMethodField()
    withdraw_reason = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField()
    confirmed = serializers.SerializerMethodField()
    confirmed_at = serializers.DateTimeField()
    replied = serializers.SerializerMethodField()
    replied_at = serializers.DateTimeField()
    reply = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def _withdrawn(self, obj: Recipient) -> bool:
        return obj.notice.state == Notice.State.WITHDRAWN

    def get_title(self, obj: Recipient) -> str:
        return obj.notice.title

    def get_sent_at(self, obj: Recipient) -> str:
        return serializers.DateTimeField().to_representation(obj.notice.sent_at or obj.created_at)

    def get_reply_choices(self, obj: Recipient) -> list[str]:
        return [str(c) for c in obj.notice.reply_choices or []]

    def get_withdrawn(self, obj: Recipient) -> bool:
        return self._withdrawn(obj)

    def get_withdraw_reason(self, obj: Recipient) -> str:
        return obj.notice.withdraw_reason if self._withdrawn(obj) else ""

    def get_read(self, obj: Recipient) -> bool:
        return obj.read_at is not None

    def get_confirmed(self, obj: Recipient) -> bool:
        return obj.confirmed_at is not None

    def get_replied(self, obj: Recipient) -> bool:
        return obj.replied_at is not None

    def get_reply(self, obj: Recipient) -> dict | None:
        if obj.replied_at is None:
            return None
        return {"choice": obj.reply_choice, "text": obj.reply_text}

    def get_url(self, obj: Recipient) -> str:
        return receipts.inbox_link(obj.notice_id)


class ReplySerializer(serializers.Serializer):
    choice = serializers.CharField(required=False, allow_blank=True, max_length=60)
    text = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InboxPagination(UnreadCountPagination):
    unread_example = 2

    def unread_count(self, user) -> int:
        return receipts.unread(user).count()


class InboxList(AuditedAPIMixin, generics.ListAPIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated, HasConsented]
    serializer_class = InboxItemSerializer
    pagination_class = InboxPagination
    filter_backends: list = []

    def get_queryset(self):
        return receipts.inbox(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return receipts.attach_children(list(page)) if page is not None else None

    @extend_schema(
        operation_id="inbox_list",
        summary="My notices (guardian's inbox)",
        description="Newest first; `children` names each child the notice concerns; "
        "`unread_count` counts all unread notices, not only this page's.",
        responses={200: InboxItemSerializer(many=True), 401: _ERROR, 403: _ERROR},
        tags=["inbox"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _ReceiptView(ActionAPIView):
    permission_classes = [IsAuthenticated, HasConsented]

    def receipt(self, request: Request, notice_id: int) -> Recipient:
        try:
            return receipts.receipt_of(request.user, notice_id)
        except Recipient.DoesNotExist:
            raise NotFound(_("There is no such notice in your inbox.")) from None

    def answer(self, recipient: Recipient) -> Response:
        recipient.refresh_from_db()
        receipts.attach_children([recipient])
        return Response(InboxItemSerializer(recipient).data)


class InboxRead(_ReceiptView):
    @extend_schema(
        operation_id="inbox_read",
        summary="Record that I read a notice",
        description="Reading twice changes nothing; 400 `withdrawn` after withdrawal.",
        request=None,
        responses={200: InboxItemSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR},
        tags=["inbox"],
    )
    def post(self, request: Request, notice_id: int) -> Response:
        recipient = self.receipt(request, notice_id)
        receipts.ensure_open(recipient)
        receipts.mark_read(recipient, ip=client_ip(request))
        return self.answer(recipient)


class InboxConfirm(_ReceiptView):
    @extend_schema(
        operation_id="inbox_confirm",
        summary="Confirm a notice",
        description="400 `no_confirmation` when the notice asks for none, `withdrawn` after "
        "withdrawal. Confirming twice changes nothing.",
        request=None,
        responses={200: InboxItemSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR},
        tags=["inbox"],
    )
    def post(self, request: Request, notice_id: int) -> Response:
        recipient = self.receipt(request, notice_id)
        receipts.confirm(recipient, ip=client_ip(request))
        return self.answer(recipient)


class InboxReply(_ReceiptView):
    @extend_schema(
        operation_id="inbox_reply",
        summary="Answer a notice's reply form",
        description="`choice`: one of the notice's `reply_choices`; `text`: a short answer "
        "where the notice allows one. Answering again replaces the answer, until withdrawal.",
        request=ReplySerializer,
        responses={200: InboxItemSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR},
        tags=["inbox"],
    )
    def post(self, request: Request, notice_id: int) -> Response:
        recipient = self.receipt(request, notice_id)
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipts.reply(
            recipient,
            data.validated_data.get("choice"),
            data.validated_data.get("text"),
            ip=client_ip(request),
        )
        return self.answer(recipient)
