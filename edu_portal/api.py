"""API-wide pieces: every error is JSON with a ``detail`` sentence and a ``code``."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from edu_portal.access import AccessDenied


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, AccessDenied):
        body = {"detail": exc.message, "code": exc.code}
        if exc.hint:
            body["hint"] = exc.hint
        return Response(body, status=403)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        response.data.setdefault("code", _code_of(exc))
    elif isinstance(response.data, list):
        response.data = {"detail": response.data, "code": _code_of(exc)}
    return response


def _code_of(exc: Exception) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


class UnreadCountPagination(PageNumberPagination):
    """A page of a person's items plus their unread count (for the bell): all unread
    items, not only this page's, as ``unread_count`` gives it."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    unread_example = 3

    def unread_count(self, user) -> int:
        raise NotImplementedError

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count(self.request.user)
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread_count"] = {"type": "integer", "example": self.unread_example}
        schema["required"] = [*schema.get("required", []), "unread_count"]
        return schema


def public_endpoints(endpoints: list) -> list:
    """drf-spectacular preprocessing hook: the API documentation covers the platform's API,
    not the Wagtail admin's internal endpoints under /cms/."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/cms/")]
