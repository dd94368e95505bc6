"""Shapes of the notices API (the sender's side). Input serializers check types only; the
action layer (``actions``) checks meaning and scope and answers with sentences."""

from __future__ import annotations

from rest_framework import serializers

from edu_portal.messaging.models import Channel, Notice, NoticeAttachment


class AudienceSerializer(serializers.Serializer):
    schools = serializers.ListField(child=serializers.CharField(), required=False)
    grades = serializers.ListField(child=serializers.CharField(), required=False)
    classes = serializers.ListField(child=serializers.CharField(), required=False)
    students = serializers.ListField(child=serializers.IntegerField(), required=False)
    staff = serializers.ListField(child=serializers.CharField(), required=False)


class NoticeInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    audience = serializers.JSONField(
        help_text='{"classes": [codes]}, {"grades": [codes]}, {"schools": [codes]}, '
        '{"students": [ids]} or {"staff": [unit codes]}; several may be combined.'
    )
    ack = serializers.ChoiceField(choices=Notice.Ack.choices, default=Notice.Ack.READ)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), default=list
    )
    send_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reply_choices = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, default=list
    )
    reply_text = serializers.BooleanField(required=False, default=False)
    urgent = serializers.BooleanField(required=False, default=False)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeAttachment
        fields = ["id", "name", "content_type", "size"]


class NoticeSerializer(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.code", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    sender_name = serializers.CharField(source="sender.__str__", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "body",
            "audience",
            "ack",
            "reply_choices",
            "reply_text",
            "channels",
            "urgent",
            "send_at",
            "state",
            "org_unit",
            "org_unit_name",
            "sender_name",
            "created_at",
            "sending_started_at",
            "sent_at",
            "withdrawn_at",
            "withdraw_reason",
            "attachments",
        ]
        read_only_fields = fields


class SendSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    started = serializers.BooleanField(help_text="False when it was already sending or sent.")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class RemindSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ReceiptCountsSerializer(serializers.Serializer):
    recipients = serializers.IntegerField()
    read = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    replied = serializers.IntegerField()
    deliveries = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text='Per channel, per state: {"inbox": {"delivered": 40}, "sms": {"sent": 38}}',
    )


class OutstandingSerializer(serializers.Serializer):
    recipient = serializers.IntegerField()
    name = serializers.CharField()
    children = serializers.ListField(child=serializers.CharField())


class ClassReportSerializer(ReceiptCountsSerializer):
    id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField()
    outstanding = OutstandingSerializer(many=True)


class ReportSerializer(ReceiptCountsSerializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    ack = serializers.CharField()
    classes = ClassReportSerializer(many=True)
