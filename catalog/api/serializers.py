from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog import kinds, policy, sources
from catalog.actions import MAX_DESCRIPTION
from catalog.models import Collection, Edition, Licence, Resource, Subject, TextbookNode
from catalog.taxonomy import GRADE_CHOICES, Stage
from edu_portal.access import Visibility

SORTS = ("relevance", "newest", "downloads")


class TaxonomyFields(serializers.Serializer):
    """The metadata a teacher chooses, by code (subject ``math``, collection ``local``)."""

    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=GRADE_CHOICES, required=False, allow_null=True)
    subject = serializers.SlugRelatedField(
        slug_field="code", queryset=Subject.objects.all(), required=False, allow_null=True
    )
    edition = serializers.SlugRelatedField(
        slug_field="code", queryset=Edition.objects.all(), required=False, allow_null=True
    )
    textbook_node = serializers.PrimaryKeyRelatedField(
        queryset=TextbookNode.objects.all(), required=False, allow_null=True
    )
    collection = serializers.SlugRelatedField(
        slug_field="slug", queryset=Collection.objects.all(), required=False, allow_null=True
    )
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )


class ResourceCreateSerializer(TaxonomyFields):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Resource.Kind.choices)
    upload = serializers.CharField(max_length=500, help_text="The tus upload URL.")
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.INTRANET
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Send to review at once."
    )

    def fields_for_action(self, user) -> dict:
        """The validated fields for ``actions.create_resource``, with the upload's address
        turned into the stored file it names (ValidationError on ``upload`` if it is not
        the user's finished upload)."""
        fields = {k: v for k, v in self.validated_data.items() if v not in (None, "")}
        fields["source"] = sources.resolve(user, fields.pop("upload"))
        return fields


class ResourceUpdateSerializer(TaxonomyFields):
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Resource.Kind.choices, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_DESCRIPTION
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class ReviewActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["submit", "approve", "request_changes", "withdraw", "reopen"]
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=Resource.Kind.choices), required=False
    )
    stage = serializers.ListField(
        child=serializers.ChoiceField(choices=Stage.choices), required=False
    )
    grade = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=12), required=False
    )
    subject = serializers.ListField(child=serializers.SlugField(), required=False)
    edition = serializers.ListField(child=serializers.SlugField(), required=False)
    collection = serializers.ListField(child=serializers.SlugField(), required=False)
    tag = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    textbook_node = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False
    )
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only my own resources, in every state."
    )


class OriginalFileSerializer(serializers.Serializer):
    filename = serializers.CharField()
    size = serializers.IntegerField(source="blob.size")
    content_type = serializers.CharField(source="blob.content_type")
    sha256 = serializers.CharField(source="blob.sha256")


class ResourceSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="code", read_only=True)
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    collection = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    uploader = serializers.CharField(source="uploader.display_name", read_only=True)
    org_unit = serializers.CharField(source="org_unit.name", read_only=True, default=None)
    original = serializers.SerializerMethodField()
    detail_url = serializers.SerializerMethodField()
    stream_url = serializers.SerializerMethodField()
    watch_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    read_url = serializers.SerializerMethodField()
    processing = serializers.SerializerMethodField()
    highlights = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "visibility",
            "state",
            "status",
            "stage",
            "grade",
            "subject",
            "edition",
            "textbook_node",
            "collection",
            "tags",
            "licence",
            "uploader",
            "org_unit",
            "duration",
            "view_count",
            "download_count",
            "preview_state",
            "original",
            "detail_url",
            "stream_url",
            "watch_url",
            "download_url",
            "preview_url",
            "read_url",
            "processing",
            "highlights",
            "review_comment",
            "created_at",
            "published_at",
            "updated_at",
        ]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_original(self, obj: Resource) -> dict | None:
        original = next((f for f in obj.files.all() if f.role == "original"), None)
        return OriginalFileSerializer(original).data if original else None

    def get_detail_url(self, obj: Resource) -> str:
        return reverse("catalog:detail", args=[obj.pk])

    def get_stream_url(self, obj: Resource) -> str | None:
        return kinds.link(obj, "stream")

    def get_watch_url(self, obj: Resource) -> str | None:
        return kinds.link(obj, "watch")

    def get_download_url(self, obj: Resource) -> str | None:
        if not obj.source_key or obj.is_deleted or not policy.can_download(self._user(), obj):
            return None
        return reverse("resource-download", args=[obj.pk])

    def get_preview_url(self, obj: Resource) -> str | None:
        if obj.preview_state != Resource.Preview.READY:
            return None
        return reverse("resource-preview", args=[obj.pk])

    def get_read_url(self, obj: Resource) -> str | None:
        return kinds.link(obj, "read")

    def get_processing(self, obj: Resource) -> dict | None:
        if not self.context.get("show_processing"):
            return None
        return kinds.handler_for(obj.kind).processing(obj)

    def get_highlights(self, obj: Resource) -> dict | None:
        return self.context.get("highlights", {}).get(obj.pk)


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    facets = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField()),
        help_text=str(_("Per facet, [value, count] pairs.")),
    )
    results = ResourceSerializer(many=True)
