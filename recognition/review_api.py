"""REST endpoints of the faces-to-review queue (staff with recognition.change_facegroup). Thin: each calls one
function of recognition.services.face_groups."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recognition.gallery_api import staff_with
from recognition.models import FaceGroup, RejectionReason, UnknownFace
from recognition.services.face_groups import (
    MAX_ENROLL,
    GroupRefused,
    assign_group,
    attach_places,
    face_photo_count,
    ignore_group,
    mark_not_a_student,
    reopen_group,
    review_queryset,
    search_students,
)
from school.api import Unprocessable
from school.models import Student
from school.openapi import refused

CanReview = staff_with("recognition.view_facegroup", "recognition.change_facegroup")


class Conflict(APIException):
    """The group was decided already (HTTP 409), with a reason code."""

    status_code = 409
    default_code = "already_decided"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)


class ReviewFaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # A field named "source" (the face's), which mypy takes for Field.source.
    source = serializers.ChoiceField(choices=UnknownFace.Source.choices)  # type: ignore[assignment]
    seen_at = serializers.DateTimeField()
    where = serializers.CharField(allow_blank=True, help_text="The camera's or the gallery's name.")
    quality = serializers.FloatField(help_text="Higher is better: the best crops are enrolled first.")
    crop_url = serializers.SerializerMethodField(help_text="The face crop (staff only; each view is logged).")

    def get_crop_url(self, face: UnknownFace) -> str | None:
        return reverse("recognition:review-face-crop", args=[face.pk]) if face.crop else None


class ReviewPlaceSerializer(serializers.Serializer):
    where = serializers.CharField(allow_blank=True)
    faces = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField()


class ReviewStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    registration = serializers.CharField()


class ReviewGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=FaceGroup.Decision.choices)
    size = serializers.IntegerField(help_text="How many faces the group holds.")
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    student = ReviewStudentSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    faces = ReviewFaceSerializer(many=True, source="shown_faces", help_text="Its best faces (at most 8).")
    places = ReviewPlaceSerializer(many=True, help_text="Where its faces were seen, most faces first.")


class ReviewGroupPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ReviewGroupSerializer(many=True)


class ReviewGroupsQuerySerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=FaceGroup.Decision.choices, default=FaceGroup.Decision.OPEN, help_text="Default: the open queue."
    )
    page = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False)

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        # A parameter sent empty (`?decision=`) is wrong, not absent: DRF would take it for the default.
        names: list[str] = [str(name) for name in self.fields]
        blank = {name: [_("This field may not be blank.")] for name in names if self.initial_data.get(name) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        return attrs


class ReviewAssignRequestSerializer(serializers.Serializer):
    student_id = serializers.IntegerField(help_text="The student the group is.")
    enroll = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ENROLL,
        default=0,
        help_text="Also enroll the group's best N crops as face photos; needs biometric consent and crops that "
        "pass the enrollment checks (all or nothing).",
    )


class ReviewFacePhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ReviewAssignedSerializer(serializers.Serializer):
    group = ReviewGroupSerializer()
    face_photos = ReviewFacePhotoSerializer(many=True, help_text="The face photos made from the crops.")
    face_photo_count = serializers.IntegerField(help_text="The student's face photos now (rejected ones aside).")
    offered = serializers.IntegerField(help_text="Lessons whose teacher was offered to mark the student.")


class ReviewStudentsQuerySerializer(serializers.Serializer):
    search = serializers.CharField(min_length=1, max_length=100, help_text="Words of the name or registration.")


class ReviewStudentFoundSerializer(ReviewStudentSerializer):
    face_photo_count = serializers.IntegerField()


class GroupsPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


def _decided(group: FaceGroup) -> FaceGroup:
    """The group as the list shows it (its best crops and places), after its decision."""
    group = review_queryset(group.decision).filter(pk=group.pk).first() or group
    if not hasattr(group, "shown_faces"):
        group.shown_faces = []  # type: ignore[attr-defined]
    return attach_places([group])[0]


class ReviewGroupsView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanReview]

    @extend_schema(
        parameters=[ReviewGroupsQuerySerializer],
        responses={
            200: ReviewGroupPageSerializer,
            **refused(400, "invalid"),
            **refused(404, description="The page is beyond the last one."),
        },
    )
    def get(self, request: Request) -> Response:
        """The face groups to review, largest first, each with its best crops, where and when its faces were seen."""
        query = ReviewGroupsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = GroupsPagination()
        groups = review_queryset(query.validated_data["decision"])
        page = attach_places(list(paginator.paginate_queryset(groups, request, view=self) or []))
        assert paginator.page is not None
        body = {
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": page,
        }
        return Response(ReviewGroupPageSerializer(body).data)


class GroupDecisionView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanReview]
    parser_classes = [JSONParser, FormParser]

    def group(self, pk: int) -> FaceGroup:
        return get_object_or_404(FaceGroup, pk=pk)


def _refusal(refusal: GroupRefused) -> APIException:
    if refusal.code in ("already_decided", "group_gone"):
        return Conflict(refusal.code, refusal.detail)
    return Unprocessable(refusal.code, refusal.detail)


CONFLICTS = refused(409, "already_decided", "group_gone", description="The group was decided meanwhile (or removed).")


class AssignGroupView(GroupDecisionView):
    @extend_schema(
        request=ReviewAssignRequestSerializer,
        responses={
            200: ReviewAssignedSerializer,
            **refused(422, "unknown_student", *RejectionReason.values),
            **CONFLICTS,
        },
        description="422 codes: unknown_student; with enroll, no_consent or an enrollment rejection of a crop "
        "(not_an_image, no_face, multiple_faces, face_too_small, too_blurry). Nothing is written on a 4xx.",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Say the group is a student, optionally enrolling its best crops; its sightings in lessons still open
        are offered to the teachers to mark."""
        group = self.group(pk)
        form = ReviewAssignRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        student = Student.objects.filter(pk=form.validated_data["student_id"]).first()
        if student is None:
            raise Unprocessable(
                "unknown_student", _("No student has the id %(id)s.") % {"id": form.validated_data["student_id"]}
            )
        try:
            result = assign_group(group, student, enroll=form.validated_data["enroll"], by=request.user)
        except GroupRefused as refusal:
            raise _refusal(refusal) from None
        body = {
            "group": _decided(result.group),
            "face_photos": result.face_photos,
            "face_photo_count": face_photo_count(student),
            "offered": result.offered,
        }
        return Response(ReviewAssignedSerializer(body).data)


