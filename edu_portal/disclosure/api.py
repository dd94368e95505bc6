"""The applications API (issue 15, "Interfaces"), for staff holding "disclosure.handle"
(token or session):

- ``POST /api/v1/disclosure-applications/``: register an application received in person,
  by post, by fax (or online elsewhere) with its receipt date → 201;
- ``GET /api/v1/disclosure-applications/<id>/`` → the same fields;
- ``POST /api/v1/disclosure-applications/<id>/events/`` (``type``, ``on``, ``outcome`` for
  ``replied``, ``days`` and ``approver`` for ``extended``) → 200 with the application.

Bad input is a 400 with one sentence in ``detail`` (and ``errors`` per field). The
applicant's personal data are not part of these answers.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.permissions import require_perm
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.disclosure import actions
from edu_portal.disclosure.forms import HANDLE, EventFields, RegistrationFields
from edu_portal.disclosure.models import Application

_ERROR = OpenApiResponse(ErrorSerializer)


class EventOutSerializer(serializers.Serializer):
    type = serializers.CharField()
    on = serializers.DateField()
    days = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()


class ApplicationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    query_code = serializers.CharField()
    applicant_type = serializers.CharField()
    channel = serializers.CharField()
    form = serializers.CharField()
    delivery = serializers.CharField()
    received_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField()
    due_steps = serializers.ListField(child=serializers.CharField())
    correction_due_on = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    outcome = serializers.CharField()
    replied_on = serializers.DateField(allow_null=True)
    events = EventOutSerializer(many=True, source="events.all")


class ApplicationInSerializer(serializers.Serializer):
    """For the schema; the fields are checked by ``forms.RegistrationFields``."""

    applicant_type = serializers.CharField()
    applicant_name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.EmailField(required=False)
    address = serializers.CharField(required=False)
    contact_name = serializers.CharField(required=False)
    description = serializers.CharField()
    form = serializers.CharField()
    delivery = serializers.CharField()
    channel = serializers.CharField()
    received_on = serializers.DateField()


class EventInSerializer(serializers.Serializer):
    type = serializers.CharField()
    on = serializers.DateField()
    outcome = serializers.CharField(required=False)
    days = serializers.IntegerField(required=False)
    approver = serializers.IntegerField(required=False, help_text="user id")
    reply_text = serializers.CharField(required=False)
    note = serializers.CharField(required=False)


def _form_error(form) -> APIValidationError:
    first = next(iter(form.errors.items()))
    field, messages = first
    label = form.fields[field].label if field in form.fields else ""
    sentence = f"{label}: {messages[0]}" if label else messages[0]
    error = APIValidationError({"detail": sentence, "code": "invalid", "errors": form.errors})
    return error


def _data(request: Request) -> dict:
    if not hasattr(request.data, "get"):
        raise APIValidationError(
            {"detail": _("The request must be a JSON object."), "code": "bad_json"}
        )
    return {k: v for k, v in request.data.items() if v is not None}


def _answer(application: Application, status_code: int = 200) -> Response:
    application = Application.objects.prefetch_related("events").get(pk=application.pk)
    return Response(ApplicationOutSerializer(application).data, status=status_code)


class _Base(ActionAPIView):
    permission_classes = [IsAuthenticated, require_perm(HANDLE)]


class ApplicationCreate(_Base):
    @extend_schema(
        operation_id="disclosure_application_create",
        summary="Register an application for information",
        request=ApplicationInSerializer,
        responses={201: ApplicationOutSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR},
        tags=["disclosure"],
    )
    def post(self, request: Request) -> Response:
        # "online" too: an application that came in through another system, whose receipt
        # was confirmed on received_on.
        form = RegistrationFields(_data(request), allow_online=True)
        if not form.is_valid():
            raise _form_error(form)
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("channel", "received_on")}
        application = actions.register(
            request.user,
            fields,
            channel=form.cleaned_data["channel"],
            received_on=form.cleaned_data["received_on"],
        )
        return _answer(application, status.HTTP_201_CREATED)


class ApplicationDetail(_Base):
    @extend_schema(
        operation_id="disclosure_application_get",
        summary="An application's state and due date",
        responses={200: ApplicationOutSerializer, 401: _ERROR, 403: _ERROR, 404: _ERROR},
        tags=["disclosure"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return _answer(get_object_or_404(Application, pk=pk))


class ApplicationEvents(_Base):
    @extend_schema(
        operation_id="disclosure_application_event",
        summary="Record a clock event of an application",
        request=EventInSerializer,
        responses={200: ApplicationOutSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR},
        tags=["disclosure"],
    )
    def post(self, request: Request, pk: int) -> Response:
        application = get_object_or_404(Application, pk=pk)
        form = EventFields(_data(request), api=True)
        if not form.is_valid():
            raise _form_error(form)
        data = form.cleaned_data
        application = actions.add_event(
            request.user,
            application,
            data["type"],
            data["on"],
            outcome=data["outcome"],
            days=data["days"],
            approver=data["approver"],
            note=data["note"],
            reply_text=data["reply_text"],
        )
        return _answer(application)
