"""Request and response shapes of the gallery endpoints."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from recognition.models import FaceMatch, PhotoFace, PhotoJob
from recognition.serializers import FaceBoxSerializer, FacePhotoSerializer, StudentMatchSerializer


class GalleryUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),  # empty: the engine answers not_an_image
        allow_empty=False,
        max_length=settings.DATA_UPLOAD_MAX_NUMBER_FILES,
    )


class AddedPhotoSerializer(serializers.Serializer):
    filename = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["stored", "duplicate", "refused"])
    photo_id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(help_text="Why the file was refused (a rejection code); empty when stored.")
    detail = serializers.CharField()


class ProcessFacesRequestSerializer(serializers.Serializer):
    tolerance = serializers.FloatField(required=False, min_value=0.05, max_value=1.0)
    max_faces = serializers.IntegerField(required=False, min_value=1, max_value=500)


class GalleryMatchSerializer(StudentMatchSerializer):
    face_index = serializers.IntegerField()


class ProcessFacesSerializer(serializers.Serializer):
    faceCount = serializers.IntegerField()  # the field name clients read
    matches = GalleryMatchSerializer(many=True)
    cached = serializers.BooleanField(help_text="True: a stored result for the same image and settings was reused.")


class QueuedSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Photos sent to the workers.")
    cached = serializers.IntegerField(help_text="Photos done at once from a stored result for the same settings.")


class ProcessStatusSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Photos in the gallery.")
    pending = serializers.IntegerField()
    processing = serializers.IntegerField()
    done = serializers.IntegerField()
    error = serializers.IntegerField()
    dead = serializers.IntegerField()
    faces = serializers.IntegerField(help_text="Faces found in all the photos.")
    matches = serializers.IntegerField(help_text="Face-student matches not rejected by a reviewer.")


class FaceMatchSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.full_name", read_only=True)
    registration = serializers.CharField(source="student.registration", read_only=True)

    class Meta:
        model = FaceMatch
        fields = [
            "id",
            "student",
            "student_name",
            "registration",
            "distance",
            "similarity",
            "confirmed",
            "reviewed_by",
            "reviewed_at",
        ]
        read_only_fields = fields


class PhotoFaceSerializer(serializers.ModelSerializer):
    box = FaceBoxSerializer(read_only=True)
    matches = FaceMatchSerializer(many=True, read_only=True)

    class Meta:
        model = PhotoFace
        fields = ["id", "index", "box", "detection_score", "matches"]
        read_only_fields = fields


class PhotoFaceDetailSerializer(serializers.Serializer):
    photo_id = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    job_status = serializers.ChoiceField(choices=PhotoJob.Status.choices)
    faces = PhotoFaceSerializer(many=True)


class FaceResultsQuerySerializer(serializers.Serializer):
    student = serializers.IntegerField(help_text="The student whose photos are wanted.")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class StudentPhotoSerializer(serializers.Serializer):
    photo_id = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    faces = PhotoFaceSerializer(many=True, help_text="The faces of the photo matched to the student.")


class FaceResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = StudentPhotoSerializer(many=True)


class AssignFaceRequestSerializer(serializers.Serializer):
    student_id = serializers.IntegerField(help_text="The student the face is.")
    enroll = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also add the face (cropped from the photo) to the student's enrollment photos; needs biometric "
        "consent and a face that passes the enrollment checks.",
    )


class AssignedFaceSerializer(serializers.Serializer):
    match = FaceMatchSerializer(help_text="The face's match with the student, confirmed.")
    created = serializers.BooleanField(help_text="False: an existing match of the face and student was confirmed.")
    face_photo = FacePhotoSerializer(
        allow_null=True, help_text="The enrollment photo made from the face (enroll), encoded in the background."
    )
