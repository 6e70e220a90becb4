from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attendance.models import PresenceStatus


class SightingSerializer(serializers.Serializer):
    classroom_code = serializers.CharField(max_length=20)
    student_id = serializers.IntegerField(required=False)
    registration = serializers.CharField(required=False, max_length=32)
    distance = serializers.FloatField(required=False, min_value=0.0, max_value=2.0)
    confidence = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    seen_at = serializers.DateTimeField(required=False)
    camera = serializers.CharField(required=False, max_length=80, help_text=_("The device's own camera name."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "student_id" not in attrs and "registration" not in attrs:
            raise serializers.ValidationError(_("Give student_id or registration."))
        if "distance" not in attrs and "confidence" not in attrs:
            raise serializers.ValidationError(_("Give distance or confidence."))
        return attrs


class SightingResultSerializer(serializers.Serializer):
    duplicate = serializers.BooleanField()
    lesson_id = serializers.IntegerField()
    student_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PresenceStatus.choices)
    logged = serializers.BooleanField()


class ManualPresenceSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PresenceStatus.choices)
