from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from edu_portal.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    target_type = serializers.SerializerMethodField(
        help_text='The object it is about, as "app_label.model", or null.'
    )
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "category",
            "category_label",
            "subject",
            "body",
            "link",
            "target_type",
            "target_id",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields
        extra_kwargs = {"link": {"help_text": "A path on this site, or empty."}}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_target_type(self, note: Notification) -> str | None:
        if note.target_type_id is None:
            return None
        return f"{note.target_type.app_label}.{note.target_type.model}"


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")
    unread_count = serializers.IntegerField()
