from django.urls import path

from edu_portal.workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("bulk/", views.bulk_act, name="bulk"),
    path("<str:label>/<str:pk>/<str:action>/", views.act, name="act"),
]
