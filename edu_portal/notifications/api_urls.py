"""API routes of the notification centre, included from the site's URLconf at ""."""

from django.urls import path

from edu_portal.notifications import api_views

urlpatterns = [
    path(
        "api/v1/notifications/",
        api_views.NotificationList.as_view(),
        name="api-notifications",
    ),
    path(
        "api/v1/notifications/<int:pk>/read/",
        api_views.NotificationRead.as_view(),
        name="api-notification-read",
    ),
    path(
        "api/v1/notifications/read-all/",
        api_views.NotificationReadAll.as_view(),
        name="api-notifications-read-all",
    ),
]
