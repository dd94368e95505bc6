"""``GET /api/v1/disclosure-annual-reports/<year>/`` (issue 15, "Interfaces").

The JSON has ``table3`` keyed by row (``new``, ``carried_over``, each outcome code,
``total``, ``carried_forward``), each keyed by column (the six applicant types and
``total``) holding integers, with Tables 二 and 四 and the identity check beside it.
``?format=xlsx`` gives the Excel file.

Who reads what: once a year's report is published, anyone gets the figures as published
(the public record, unchanged by later corrections of the data). Before that, only the
disclosure office ("disclosure.handle") gets the draft, computed now; everyone else is told
the report is not published (404).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from edu_portal.accounts import permissions
from edu_portal.accounts.drf import ActionAPIView
from edu_portal.accounts.serializers import ErrorSerializer
from edu_portal.disclosure import annual, annual_actions, annual_xlsx
from edu_portal.disclosure.annual_models import AnnualReport


class _JsonOnly(DefaultContentNegotiation):
    """``?format=`` chooses the file here (json or xlsx), not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AnnualReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["draft", "published"])
    published_at = serializers.DateTimeField(allow_null=True)
    page_url = serializers.CharField(allow_null=True)
    table3 = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    table2 = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    table2_entered = serializers.DictField(child=serializers.CharField())
    table4 = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    identity_failures = serializers.ListField(child=serializers.DictField())


def _not_found(year) -> Response:
    detail = _("The annual report for %(year)s has not been published.") % {"year": year}
    return Response({"detail": detail, "code": "not_published"}, status=404)


class AnnualReportDetail(ActionAPIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JsonOnly

    @extend_schema(
        operation_id="disclosure_annual_report_get",
        summary="The annual report's tables for a year (JSON, or ?format=xlsx)",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "xlsx"], required=False)
        ],
        responses={
            200: AnnualReportSerializer,
            400: OpenApiResponse(ErrorSerializer),
            404: OpenApiResponse(ErrorSerializer),
        },
        tags=["disclosure"],
    )
    def get(self, request: Request, year: int) -> Response | HttpResponse:
        wanted = request.query_params.get("format", "json")
        if wanted not in ("json", "xlsx"):
            detail = _("The format must be json or xlsx.")
            return Response({"detail": detail, "code": "bad_format"}, status=400)
        try:
            annual_actions.check_year(year)
        except ValidationError:
            return _not_found(year)
        report = AnnualReport.objects.filter(year=year).select_related("page").first()
        if report is not None and report.is_published:
            figures = report.published_figures
            entered = figures.get("entered", {})
            status = "published"
        elif permissions.has_perm(request.user, annual_actions.HANDLE):
            figures = annual.compute(year).as_json()
            entered = {k: str(v) for k, v in report.entered().items()} if report else {}
            status = "draft"
        else:
            return _not_found(year)
        if wanted == "xlsx":
            body = annual_xlsx.workbook(year, figures, entered)
            response = HttpResponse(body, content_type=annual_xlsx.CONTENT_TYPE)
            name = f"annual-report-{year}{'' if status == 'published' else '-draft'}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        page = report.page if report is not None and status == "published" else None
        return Response(
            {
                "year": year,
                "status": status,
                "published_at": report.published_at if status == "published" else None,
                "page_url": page.url if page is not None and page.live else None,
                "table3": figures["table3"],
                "table2": figures["table2"],
                "table2_entered": entered,
                "table4": figures["table4"],
                "identity_failures": figures["identity_failures"],
            }
        )
