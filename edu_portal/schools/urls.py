"""The school administration console under ``school-admin/`` and the guardian's page at
``family/``. Mounted at the root (full paths), since the two pages have no common prefix."""

from django.urls import path

from edu_portal.schools import views

app_name = "schools"

urlpatterns = [
    path("school-admin/", views.home, name="home"),
    path("school-admin/<int:school_id>/", views.school, name="school"),
    path("school-admin/<int:school_id>/units/new/", views.unit_create, name="unit_create"),
    path("school-admin/<int:school_id>/units/<int:unit_id>/", views.unit, name="unit"),
    path(
        "school-admin/<int:school_id>/units/<int:unit_id>/reset-passwords/",
        views.class_reset,
        name="class_reset",
    ),
    path("school-admin/<int:school_id>/people/", views.people, name="people"),
    path("school-admin/<int:school_id>/people/new/", views.person_create, name="person_create"),
    path("school-admin/<int:school_id>/people/<int:user_id>/", views.person, name="person"),
    path(
        "school-admin/<int:school_id>/people/<int:user_id>/<slug:action>/",
        views.person_action,
        name="person_action",
    ),
    path("school-admin/<int:school_id>/import/", views.roster_import, name="import"),
    path("family/", views.children, name="children"),
]
