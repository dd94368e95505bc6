"""The search page (``cms:search``) and its API (``cms:api-search``): thin views over
``params`` and ``search``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from edu_portal.accounts.drf import ActionAPIView
from edu_portal.cms.search import SearchUnavailable, registry, search
from edu_portal.cms.search.params import BadSearch, parse, query_for


def _published(value) -> str | None:
    return timezone.localdate(value).isoformat() if value else None


def _facet_links(params, results) -> list[dict]:
    """Every type with matches, in the registry's order, with the link that filters it."""
    links = []
    for kind in registry.types():
        count = results.counts.by_type.get(kind.name, 0)
        if not count and kind.name not in params.types:
            continue
        query = urlencode({"q": params.text, "type": kind.name})
        links.append(
            {
                "name": kind.name,
                "label": kind.label,
                "count": count,
                "url": f"?{query}",
                "current": params.types == (kind.name,),
            }
        )
    return links


def _page_url(params, page: int) -> str:
    query = [("q", params.text), *(("type", t) for t in params.types), ("page", str(page))]
    return "?" + urlencode(query)


def search_page(request):
    """``GET /search/?q=&type=&page=``: one list of every type, type links with counts."""
    context: dict = {"query": (request.GET.get("q") or "").strip()[:200]}
    try:
        params = parse(request.GET, require_text=False)
    except BadSearch as exc:
        context["error"] = exc.message
        return render(request, "cms/search.html", context, status=400)
    context["params"] = params
    if not params.text:
        return render(request, "cms/search.html", context)
    try:
        results = search(query_for(request, params))
    except SearchUnavailable:
        context["unavailable"] = True
        return render(request, "cms/search.html", context, status=503)
    labels = {t.name: t.label for t in registry.types()}
    context.update(
        results=results,
        hits=[{"hit": hit, "label": labels.get(hit.type, hit.type)} for hit in results.hits],
        facets=_facet_links(params, results),
        all_url="?" + urlencode({"q": params.text}),
        prev_url=_page_url(params, params.page - 1) if params.page > 1 else "",
        next_url=_page_url(params, params.page + 1) if params.page < results.pages else "",
    )
    return render(request, "cms/search.html", context)


class SearchAPI(ActionAPIView):
    """Anyone may search; what comes back is what the caller may see."""

    permission_classes: list = []

    @extend_schema(
        operation_id="site_search",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="1-100 chars"),
            OpenApiParameter("type", OpenApiTypes.STR, description="a type name (repeatable)"),
            OpenApiParameter("page", OpenApiTypes.INT, description="1-50"),
        ],
        responses={
            200: inline_serializer(
                "SiteSearchResponse",
                {
                    "count": serializers.IntegerField(),
                    "results": serializers.ListField(child=serializers.DictField()),
                    "facets": serializers.DictField(),
                },
            )
        },
        description="One search over articles, service guides, pages, resources and e-books "
        "the caller may see; `facets.type` counts matches per type (estimates for very "
        "common words).",
    )
    def get(self, request):
        try:
            params = parse(request.query_params)
        except BadSearch as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=400)
        try:
            results = search(query_for(request, params))
        except SearchUnavailable:
            body = {
                "detail": _("Search is not available at the moment; please try again shortly."),
                "code": "search_unavailable",
            }
            return Response(body, status=503, headers={"Retry-After": "30"})
        return Response(
            {
                "count": results.total,
                "results": [
                    {
                        "type": hit.type,
                        "title": hit.title,
                        "url": request.build_absolute_uri(hit.url),
                        "snippet": hit.snippet,
                        "published": _published(hit.published),
                    }
                    for hit in results.hits
                ],
                "facets": {"type": dict(results.counts.by_type)},
            }
        )
