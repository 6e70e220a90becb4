"""REST endpoints of gallery recognition. Thin: each calls the gallery service."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recognition.api import rejection_error
from recognition.engine import ImageRejected
from recognition.gallery_serializers import (
    AddedPhotoSerializer,
    AssignedFaceSerializer,
    AssignFaceRequestSerializer,
    FaceMatchSerializer,
    FaceResultsQuerySerializer,
    FaceResultsSerializer,
    GalleryUploadSerializer,
    PhotoFaceDetailSerializer,
    ProcessFacesRequestSerializer,
    ProcessFacesSerializer,
    ProcessStatusSerializer,
    QueuedSerializer,
)
from recognition.models import FaceMatch, Gallery, GalleryPhoto, PhotoFace, PhotoJob, RejectionReason
from recognition.services.face_review import AssignmentRefused, assign_face
from recognition.services.gallery import (
    add_gallery_photos,
    job_counts,
    process_photo,
    queue_gallery,
    review_match,
)
from school.api import Unprocessable
from school.models import Student
from school.openapi import refused
from school.throttling import ScopedClientThrottle


def staff_with(*perms: str) -> type[permissions.BasePermission]:
    """Staff members holding every one of `perms` ("recognition.add_galleryphoto"...)."""

    class StaffWith(permissions.BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.is_staff and user.has_perms(perms))

    return StaffWith


CanViewGallery = staff_with("recognition.view_gallery", "recognition.view_facematch")


class GalleryPhotosView(APIView):
    permission_classes = [permissions.IsAuthenticated, staff_with("recognition.add_galleryphoto")]
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedClientThrottle]
    throttle_scope = "uploads"

    @extend_schema(request=GalleryUploadSerializer, responses={201: AddedPhotoSerializer(many=True)})
    def post(self, request: Request, gallery_id: int) -> Response:
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        form = GalleryUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        files = [(upload.name, upload.read()) for upload in form.validated_data["files"]]
        results = add_gallery_photos(gallery, files, request.user)
        body = [
            {
                "filename": result.filename,
                "outcome": "refused" if result.photo is None else "stored" if result.created else "duplicate",
                "photo_id": result.photo.pk if result.photo else None,
                "code": result.code,
                "detail": result.detail,
            }
            for result in results
        ]
        return Response(AddedPhotoSerializer(body, many=True).data, status=status.HTTP_201_CREATED)


class ProcessFacesView(APIView):
    permission_classes = [permissions.IsAuthenticated, staff_with("recognition.change_photojob")]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=ProcessFacesRequestSerializer,
        responses={
            200: ProcessFacesSerializer,
            **refused(422, RejectionReason.NOT_AN_IMAGE, RejectionReason.TOO_LARGE),
        },
    )
    def post(self, request: Request, gallery_id: int, photo_id: int) -> Response:
        photo = get_object_or_404(GalleryPhoto.objects.select_related("gallery"), pk=photo_id, gallery_id=gallery_id)
        form = ProcessFacesRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            result = process_photo(
                photo, tolerance=form.validated_data.get("tolerance"), max_faces=form.validated_data.get("max_faces")
            )
        except ImageRejected as rejection:
            raise rejection_error(rejection.code, rejection.detail) from None
        students = Student.objects.in_bulk({match.student_id for match in result.matches})
        matches = [
            {
                "face_index": match.face_index,
                "student_id": match.student_id,
                "registration": students[match.student_id].registration,
                "name": students[match.student_id].full_name,
                "distance": match.distance,
                "similarity": match.similarity,
            }
            for match in result.matches
            if match.student_id in students
        ]
        body = {"faceCount": result.face_count, "matches": matches, "cached": result.cached}
        return Response(ProcessFacesSerializer(body).data)


class ProcessAllFacesView(APIView):
    permission_classes = [permissions.IsAuthenticated, staff_with("recognition.change_photojob")]

    @extend_schema(request=None, responses={202: QueuedSerializer})
    def post(self, request: Request, gallery_id: int) -> Response:
        result = queue_gallery(get_object_or_404(Gallery, pk=gallery_id))
        body = {"queued": result.queued, "cached": result.cached}
        return Response(QueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class FaceProcessStatusView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanViewGallery]

    @extend_schema(responses=ProcessStatusSerializer)
    def get(self, request: Request, gallery_id: int) -> Response:
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        counts: dict[str, Any] = dict(job_counts(gallery.pk))
        counts["faces"] = PhotoFace.objects.filter(photo__gallery=gallery).count()
        counts["matches"] = (
            FaceMatch.objects.filter(photo_face__photo__gallery=gallery).exclude(confirmed=False).count()
        )
        return Response(ProcessStatusSerializer(counts).data)


class FaceResultsPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


class FaceResultsView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanViewGallery]

    @extend_schema(parameters=[FaceResultsQuerySerializer], responses=FaceResultsSerializer)
    def get(self, request: Request, gallery_id: int) -> Response:
        gallery = get_object_or_404(Gallery, pk=gallery_id)
        query = FaceResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        student_id = query.validated_data["student"]
        # The student's matches that no reviewer rejected.
        wanted = FaceMatch.objects.filter(student_id=student_id).exclude(confirmed=False).select_related("student")
        photos: QuerySet[GalleryPhoto] = (
            GalleryPhoto.objects.filter(gallery=gallery)
            .annotate(hits=Count("faces__matches", filter=Q(faces__matches__in=wanted)))
            .filter(hits__gt=0)
            .order_by("uploaded_at", "pk")
            .prefetch_related(
                Prefetch(
                    "faces",
                    queryset=PhotoFace.objects.filter(matches__in=wanted)
                    .distinct()
                    .prefetch_related(Prefetch("matches", queryset=wanted)),
                )
            )
        )
        paginator = FaceResultsPagination()
        page = paginator.paginate_queryset(photos, request, view=self) or []
        results = [
            {
                "photo_id": photo.pk,
                "width": photo.width,
                "height": photo.height,
                "uploaded_at": photo.uploaded_at,
                "faces": photo.faces.all(),
            }
            for photo in page
        ]
        assert paginator.page is not None
        body = {
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": results,
        }
        return Response(FaceResultsSerializer(body).data)


class FaceDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanViewGallery]

    @extend_schema(responses=PhotoFaceDetailSerializer)
    def get(self, request: Request, gallery_id: int, photo_id: int) -> Response:
        photo = get_object_or_404(GalleryPhoto, pk=photo_id, gallery_id=gallery_id)
        faces = PhotoFace.objects.filter(photo=photo).prefetch_related(
            Prefetch("matches", queryset=FaceMatch.objects.select_related("student").order_by("distance"))
        )
        job = PhotoJob.objects.filter(photo=photo).first()
        body = {
            "photo_id": photo.pk,
            "width": photo.width,
            "height": photo.height,
            "job_status": job.status if job else PhotoJob.Status.PENDING,
            "faces": faces,
        }
        return Response(PhotoFaceDetailSerializer(body).data)


class ReviewMatchView(APIView):
    permission_classes = [permissions.IsAuthenticated, staff_with("recognition.change_facematch")]
    confirmed = True

    @extend_schema(request=None, responses=FaceMatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        match = get_object_or_404(FaceMatch.objects.select_related("student"), pk=pk)
        return Response(FaceMatchSerializer(review_match(match, self.confirmed, request.user)).data)


class ConfirmMatchView(ReviewMatchView):
    confirmed = True


class RejectMatchView(ReviewMatchView):
    confirmed = False


class AssignFaceView(APIView):
    """Say who a gallery face is (a confirmed match), and optionally enroll the face for that student."""

    permission_classes = [permissions.IsAuthenticated, staff_with("recognition.change_facematch")]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=AssignFaceRequestSerializer,
        responses={
            200: AssignedFaceSerializer,
            **refused(403, description="Enrolling the face also needs the permission to add face photos."),
            **refused(422, "unknown_student", "face_gone", *RejectionReason.values),
        },
        description="422 codes: unknown_student; with enroll, no_consent or the enrollment rejection of the "
        "cropped face (no_face, multiple_faces, face_too_small, too_blurry); face_gone when the photo was "
        "processed again meanwhile. Nothing is written on a 422.",
    )
    def post(self, request: Request, gallery_id: int, photo_id: int, index: int) -> Response:
        face = get_object_or_404(
            PhotoFace.objects.select_related("photo"), photo_id=photo_id, photo__gallery_id=gallery_id, index=index
        )
        form = AssignFaceRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        enroll = form.validated_data["enroll"]
        if enroll and not request.user.has_perm("recognition.add_facephoto"):
            raise PermissionDenied
        student = Student.objects.filter(pk=form.validated_data["student_id"]).first()
        if student is None:
            raise Unprocessable(
                "unknown_student", _("No student has the id %(id)s.") % {"id": form.validated_data["student_id"]}
            )
        try:
            result = assign_face(face, student, request.user, enroll=enroll)
        except AssignmentRefused as refusal:
            raise Unprocessable(refusal.code, refusal.detail) from None
        return Response(AssignedFaceSerializer(result).data)
