"""The accounts API: tokens, the caller's profile, role assignments and audit events.

Thin views: parse, call one action (which checks, changes and audits), answer in JSON.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth.models import update_last_login
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.accounts import actions, login_guard, permissions
from edu_portal.accounts.audit import AuditedAPIMixin
from edu_portal.accounts.drf import (
    API_AUTHENTICATION,
    ActionAPIView,
    ActionErrorsMixin,
    password_change_required_body,
)
from edu_portal.accounts.filters import AuditEventFilter
from edu_portal.accounts.models import LoginRecord, RoleAssignment, User
from edu_portal.accounts.serializers import (
    AuditEventSerializer,
    ErrorSerializer,
    ProfileSerializer,
    RemoteAccessSerializer,
    RoleAssignmentCreateSerializer,
    RoleAssignmentSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)

_ERROR = OpenApiResponse(ErrorSerializer)


class TokenView(ActionAPIView):
    """Exchange a username and password for an API token (and revoke it)."""

    # Only token authentication, for DELETE: a browser session must not make a POST here
    # fail on CSRF, and the POST itself needs no identity.
    authentication_classes = [TokenAuthentication]

    def get_permissions(self):
        if self.request is not None and self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Send `username` and `password`; the answer holds a token to send as "
            "`Authorization: Token <token>`. Failed attempts count per account and client "
            "address: after a few the address is slowed down, then the account is locked "
            "for that address only (429 with `Retry-After`); the error's `detail` says how "
            "many attempts are left."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_credentials` (wrong username or password) or "
                "`missing_fields`.",
            ),
            403: OpenApiResponse(ErrorSerializer, description="`account_disabled`."),
            429: OpenApiResponse(
                ErrorSerializer,
                description="`account_locked`: too many failed attempts for this account from "
                "this address (a short slow-down or the lock); see the `Retry-After` header.",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(
                {
                    "detail": _("Please enter both your username and your password."),
                    "code": "missing_fields",
                    "errors": serializer.errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        username = serializer.validated_data["username"]
        http_request = request._request
        outcome = login_guard.attempt(http_request, username, serializer.validated_data["password"])
        if outcome.code == "account_locked":
            return Response(
                {"detail": outcome.message, "code": outcome.code},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(outcome.lock.seconds_left)},
            )
        if outcome.code == "account_disabled":
            return Response(
                {"detail": outcome.message, "code": outcome.code},
                status=status.HTTP_403_FORBIDDEN,
            )
        if not outcome.ok:
            return Response(
                {"detail": outcome.message, "code": outcome.code},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = outcome.user
        if user.must_change_password:
            # The password came from a printed class sheet: it is not to open other doors
            # before its owner has replaced it on the website.
            return Response(password_change_required_body(), status=status.HTTP_403_FORBIDDEN)
        token, _created = Token.objects.get_or_create(user=user)
        # DRF sends no user_logged_in, so the success is recorded here.
        login_guard.record(http_request, user.get_username(), LoginRecord.Result.SUCCESS, user)
        update_last_login(None, user)
        return Response({"token": token.key, "user": ProfileSerializer(user).data})

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="Revoke the API token used for this request",
        request=None,
        responses={204: None, 401: _ERROR},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(AuditedAPIMixin, generics.RetrieveAPIView):
    """The signed-in user's profile, roles (role and org unit) and remote access."""

    authentication_classes = API_AUTHENTICATION

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My profile and roles", responses={200: ProfileSerializer}, tags=["auth"]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self) -> User:
        return self.request.user


class AuditEventPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventList(AuditedAPIMixin, generics.ListAPIView):
    """Audit events (who changed what, when, from where), newest first. Bureau admins only."""

    authentication_classes = API_AUTHENTICATION

    serializer_class = AuditEventSerializer
    pagination_class = AuditEventPagination
    permission_classes = [permissions.IsBureauAdmin]
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[LogEntry]:
        return LogEntry.objects.select_related("actor", "content_type").order_by(
            "-timestamp", "-id"
        )

    @extend_schema(summary="List audit events", tags=["audit"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoleAssignmentList(ActionErrorsMixin, AuditedAPIMixin, generics.ListCreateAPIView):
    """Role assignments within the units the caller manages; POST assigns a role."""

    authentication_classes = API_AUTHENTICATION

    serializer_class = RoleAssignmentSerializer
    permission_classes = [permissions.require_perm("users.manage")]
    filterset_fields = ["user", "role", "org_unit"]

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        return (
            RoleAssignment.objects.filter(permissions.scope_q(self.request.user, "users.manage"))
            .select_related("org_unit")
            .order_by("id")
        )

    @extend_schema(
        summary="Assign a role",
        request=RoleAssignmentCreateSerializer,
        responses={201: RoleAssignmentSerializer, 400: _ERROR, 403: _ERROR},
        tags=["accounts"],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = RoleAssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = actions.assign_role(request.user, data["user"], data["role"], data["org_unit"])
        return Response(RoleAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="List role assignments I manage", tags=["accounts"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoleAssignmentDetail(ActionAPIView):
    permission_classes = [permissions.require_perm("users.manage")]

    @extend_schema(
        summary="Revoke a role assignment",
        request=None,
        responses={204: None, 403: _ERROR, 404: _ERROR},
        tags=["accounts"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        # Assignments outside the caller's units are "not found", like ids that do not exist.
        assignment = get_object_or_404(
            RoleAssignment.objects.filter(
                permissions.scope_q(request.user, "users.manage")
            ).select_related("user", "org_unit"),
            pk=pk,
        )
        actions.revoke_role(request.user, assignment.user, assignment.role, assignment.org_unit)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RemoteAccessView(ActionAPIView):
    permission_classes = [permissions.require_perm("users.manage")]

    @extend_schema(
        summary="Allow or stop remote access for a staff member",
        request=RemoteAccessSerializer,
        responses={200: ProfileSerializer, 400: _ERROR, 403: _ERROR, 404: _ERROR},
        tags=["accounts"],
    )
    def put(self, request: Request, pk: int) -> Response:
        serializer = RemoteAccessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = get_object_or_404(User, pk=pk)
        actions.set_remote_access(request.user, user, serializer.validated_data["remote_access"])
        return Response(ProfileSerializer(user).data)


__all__ = [
    "AuditEventList",
    "MeView",
    "RemoteAccessView",
    "RoleAssignmentDetail",
    "RoleAssignmentList",
    "TokenView",
]
