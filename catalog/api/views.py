"""Thin views over media_pipeline.processing.actions."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import actions as catalog_actions
from catalog.api.serializers import (
    ProcessingAdminSerializer,
    ProcessingSerializer,
    ResourceCreateSerializer,
    ResourceSerializer,
)
from catalog.models import Resource
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.permissions import is_bureau_admin
from media_pipeline.processing import actions
from media_pipeline.storage import StorageUnavailable


class ResourceList(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ResourceCreateSerializer, responses={201: ResourceSerializer})
    def post(self, request):
        data = ResourceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            resource = actions.create_resource(
                request.user, upload_url=fields.pop("upload"), **fields
            )
        except StorageUnavailable:
            body = {
                "detail": _("The file store is not answering; please try again in a few minutes."),
                "code": "storage_unavailable",
            }
            return Response(body, status=503)
        body = ResourceSerializer(resource, context={"show_processing": True}).data
        return Response(body, status=201)


class ResourceDetail(ActionAPIView):
    # Who may see which resource is the streaming/catalog issues' policy; for now the
    # uploader and administrators.
    permission_classes = [IsAuthenticated]

    def get_resource(self, request, pk: int) -> Resource:
        resource = get_object_or_404(Resource, pk=pk)
        if not actions.can_see_processing(request.user, resource):
            self.permission_denied(request, message=_("You may not see this resource."))
        return resource

    @extend_schema(responses=ResourceSerializer)
    def get(self, request, pk: int):
        resource = self.get_resource(request, pk)
        return Response(ResourceSerializer(resource, context={"show_processing": True}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        """Take the resource down (soft: its links answer 410 "removed" afterwards)."""
        resource = self.get_resource(request, pk)
        catalog_actions.delete_resource(request.user, resource)
        return Response(status=204)


class ResourceProcessing(ResourceDetail):
    @extend_schema(responses=ProcessingAdminSerializer)
    def get(self, request, pk: int):
        resource = self.get_resource(request, pk)
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
        resource = get_object_or_404(Resource, pk=pk)
        job = actions.retranscode(request.user, resource)
        return Response(ProcessingAdminSerializer(job).data, status=202)
