"""The choices behind the taxonomy pickers of the upload form and the browse page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Collection, Edition, Licence, Resource, Subject, TextbookNode
from catalog.taxonomy import GRADES, Stage, grades_of_stage


class TaxonomySerializer(serializers.Serializer):
    stages = serializers.ListField(child=serializers.DictField())
    subjects = serializers.ListField(child=serializers.DictField())
    editions = serializers.ListField(child=serializers.DictField())
    collections = serializers.ListField(child=serializers.DictField())
    kinds = serializers.ListField(child=serializers.DictField())
    licences = serializers.ListField(child=serializers.DictField())


class NodeSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="code", read_only=True)
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    has_children = serializers.SerializerMethodField()

    class Meta:
        model = TextbookNode
        fields = ["id", "kind", "name", "grade", "subject", "edition", "has_children"]

    def get_has_children(self, node: TextbookNode) -> bool:
        return node.numchild > 0


class TaxonomyView(APIView):
    permission_classes: list = []

    @extend_schema(responses=TaxonomySerializer)
    def get(self, request):
        body = {
            "stages": [
                {
                    "value": value,
                    "label": str(label),
                    "grades": [
                        {"value": g, "label": str(GRADES[g][1])} for g in grades_of_stage(value)
                    ],
                }
                for value, label in Stage.choices
            ],
            "subjects": [
                {
                    "value": s.code,
                    "label": s.name,
                    "stages": s.stages.split(",") if s.stages else [],
                }
                for s in Subject.objects.all()
            ],
            "editions": [{"value": e.code, "label": e.name} for e in Edition.objects.all()],
            "collections": [
                {"value": c.slug, "label": c.name, "description": c.description}
                for c in Collection.objects.all()
            ],
            "kinds": [{"value": v, "label": str(label)} for v, label in Resource.Kind.choices],
            "licences": [{"value": v, "label": str(label)} for v, label in Licence.choices],
        }
        return Response(body)


class TextbookNodeList(APIView):
    permission_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", int, description="Children of this node."),
            OpenApiParameter("edition", str, description="Books of this edition (code)."),
            OpenApiParameter("subject", str, description="Books of this subject (code)."),
            OpenApiParameter("grade", int, description="Books of this grade (1–12)."),
        ],
        responses=NodeSerializer(many=True),
    )
    def get(self, request):
        parent = request.query_params.get("parent")
        if parent:
            node = TextbookNode.objects.filter(pk=parent if parent.isdigit() else 0).first()
            if node is None:
                return Response({"detail": "No such unit or lesson.", "code": "not_found"}, 404)
            nodes = node.get_children()
        else:
            nodes = TextbookNode.get_root_nodes()
            for field, lookup in (("edition", "edition__code"), ("subject", "subject__code")):
                if request.query_params.get(field):
                    nodes = nodes.filter(**{lookup: request.query_params[field]})
            grade = request.query_params.get("grade", "")
            if grade:
                if not grade.isdigit():
                    return Response(
                        {"detail": "grade must be a number from 1 to 12.", "code": "invalid"}, 400
                    )
                nodes = nodes.filter(grade=int(grade))
        nodes = nodes.select_related("subject", "edition")[:500]
        return Response(NodeSerializer(nodes, many=True).data)
