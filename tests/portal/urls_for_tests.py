"""The real URLs plus a few views that only exist to exercise the error pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from edu_portal import access
from edu_portal.urls import handler403, handler404, handler500
from edu_portal.urls import urlpatterns as real_urlpatterns


def intranet_only(request: HttpRequest) -> HttpResponse:
    access.require(request, access.Visibility.INTRANET)
    return HttpResponse("intranet content")


def staff_only(request: HttpRequest) -> HttpResponse:
    access.require(request, access.Visibility.STAFF)
    return HttpResponse("staff content")


def plain_denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal detail meant for developers")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


urlpatterns = [
    path("test-only/intranet/", intranet_only),
    path("test-only/staff/", staff_only),
    path("test-only/denied/", plain_denied),
    path("test-only/broken/", broken),
    path("api/test-only/intranet/", intranet_only),
    path("api/test-only/denied/", plain_denied),
    path("api/test-only/broken/", broken),
    *real_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
