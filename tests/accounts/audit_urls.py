"""A URL conf for test_audit_middleware: a plain DRF view, as other apps will write them,
with no accounts mixin, so only the middleware can name the actor."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from edu_portal.accounts import actions
from edu_portal.accounts.models import User


class PlainRemoteAccessView(APIView):
    def post(self, request, pk):
        actions.set_remote_access(request.user, User.objects.get(pk=pk), True)
        return Response({"ok": True})


urlpatterns = [
    path("plain/<int:pk>/", PlainRemoteAccessView.as_view()),
    path("", include("edu_portal.urls")),
]
