"""The administrators' operations page. Mounted at the root (full paths): /metrics and
the health checks, routed elsewhere, share no prefix with it."""

from django.urls import path

from edu_portal.operations import views

app_name = "operations"

urlpatterns = [
    path("operations/", views.dashboard_page, name="dashboard"),
    path("operations/backup/", views.backup_now, name="backup-now"),
    path("operations/integrity/", views.integrity_now, name="integrity-now"),
]
