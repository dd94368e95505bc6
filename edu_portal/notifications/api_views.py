"""The notifications API: the caller's own notifications only. Thin views over
``actions``; another person's notification is a 404, the same as one that does not exist."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.accounts.audit import AuditedAPIMixin
from edu_portal.accounts.drf import API_AUTHENTICATION, ActionAPIView
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.api import UnreadCountPagination
from edu_portal.notifications import actions
from edu_portal.notifications.models import Notification
from edu_portal.notifications.serializers import MarkedSerializer, NotificationSerializer

_ERROR = OpenApiResponse(ErrorSerializer)
_TRUE, _FALSE = {"1", "true"}, {"0", "false"}


class NotificationPagination(UnreadCountPagination):
    """A page of notifications plus the caller's unread count (for the bell)."""

    def unread_count(self, user) -> int:
        return actions.unread_count(user)


class NotificationList(AuditedAPIMixin, generics.ListAPIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Notification]:
        notes = Notification.objects.for_user(self.request.user).select_related("target_type")
        unread = self.request.query_params.get("unread", "").strip().lower()
        if unread in _TRUE:
            return notes.unread()
        if unread in _FALSE:
            return notes.filter(read_at__isnull=False)
        if unread:
            raise ParseError(_("“unread” must be 1 or 0."), code="invalid_filter")
        return notes

    @extend_schema(
        summary="My notifications",
        description="Newest first, with `unread_count` (all unread notifications, not only "
        "this page's).",
        parameters=[
            OpenApiParameter(
                "unread",
                str,
                enum=["1", "0"],
                description="1: only unread notifications; 0: only read ones.",
            )
        ],
        responses={200: NotificationSerializer(many=True), 400: _ERROR, 401: _ERROR},
        tags=["notifications"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationRead(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of my notifications as read",
        request=None,
        responses={200: NotificationSerializer, 401: _ERROR, 404: _ERROR},
        tags=["notifications"],
    )
    def post(self, request: Request, pk: int) -> Response:
        try:
            note = actions.mark_read(request.user, pk)
        except Notification.DoesNotExist:
            raise NotFound(_("There is no such notification.")) from None
        return Response(NotificationSerializer(note).data)


class NotificationReadAll(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all my notifications as read",
        request=None,
        responses={200: MarkedSerializer, 401: _ERROR},
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        marked = actions.mark_all_read(request.user)
        return Response({"marked": marked, "unread_count": actions.unread_count(request.user)})
