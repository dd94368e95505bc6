"""Routes of the channels (included in ``edu_portal.messaging.urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "api/v1/sms/reports/aliyun/",
        views.delivery_report,
        {"vendor": "aliyun"},
        name="sms-report-aliyun",
    ),
    path(
        "api/v1/sms/reports/tencent/",
        views.delivery_report,
        {"vendor": "tencent"},
        name="sms-report-tencent",
    ),
    path(
        "notices/unsubscribe/<str:token>/",
        views.email_unsubscribe,
        name="email-unsubscribe",
    ),
]
