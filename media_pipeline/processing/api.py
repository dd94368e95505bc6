"""The processing API of a video or audio resource: its latest job, and re-running it.

``GET /api/v1/resources/<id>/processing/`` (for those who manage the resource; bureau
administrators also see the command and the error detail) and
``POST /api/v1/resources/<id>/retranscode/`` (bureau administrators).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import policy
from catalog.models import Resource
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.permissions import is_bureau_admin
from media_pipeline.processing import actions
from media_pipeline.processing.models import ProcessingJob


class ProcessingSerializer(serializers.ModelSerializer):
    error = serializers.CharField(source="error_message")

    class Meta:
        model = ProcessingJob
        fields = [
            "id",
            "state",
            "percent",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "stage_seconds",
            "attempts",
        ]


class ProcessingAdminSerializer(ProcessingSerializer):
    class Meta(ProcessingSerializer.Meta):
        fields = [
            *ProcessingSerializer.Meta.fields,
            "error_detail",
            "command",
            "worker",
            "heartbeat_at",
            "output_prefix",
        ]


class ResourceProcessing(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProcessingAdminSerializer)
    def get(self, request, pk: int):
        resource = get_object_or_404(Resource, pk=pk)
        if not resource.is_published and not policy.can_see_unpublished(request.user, resource):
            raise policy.not_found()  # whether someone else's draft exists is not told
        if not actions.can_see_processing(request.user, resource):
            self.permission_denied(request, message=_("You may not see this resource."))
        job = resource.jobs.order_by("-created_at", "-pk").first()
        if job is None:
            return Response(
                {"detail": _("This resource is not processed."), "code": "no_job"}, status=404
            )
        serializer = (
            ProcessingAdminSerializer if is_bureau_admin(request.user) else ProcessingSerializer
        )
        return Response(serializer(job).data)


class ResourceRetranscode(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: ProcessingAdminSerializer})
    def post(self, request, pk: int):
        if not is_bureau_admin(request.user):  # before the look-up: ids are not probed
            self.permission_denied(
                request, message=_("Only bureau administrators can re-run processing.")
            )
        resource = get_object_or_404(Resource, pk=pk)
        job = actions.retranscode(request.user, resource)
        return Response(ProcessingAdminSerializer(job).data, status=202)
