"""The letters API:

- ``POST /api/v1/letters/`` (``kind``, ``subject``, ``body``, ``name``, ``phone``, ``email``,
  ``publish_consent``): anonymous with the solved challenge in ``altcha``, or the office
  (``mailbox.answer``, token or session) registering a letter received by phone or post
  (``channel``: ``phone``/``post``, default ``phone``) without it → 201 ``id``,
  ``query_code``.
- ``GET /api/v1/letters/lookup/?code=&phone=`` → the letter's state and, once answered, the
  answer; one generic 404 sentence for any wrong pair; throttled per client address.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.access import client_ip
from edu_portal.accounts import challenge
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.interaction import actions, throttle, views
from edu_portal.interaction.models import Channel, Kind, Letter, State

_ERROR = OpenApiResponse(ErrorSerializer)


class LetterInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    subject = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=5000)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True)
    publish_consent = serializers.BooleanField(required=False, default=False)
    channel = serializers.ChoiceField(
        choices=[Channel.PHONE, Channel.POST], required=False, default=Channel.PHONE
    )
    altcha = serializers.CharField(required=False, allow_blank=True, max_length=8192)


class LetterCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    query_code = serializers.CharField()


class LetterStateSerializer(serializers.Serializer):
    query_code = serializers.CharField()
    kind = serializers.CharField()
    subject = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    received_on = serializers.DateField()
    due_on = serializers.DateField()
    reject_reason = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    answered_at = serializers.SerializerMethodField()
    rating = serializers.IntegerField(allow_null=True)

    def get_reject_reason(self, obj: Letter) -> str | None:
        return obj.reject_reason if obj.state == State.REJECTED else None

    def get_answer(self, obj: Letter) -> str | None:
        return obj.answer if obj.state == State.ANSWERED else None

    def get_answered_at(self, obj: Letter) -> str | None:
        if obj.state != State.ANSWERED or obj.answered_at is None:
            return None
        return serializers.DateTimeField().to_representation(obj.answered_at)


class LettersView(ActionAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=LetterInSerializer,
        responses={201: LetterCreatedSerializer, 400: _ERROR, 403: _ERROR},
        summary="Submit a letter (anonymous with the challenge) or register one (the office)",
    )
    def post(self, request: Request) -> Response:
        data = LetterInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        proof = fields.pop("altcha", "")
        channel = fields.pop("channel")
        if actions.can_handle(request.user):
            letter = actions.submit(
                **fields,
                channel=channel,
                registered_by=request.user,
                client_ip=client_ip(request),
            )
        else:
            if not challenge.verify(proof):
                return Response(
                    {"detail": views.challenge_refused(), "code": "challenge_required"},
                    status=403,
                )
            letter = actions.submit(**fields, client_ip=client_ip(request))
        return Response({"id": letter.pk, "query_code": letter.query_code}, status=201)


class LookupView(ActionAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("code", str, required=True),
            OpenApiParameter("phone", str, required=True),
        ],
        responses={200: LetterStateSerializer, 404: _ERROR, 429: _ERROR},
        summary="A letter's progress and answer, by query code and phone",
    )
    def get(self, request: Request) -> Response:
        if not throttle.allow_lookup(client_ip(request)):
            return Response({"detail": views.too_many_sentence(), "code": "throttled"}, status=429)
        letter = actions.lookup(
            request.query_params.get("code", ""), request.query_params.get("phone", "")
        )
        if letter is None:
            return Response({"detail": views.not_found_sentence(), "code": "not_found"}, status=404)
        response = Response(LetterStateSerializer(letter).data)
        response["Cache-Control"] = "private, no-store"
        return response
