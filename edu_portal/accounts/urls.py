"""Routes of accounts: sign-in and sign-out pages, password change and reset, and the
accounts API under ``api/v1/`` (tokens, the signed-in user, audit events, role assignments,
remote access)."""

from django.urls import include, path

from edu_portal.accounts import api_views, views

api_patterns = [
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

urlpatterns = [
    path("api/v1/", include(api_patterns)),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/login/challenge/", views.login_challenge, name="login-challenge"),
    path(
        "accounts/password/change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
