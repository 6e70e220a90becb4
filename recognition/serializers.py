from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recognition.models import FacePhoto, RejectionReason


class FaceBoxSerializer(serializers.Serializer):
    top = serializers.IntegerField()
    right = serializers.IntegerField()
    bottom = serializers.IntegerField()
    left = serializers.IntegerField()


class FacePhotoSerializer(serializers.ModelSerializer):
    box = FaceBoxSerializer(allow_null=True, read_only=True)
    # null unless the photo was rejected (the model keeps "", which no reason code is).
    rejection_code = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    duplicate = serializers.SerializerMethodField()

    class Meta:
        model = FacePhoto
        fields = [
            "id",
            "student",
            "status",
            "rejection_code",
            "rejection_detail",
            "box",
            "face_size_px",
            "sharpness",
            "width",
            "height",
            "image_url",
            "created_at",
            "processed_at",
            "duplicate",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=RejectionReason.choices, allow_null=True))
    def get_rejection_code(self, photo: FacePhoto) -> str | None:
        return photo.rejection_code or None

    def get_image_url(self, photo: FacePhoto) -> str:
        return reverse("recognition:face-photo-image", args=[photo.pk])

    def get_duplicate(self, photo: FacePhoto) -> bool:
        return bool(self.context.get("duplicate", False))


class FaceUploadSerializer(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True)  # empty: the engine answers not_an_image


class RecognizeRequestSerializer(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True)  # empty: the engine answers not_an_image
    classroom_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    tolerance = serializers.FloatField(required=False, min_value=0.05, max_value=1.0)
    max_faces = serializers.IntegerField(required=False, min_value=1, max_value=200)
    top_k = serializers.IntegerField(required=False, min_value=1, max_value=20, default=3)


class StudentMatchSerializer(serializers.Serializer):
    student_id = serializers.IntegerField()
    registration = serializers.CharField()
    name = serializers.CharField()
    distance = serializers.FloatField()
    similarity = serializers.FloatField()


class RecognizedFaceSerializer(serializers.Serializer):
    box = serializers.SerializerMethodField()
    matches = StudentMatchSerializer(many=True)

    def get_box(self, face: object) -> dict[str, int]:
        return face.box.to_dict()  # type: ignore[attr-defined]


class RecognitionSerializer(serializers.Serializer):
    faces = RecognizedFaceSerializer(many=True)
    processing_ms = serializers.FloatField()
