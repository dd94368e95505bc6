"""``/api/v1/favourites/``: the signed-in user's favourites (GET), add one (POST
``{"resource": id}``); ``/api/v1/favourites/<resource_id>/``: is it one (GET), add (PUT),
remove (DELETE). Thin views over ``catalog.favourites``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import favourites, kinds
from catalog.models import Favourite, Resource
from edu_portal.accounts.drf import ActionAPIView


class FavouriteAddSerializer(serializers.Serializer):
    resource = serializers.IntegerField(min_value=1)


class FavouriteSerializer(serializers.Serializer):
    """The shape ``_entry`` returns (for the schema): title, kind, url and thumbnail only
    while the user may still open the resource."""

    resource = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    available = serializers.BooleanField()
    title = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    url = serializers.URLField(required=False)
    thumbnail_url = serializers.URLField(required=False, allow_null=True)


class FavouritePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = FavouriteSerializer(many=True)


def _entry(request, entry: favourites.Entry) -> dict:
    body = {
        "resource": entry.favourite.resource_id,
        "created_at": entry.favourite.created_at.isoformat(),
        "available": entry.available,
    }
    resource = entry.resource
    if resource is not None:  # nothing of a resource the user may no longer open
        body.update(
            title=resource.title,
            kind=resource.kind,
            url=request.build_absolute_uri(reverse("catalog:detail", args=[resource.pk])),
            thumbnail_url=_absolute(request, kinds.thumbnail_url(resource)),
        )
    return body


def _absolute(request, url: str | None) -> str | None:
    return request.build_absolute_uri(url) if url else None


def _resource(pk: int) -> Resource:
    return get_object_or_404(Resource, pk=pk, deleted_at__isnull=True)


class FavouriteList(ActionAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FavouriteSerializer

    @extend_schema(operation_id="v1_favourites_list", responses=FavouritePageSerializer)
    def get(self, request):
        rows = list(favourites.favourites_of(request.user)[:500])
        results = [_entry(request, entry) for entry in favourites.entries(request, rows)]
        return Response({"count": len(results), "results": results})

    @extend_schema(request=FavouriteAddSerializer, responses=FavouriteSerializer)
    def post(self, request):
        data = FavouriteAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        favourite, created = favourites.add(request, _resource(data.validated_data["resource"]))
        entry = favourites.Entry(favourite, True)
        return Response(_entry(request, entry), status=201 if created else 200)


class FavouriteDetail(ActionAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FavouriteSerializer

    def get(self, request, resource_id: int):
        favourite = get_object_or_404(
            Favourite.objects.select_related("resource"), user=request.user, resource_id=resource_id
        )
        available = favourites.may_view(request, favourite.resource)
        return Response(_entry(request, favourites.Entry(favourite, available)))

    @extend_schema(request=None, responses=FavouriteSerializer)
    def put(self, request, resource_id: int):
        favourite, created = favourites.add(request, _resource(resource_id))
        return Response(
            _entry(request, favourites.Entry(favourite, True)), status=201 if created else 200
        )

    @extend_schema(responses={204: OpenApiResponse(description="Removed.")})
    def delete(self, request, resource_id: int):
        if not favourites.remove(request, resource_id):
            return Response(
                {"detail": _("This resource is not in your favourites."), "code": "not_found"},
                status=404,
            )
        return Response(status=204)
