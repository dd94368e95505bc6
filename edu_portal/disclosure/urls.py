"""Pages and API endpoints of disclosure (full paths from the site root)."""

from django.urls import path

from edu_portal.disclosure import api, views

app_name = "disclosure"

urlpatterns = [
    path("disclosure/apply/", views.apply, name="apply"),
    path("disclosure/apply/challenge/", views.challenge_view, name="challenge"),
    path("disclosure/lookup/", views.lookup_view, name="lookup"),
    path("disclosure/staff/", views.staff_list, name="staff"),
    path("disclosure/staff/register/", views.staff_register, name="register"),
    path("disclosure/staff/<int:pk>/", views.staff_detail, name="detail"),
    path("disclosure/staff/<int:pk>/events/", views.staff_event, name="event"),
    path(
        "api/v1/disclosure-applications/",
        api.ApplicationCreate.as_view(),
        name="api-applications",
    ),
    path(
        "api/v1/disclosure-applications/<int:pk>/",
        api.ApplicationDetail.as_view(),
        name="api-application",
    ),
    path(
        "api/v1/disclosure-applications/<int:pk>/events/",
        api.ApplicationEvents.as_view(),
        name="api-events",
    ),
]
