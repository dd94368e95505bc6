"""Pieces for API views across the portal: audit context and action errors as JSON.

``ActionAPIView`` (or the two mixins) gives every API view:

* the audit context of the request, with the actor resolved after DRF has authenticated
  the token (see ``audit.AuditedAPIMixin``);
* the action layer's Django ``PermissionDenied`` / ``ValidationError`` turned into JSON
  with the action's own sentence. DRF keeps no message for Django's PermissionDenied and
  does not handle Django's ValidationError at all (it would be a 500).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from edu_portal.access import AccessDenied
from edu_portal.accounts.audit import AuditedAPIMixin


def validation_error_body(exc: ValidationError) -> dict:
    body: dict = {"detail": " ".join(str(m) for m in exc.messages), "code": "invalid"}
    if hasattr(exc, "error_dict"):
        body["errors"] = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        codes = {e.code for errors in exc.error_dict.values() for e in errors if e.code}
    else:
        codes = {e.code for e in exc.error_list if e.code}
    if len(codes) == 1:
        body["code"] = codes.pop()
    return body


def password_change_required_body() -> dict:
    """The API's 403 body for an account whose password was handed out by its school (a
    token or a session must not use the API before the owner has chosen their own)."""
    return {
        "detail": _(
            "This password was given to you by your school. Sign in on the website "
            "and choose your own password first."
        ),
        "code": "password_change_required",
    }


# Token first: an API client without credentials is told 401 with
# "WWW-Authenticate: Token" rather than a bare 403.
API_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ActionErrorsMixin:
    def handle_exception(self, exc):
        if isinstance(exc, PermissionDenied) and not isinstance(exc, AccessDenied):
            detail = str(exc) or None
            if detail:
                return Response({"detail": detail, "code": "permission_denied"}, status=403)
        if isinstance(exc, ValidationError):
            return Response(validation_error_body(exc), status=400)
        return super().handle_exception(exc)


class ActionAPIView(AuditedAPIMixin, ActionErrorsMixin, APIView):
    authentication_classes = API_AUTHENTICATION
