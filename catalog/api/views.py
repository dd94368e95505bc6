"""Thin API views over catalog.actions, catalog.search and the review workflow."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import actions as catalog_actions
from catalog import browse, policy
from catalog.api.serializers import (
    ResourceCreateSerializer,
    ResourceSerializer,
    ResourceUpdateSerializer,
    ReviewActionSerializer,
    SearchParamsSerializer,
    SearchResponseSerializer,
)
from catalog.models import Resource
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.storage import StorageUnavailable
from edu_portal.workflow import transitions

LIST_FILTERS = (
    "kind",
    "stage",
    "grade",
    "subject",
    "edition",
    "collection",
    "tag",
    "textbook_node",
)
FACETS = ("kind", "stage", "grade", "subject", "collection")


def _unavailable(message: str, code: str) -> Response:
    return Response({"detail": message, "code": code}, status=503, headers={"Retry-After": "30"})


def _params(request) -> dict:
    """Query parameters with repeated keys as lists (``?grade=7&grade=8``) and also
    comma-separated values (``?grade=7,8``)."""
    data: dict = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        if key in LIST_FILTERS:
            data[key] = [v for value in values for v in value.split(",") if v]
        else:
            data[key] = values[-1]
    return data


def _page_link(request, page: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")


def _with_files(queryset):
    return queryset.select_related(
        "subject", "edition", "collection", "uploader", "org_unit"
    ).prefetch_related("tags", "files__blob")


class ResourceList(ActionAPIView):
    # Anyone may search (the policy decides what they see); creating needs an account.
    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="resources_search",
        parameters=[SearchParamsSerializer],
        responses={200: SearchResponseSerializer},
        description="Search and browse published resources the client may see; "
        "`mine=true` lists the caller's own resources in every state instead.",
    )
    def get(self, request):
        params = SearchParamsSerializer(data=_params(request))
        params.is_valid(raise_exception=True)
        data = params.validated_data
        page, size = data["page"], data["page_size"]
        if data["mine"]:
            if not request.user.is_authenticated:
                body = {
                    "detail": _("Sign in to list your own resources."),
                    "code": "login_required",
                }
                return Response(body, status=401)
            mine = Resource.objects.filter(uploader=request.user, deleted_at__isnull=True)
            total = mine.count()
            resources = list(_with_files(mine)[(page - 1) * size : page * size])
            facets, highlights = {}, {}
        else:
            from catalog.search import SearchQuery, SearchUnavailable, search

            filters = {
                name: [str(v) for v in data[name]] for name in LIST_FILTERS if data.get(name)
            }
            query = SearchQuery(
                text=data["q"],
                filters=filters,
                sort=data["sort"],
                page=page,
                page_size=size,
                visibilities=policy.visible_levels(request),
                facets=FACETS,
            )
            try:
                result = search(query)
            except SearchUnavailable:
                return _unavailable(
                    _("Search is not available at the moment; please try again shortly."),
                    "search_unavailable",
                )
            ids = [hit.id for hit in result.hits]
            # The index may lag the database by a task: what it returns is checked against
            # the current state and visibility, so a resource just deleted or unpublished
            # is never shown.
            current = browse.published_visible(request).filter(pk__in=ids)
            found = _with_files(current).in_bulk(ids)
            resources = [found[i] for i in ids if i in found]
            total = result.total
            facets = {name: [[v, c] for v, c in pairs] for name, pairs in result.facets.items()}
            highlights = {hit.id: hit.highlights for hit in result.hits}
        context = {"request": request, "highlights": highlights}
        body = {
            "count": total,
            "page": page,
            "page_size": size,
            "next": _page_link(request, page + 1) if page * size < total else None,
            "previous": _page_link(request, page - 1) if page > 1 else None,
            "facets": facets,
            "results": ResourceSerializer(resources, many=True, context=context).data,
        }
        return Response(body)

    @extend_schema(request=ResourceCreateSerializer, responses={201: ResourceSerializer})
    def post(self, request):
        # Before the upload is looked at: a pupil is told they may not upload, not that
        # the address is wrong.
        catalog_actions.require_may_upload(request.user)
        data = ResourceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            resource = catalog_actions.create_resource(
                request.user, **data.fields_for_action(request.user)
            )
        except StorageUnavailable:
            return _unavailable(
                _("The file store is not answering; please try again in a few minutes."),
                "storage_unavailable",
            )
        context = {"request": request, "show_processing": True}
        return Response(ResourceSerializer(resource, context=context).data, status=201)


class ResourceDetail(ActionAPIView):
    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    def get_resource(self, request, pk: int) -> Resource:
        resource = get_object_or_404(_with_files(Resource.objects.all()), pk=pk)
        if resource.is_deleted and not policy.can_manage(request.user, resource):
            self.permission_denied(request, message=_("This resource has been removed."))
        policy.require_view(request, resource)
        return resource

    def _body(self, request, resource: Resource) -> dict:
        context = {
            "request": request,
            "show_processing": policy.can_manage(request.user, resource),
        }
        return ResourceSerializer(resource, context=context).data

    @extend_schema(responses=ResourceSerializer)
    def get(self, request, pk: int):
        return Response(self._body(request, self.get_resource(request, pk)))

    @extend_schema(request=ResourceUpdateSerializer, responses=ResourceSerializer)
    def patch(self, request, pk: int):
        resource = self.get_resource(request, pk)
        data = ResourceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        tags = changes.pop("tags", None)
        catalog_actions.update_resource(request.user, resource, tags=tags, **changes)
        resource = self.get_resource(request, pk)
        return Response(self._body(request, resource))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        """Take the resource down (soft: its links answer 410 "removed" afterwards)."""
        resource = get_object_or_404(Resource, pk=pk)
        if not resource.is_published and not policy.can_see_unpublished(request.user, resource):
            raise policy.not_found()
        catalog_actions.delete_resource(request.user, resource)
        return Response(status=204)


class ResourceReview(ActionAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReviewActionSerializer, responses=ResourceSerializer)
    def post(self, request, pk: int):
        """Move the resource through the review workflow (submit, approve, request_changes
        with a comment, withdraw, reopen)."""
        resource = get_object_or_404(Resource, pk=pk, deleted_at__isnull=True)
        if not resource.is_published and not policy.can_see_unpublished(request.user, resource):
            raise policy.not_found()  # whether someone else's draft exists is not told
        data = ReviewActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = getattr(transitions, data.validated_data["action"])
        comment = data.validated_data["comment"]
        if data.validated_data["action"] == "reopen":
            action(request.user, resource)
        else:
            action(request.user, resource, comment=comment)
        resource = get_object_or_404(_with_files(Resource.objects.all()), pk=pk)
        context = {"request": request, "show_processing": policy.can_manage(request.user, resource)}
        return Response(ResourceSerializer(resource, context=context).data)
