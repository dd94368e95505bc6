"""Pages and API endpoints of disclosure (full paths from the site root)."""

from django.urls import path

from edu_portal.disclosure import api, staff_handling, views

app_name = "disclosure"

urlpatterns = [
    path("disclosure/apply/", views.apply, name="apply"),
    path("disclosure/apply/challenge/", views.challenge_view, name="challenge"),
    path("disclosure/lookup/", views.lookup_view, name="lookup"),
    path("disclosure/staff/", views.staff_list, name="staff"),
    path("disclosure/staff/register/", views.staff_register, name="register"),
    path("disclosure/staff/<int:pk>/", views.staff_detail, name="detail"),
    path("disclosure/staff/<int:pk>/events/", views.staff_event, name="event"),
    # Handling (part I): the deadline board, a case's handling page and its steps, letters,
    # the register export, 行政复议/诉讼 records.
    path("disclosure/staff/board/", staff_handling.board, name="board"),
    path("disclosure/staff/<int:pk>/handle/", staff_handling.case, name="handle"),
    path(
        "disclosure/staff/<int:pk>/handle/<slug:name>/",
        staff_handling.step,
        name="handle-step",
    ),
    path(
        "disclosure/staff/letters/<int:pk>/<slug:kind>/",
        staff_handling.letter_file,
        name="letter-file",
    ),
    path("disclosure/staff/register.xlsx", staff_handling.register_export, name="register-export"),
    path("disclosure/staff/reviews/", staff_handling.review_cases, name="reviews"),
    path("disclosure/staff/reviews/<int:pk>/", staff_handling.review_cases, name="review"),
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

# The annual report (part J): staff pages and the API.
from edu_portal.disclosure.annual_urls import urlpatterns as annual_urlpatterns  # noqa: E402

urlpatterns += annual_urlpatterns
