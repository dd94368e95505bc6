"""Accounts API, mounted at /api/v1/."""

from django.urls import path

from edu_portal.accounts import api_views

urlpatterns = [
    path("auth/token/", api_views.TokenView.as_view(), name="api-auth-token"),
    path("auth/me/", api_views.MeView.as_view(), name="api-auth-me"),
    path("audit-events/", api_views.AuditEventList.as_view(), name="api-audit-events"),
    path(
        "role-assignments/",
        api_views.RoleAssignmentList.as_view(),
        name="api-role-assignments",
    ),
    path(
        "role-assignments/<int:pk>/",
        api_views.RoleAssignmentDetail.as_view(),
        name="api-role-assignment",
    ),
    path(
        "users/<int:pk>/remote-access/",
        api_views.RemoteAccessView.as_view(),
        name="api-user-remote-access",
    ),
]
