"""REST endpoints: enrollment photos and recognition. Thin: each calls one service function."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recognition.engine import ImageRejected
from recognition.engine.errors import RejectionCode
from recognition.models import FacePhoto, RejectionReason
from recognition.serializers import (
    FacePhotoSerializer,
    FaceUploadSerializer,
    RecognitionSerializer,
    RecognizeRequestSerializer,
)
from recognition.services.enrollment import EnrollmentRefused, add_face_photo, delete_face_photo
from recognition.services.recognize import UnknownClassroom, recognize_image
from school.api import Unprocessable
from school.models import Student
from school.openapi import refused
from school.throttling import ScopedClientThrottle


def rejection_error(code: str, technical_detail: str) -> Unprocessable:
    """422 whose detail is the reason in the user's language, followed by the engine's precise finding."""
    return Unprocessable(code, f"{RejectionReason(code).label} ({technical_detail})")


class FacePhotoPermission(permissions.DjangoModelPermissions):
    # Reading face photos is personal data too: GET needs the view permission, not just a login.
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
    }


class CanRecognize(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm("recognition.recognize"))


class StudentFacesView(APIView):
    permission_classes = [permissions.IsAuthenticated, FacePhotoPermission]
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedClientThrottle]  # uploads only: reads are not counted
    throttle_scope = "uploads"
    queryset = FacePhoto.objects.all()

    @extend_schema(responses=FacePhotoSerializer(many=True))
    def get(self, request: Request, student_id: int) -> Response:
        student = get_object_or_404(Student, pk=student_id)
        photos = FacePhoto.objects.filter(student=student).order_by("created_at")
        return Response(FacePhotoSerializer(photos, many=True).data)

    @extend_schema(
        request=FaceUploadSerializer,
        responses={201: FacePhotoSerializer, 200: FacePhotoSerializer, **refused(422, *RejectionReason.values)},
    )
    def post(self, request: Request, student_id: int) -> Response:
        student = get_object_or_404(Student, pk=student_id)
        form = FaceUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["image"]
        try:
            result = add_face_photo(student, upload.read(), upload.name, created_by=request.user)
        except EnrollmentRefused as refusal:
            raise rejection_error(refusal.code, refusal.detail) from None
        photo = result.photo
        if photo.status == FacePhoto.Status.REJECTED:
            raise rejection_error(photo.rejection_code, photo.rejection_detail)
        body = FacePhotoSerializer(photo, context={"duplicate": not result.created}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class FacePhotoDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated, FacePhotoPermission]
    queryset = FacePhoto.objects.all()

    @extend_schema(responses=FacePhotoSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(FacePhotoSerializer(get_object_or_404(FacePhoto, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        delete_face_photo(get_object_or_404(FacePhoto, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecognizeView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanRecognize]
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedClientThrottle]
    throttle_scope = "recognize"

    @extend_schema(
        request=RecognizeRequestSerializer,
        responses={
            200: RecognitionSerializer,
            **refused(422, RejectionCode.NOT_AN_IMAGE, RejectionCode.TOO_LARGE, "unknown_classroom"),
        },
    )
    def post(self, request: Request) -> Response:
        form = RecognizeRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        params = form.validated_data
        try:
            result = recognize_image(
                params["image"].read(),
                classroom_code=params.get("classroom_code") or None,
                tolerance=params.get("tolerance"),
                max_faces=params.get("max_faces"),
                top_k=params["top_k"],
            )
        except ImageRejected as rejection:
            raise rejection_error(rejection.code, rejection.detail) from None
        except UnknownClassroom:
            raise Unprocessable(
                "unknown_classroom", _("No classroom has the code %(code)s.") % {"code": params["classroom_code"]}
            ) from None
        return Response(RecognitionSerializer(result).data)
