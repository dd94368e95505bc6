"""API representations of accounts data (read side; changes go through actions)."""

from __future__ import annotations

from auditlog.models import LogEntry
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from edu_portal.accounts.models import OrgUnit, RoleAssignment, User
from edu_portal.accounts.roles import Role


class OrgUnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "kind", "code"]


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    org_unit = OrgUnitBriefSerializer(read_only=True)
    user = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "role_display", "org_unit", "created_at"]


class RoleAssignmentCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())


class ProfileSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile."""

    org_unit = OrgUnitBriefSerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    is_staff_member = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "phone",
            "org_unit",
            "roles",
            "remote_access",
            "is_staff_member",
            "is_staff",
            "is_superuser",
            "last_login",
        ]
        read_only_fields = fields

    @extend_schema_field(RoleAssignmentSerializer(many=True))
    def get_roles(self, user: User) -> list[dict]:
        assignments = user.role_assignments.select_related("org_unit").order_by("id")
        return RoleAssignmentSerializer(assignments, many=True).data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=True)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = ProfileSerializer()


class ErrorSerializer(serializers.Serializer):
    """Every API error: a sentence for the person and a code for the program."""

    detail = serializers.CharField()
    code = serializers.CharField()


class RemoteAccessSerializer(serializers.Serializer):
    remote_access = serializers.BooleanField()


_ACTION_NAMES = {value: str(label) for value, label in LogEntry.Action.choices}
ACTION_CODES = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


class AuditEventSerializer(serializers.ModelSerializer):
    time = serializers.DateTimeField(source="timestamp")
    action = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    ip = serializers.IPAddressField(source="remote_addr", allow_null=True)
    object = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    correlation_id = serializers.CharField(source="cid", allow_null=True)

    class Meta:
        model = LogEntry
        fields = ["id", "time", "action", "actor", "ip", "object", "changes", "correlation_id"]

    def get_action(self, entry: LogEntry) -> str:
        return ACTION_CODES.get(entry.action, str(entry.action))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_actor(self, entry: LogEntry) -> dict | None:
        if entry.actor is None:
            return None if not entry.actor_email else {"email": entry.actor_email}
        return {
            "id": entry.actor_id,
            "username": entry.actor.get_username(),
            "display_name": entry.actor.display_name,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_object(self, entry: LogEntry) -> dict:
        content_type = entry.content_type
        return {
            "model": f"{content_type.app_label}.{content_type.model}",
            "id": entry.object_pk,
            "repr": entry.object_repr,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_changes(self, entry: LogEntry) -> dict:
        """``{field: [before, after]}``; many-to-many: ``{field: {operation, objects}}``."""
        return entry.changes_dict