class NotAStudentView(GroupDecisionView):
    @extend_schema(request=None, responses={200: ReviewGroupSerializer, **CONFLICTS})
    def post(self, request: Request, pk: int) -> Response:
        """Say the group is nobody enrolled (a visitor, a teacher): unknown_face alerts stop for its faces."""
        try:
            group = mark_not_a_student(self.group(pk), by=request.user)
        except GroupRefused as refusal:
            raise _refusal(refusal) from None
        return Response(ReviewGroupSerializer(_decided(group)).data)


class IgnoreGroupView(GroupDecisionView):
    @extend_schema(request=None, responses={200: ReviewGroupSerializer, **CONFLICTS})
    def post(self, request: Request, pk: int) -> Response:
        """Take the group out of the queue without saying who it is."""
        try:
            group = ignore_group(self.group(pk), by=request.user)
        except GroupRefused as refusal:
            raise _refusal(refusal) from None
        return Response(ReviewGroupSerializer(_decided(group)).data)


class ReopenGroupView(GroupDecisionView):
    @extend_schema(
        request=None,
        responses={
            200: ReviewGroupSerializer,
            **refused(409, "group_gone", description="The group was removed meanwhile."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Put a group decided by mistake back in the queue (an open group stays as it is). The face photos an
        assignment enrolled stay with the student; the teachers' offers to mark that student are taken back."""
        try:
            result = reopen_group(self.group(pk), by=request.user)
        except GroupRefused as refusal:
            raise _refusal(refusal) from None
        return Response(ReviewGroupSerializer(_decided(result.group)).data)


class ReviewStudentsView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanReview]

    @extend_schema(
        parameters=[ReviewStudentsQuerySerializer],
        responses={200: ReviewStudentFoundSerializer(many=True), **refused(400, "invalid")},
    )
    def get(self, request: Request) -> Response:
        """Active students whose name or registration holds every word searched (the review page's search)."""
        query = ReviewStudentsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = [
            {"id": s.pk, "full_name": s.full_name, "registration": s.registration, "face_photo_count": s.photo_count}  # type: ignore[attr-defined]
            for s in search_students(query.validated_data["search"])
        ]
        return Response(ReviewStudentFoundSerializer(rows, many=True).data)
