from __future__ import annotations

from rest_framework import serializers

from catalog.models import Resource
from edu_portal.access import Visibility
from media_pipeline.processing.models import ProcessingJob


class ResourceCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Resource.Kind.choices)
    upload = serializers.CharField(max_length=500, help_text="The tus upload URL.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.INTRANET
    )


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


class ResourceSerializer(serializers.ModelSerializer):
    stream_url = serializers.SerializerMethodField()
    watch_url = serializers.SerializerMethodField()
    processing = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "visibility",
            "status",
            "duration",
            "stream_url",
            "watch_url",
            "processing",
            "created_at",
            "updated_at",
        ]

    def get_stream_url(self, obj: Resource) -> str | None:
        return obj.stream_path

    def get_watch_url(self, obj: Resource) -> str | None:
        return obj.watch_path

    def get_processing(self, obj: Resource) -> dict | None:
        if not self.context.get("show_processing"):
            return None
        job = obj.jobs.order_by("-created_at", "-pk").first()
        return ProcessingSerializer(job).data if job else None
