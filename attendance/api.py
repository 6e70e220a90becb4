"""REST endpoints of attendance. Thin: each calls one service function."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance.authentication import ApiKeyAuthentication, IsDevice
from attendance.models import Device, PresenceStatus, Roll
from attendance.serializers import ManualPresenceSerializer, SightingResultSerializer, SightingSerializer
from attendance.services.access import can_follow
from attendance.services.manual import EditWindowClosed, set_presence
from attendance.services.review_offers import dismiss_offer
from attendance.services.roll import confirm_roll, roll_payload
from attendance.services.sightings import record_sighting
from attendance.services.state import attendance_state, presence_payload
from school.api import Unprocessable
from school.models import Classroom, Enrollment, Lesson, Student
from school.openapi import refused
from school.services.lessons import current_lesson
from school.throttling import ScopedClientThrottle

SESSION_OR_TOKEN_OR_DEVICE: list[type[BaseAuthentication]] = [ApiKeyAuthentication, *APIView.authentication_classes]


class CanFollowOrIsDevice(permissions.BasePermission):
    """Devices, and people who may follow the classroom (checked per object in the views)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Device) or bool(request.user and request.user.is_authenticated)


def check_follow(request: Request, classroom: Classroom) -> None:
    if isinstance(request.auth, Device):
        if request.auth.classroom_id not in (None, classroom.pk):
            raise PermissionDenied(_("This device reports for another classroom."), code="wrong_classroom")
        return
    if not can_follow(request.user, classroom):
        raise PermissionDenied(_("Only this classroom's teachers and the secretaries may see it."))


def classroom_by_code(code: str) -> Classroom:
    classroom = Classroom.objects.filter(code=code).first()
    if classroom is None:
        raise Unprocessable("unknown_classroom", _("No classroom has the code %(code)s.") % {"code": code})
    return classroom


class SightingView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = [ScopedClientThrottle]  # per device
    throttle_scope = "sightings"

    @extend_schema(
        request=SightingSerializer,
        responses={
            201: SightingResultSerializer,
            200: SightingResultSerializer,
            **refused(401, "bad_api_key"),
            **refused(403, "wrong_classroom"),
            **refused(
                422, "unknown_classroom", "unknown_student", "not_enrolled", "no_consent", "roll_closed", "no_lesson"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = SightingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        device = request.auth
        assert isinstance(device, Device)  # IsDevice
        classroom = classroom_by_code(data["classroom_code"])
        check_follow(request, classroom)
        student = _student(data)
        if not Enrollment.objects.filter(
            student=student, classroom=classroom, school_year=classroom.school_year
        ).exists():
            raise Unprocessable(
                "not_enrolled", _("The student is not enrolled in %(code)s.") % {"code": classroom.code}
            )
        # An external recognizer may report a confidence instead of a distance; 1.0 means certain.
        distance = data["distance"] if "distance" in data else round(1.0 - data["confidence"], 4)
        sighting = record_sighting(
            student=student,
            classroom=classroom,
            seen_at=data.get("seen_at"),
            distance=distance,
            device=device,
            dedup_seconds=settings.DEDUP_MIN_SECONDS,
        )
        if sighting.no_consent:
            raise Unprocessable(
                "no_consent", _("The student has no biometric consent: the sighting was not kept and marks nobody.")
            )
        if sighting.lesson is not None and sighting.presence is None:
            raise Unprocessable(
                "roll_closed",
                _("The roll of this lesson of %(code)s is closed; the sighting was logged.") % {"code": classroom.code},
            )
        if sighting.lesson is None or sighting.presence is None:
            raise Unprocessable(
                "no_lesson",
                _("%(code)s has no lesson at that time; the sighting was logged.") % {"code": classroom.code},
            )
        body = {
            "duplicate": not sighting.created,
            "lesson_id": sighting.lesson.pk,
            "student_id": student.pk,
            "status": sighting.presence.status,
            "logged": sighting.log is not None,
        }
        return Response(body, status=status.HTTP_201_CREATED if sighting.created else status.HTTP_200_OK)


def _student(data: dict[str, Any]) -> Student:
    lookup = {"pk": data["student_id"]} if "student_id" in data else {"registration": data["registration"]}
    student = Student.objects.filter(active=True, **lookup).first()
    if student is None:
        raise Unprocessable(
            "unknown_student", _("No active student matches %(lookup)s.") % {"lookup": next(iter(lookup.values()))}
        )
    return student


CLASSROOM_SCHEMA = inline_serializer(
    "Classroom",
    {
        "id": serializers.IntegerField(),
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "school_year": serializers.IntegerField(),
        "students": inline_serializer(
            "EnrolledStudent",
            {
                "id": serializers.IntegerField(),
                "registration": serializers.CharField(),
                "name": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class ClassroomByCodeView(APIView):
    authentication_classes = SESSION_OR_TOKEN_OR_DEVICE
    permission_classes = [CanFollowOrIsDevice]

    @extend_schema(
        responses={
            200: CLASSROOM_SCHEMA,
            **refused(401, "bad_api_key"),
            **refused(403, "wrong_classroom"),
        }
    )
    def get(self, request: Request, code: str) -> Response:
        classroom = get_object_or_404(Classroom, code=code)
        check_follow(request, classroom)
        students = Student.objects.filter(
            enrollments__classroom=classroom, enrollments__school_year=classroom.school_year, active=True
        ).order_by("full_name")
        return Response(
            {
                "id": classroom.pk,
                "code": classroom.code,
                "name": classroom.name,
                "school_year": classroom.school_year,
                "students": [{"id": s.pk, "registration": s.registration, "name": s.full_name} for s in students],
            }
        )


LESSON_SCHEMA = inline_serializer(
    "Lesson",
    {
        "id": serializers.IntegerField(),
        "classroom": serializers.CharField(),
        "subject": serializers.CharField(),
        "date": serializers.DateField(),
        "start": serializers.CharField(),
        "end": serializers.CharField(),
    },
)


class CurrentLessonView(APIView):
    authentication_classes = SESSION_OR_TOKEN_OR_DEVICE
    permission_classes = [CanFollowOrIsDevice]

    @extend_schema(
        parameters=[OpenApiParameter("classroom_code", str, required=True)],
        responses={
            200: LESSON_SCHEMA,
            **refused(401, "bad_api_key"),
            **refused(403, "wrong_classroom"),
            **refused(422, "unknown_classroom", "no_lesson"),
        },
    )
    def get(self, request: Request) -> Response:
        classroom = classroom_by_code(request.query_params.get("classroom_code", ""))
        check_follow(request, classroom)
        lesson = current_lesson(classroom)
        if lesson is None:
            raise Unprocessable("no_lesson", _("%(code)s has no lesson now.") % {"code": classroom.code})
        return Response(attendance_state(lesson)["lesson"])


PRESENCE_SCHEMA = inline_serializer(
    "Presence",
    {
        "student_id": serializers.IntegerField(),
        "status": serializers.ChoiceField(choices=PresenceStatus.choices),
        "source": serializers.CharField(),
        "first_seen": serializers.DateTimeField(allow_null=True),
        "last_seen": serializers.DateTimeField(allow_null=True),
        "evidence_url": serializers.CharField(allow_null=True),
        "distance": serializers.FloatField(allow_null=True),
    },
)
STATE_SCHEMA = inline_serializer(
    "AttendanceState",
    {
        "lesson": LESSON_SCHEMA,
        "students": inline_serializer(
            "RosterEntry",
            {
                "student_id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "registration": serializers.CharField(),
                "photo_url": serializers.CharField(allow_null=True),
                # None until the student is seen or marked (or the roll closes).
                "presence": type(PRESENCE_SCHEMA)(allow_null=True),
            },
            many=True,
        ),
        "present": serializers.ListField(child=serializers.IntegerField()),
        "late": serializers.ListField(child=serializers.IntegerField()),
        "missing": serializers.ListField(child=serializers.IntegerField()),
        "counts": serializers.DictField(child=serializers.IntegerField()),
    },
)


class AttendanceStateView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lesson_id", int, required=True)],
        responses={200: STATE_SCHEMA, **refused(404, description="No lesson has that id."), **refused(422, "invalid")},
    )
    def get(self, request: Request) -> Response:
        try:
            lesson_id = int(request.query_params.get("lesson_id", ""))
        except ValueError:
            raise Unprocessable("invalid", _("lesson_id must be a number.")) from None
        lesson = get_object_or_404(Lesson.objects.select_related("classroom"), pk=lesson_id)
        check_follow(request, lesson.classroom)
        return Response(attendance_state(lesson))


class ManualPresenceView(APIView):
    @extend_schema(
        request=ManualPresenceSerializer,
        responses={200: PRESENCE_SCHEMA, **refused(403, "roll_edit_window_closed")},
    )
    def put(self, request: Request, lesson_id: int, student_id: int) -> Response:
        lesson = get_object_or_404(Lesson.objects.select_related("classroom"), pk=lesson_id)
        check_follow(request, lesson.classroom)
        student = get_object_or_404(Student, pk=student_id)
        form = ManualPresenceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assert isinstance(request.user, User)  # check_follow let only people through
        try:
            presence = set_presence(lesson, student, PresenceStatus(form.validated_data["status"]), by=request.user)
        except EditWindowClosed as refusal:
            raise PermissionDenied(str(refusal), code=refusal.code) from None
        return Response(presence_payload(presence))


class OfferDismissView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, lesson_id: int, student_id: int) -> Response:
        """The live page's "Dismiss" of an offer to mark a student a review named (the student stays as they were);
        204 also when no offer stood."""
        lesson = get_object_or_404(Lesson.objects.select_related("classroom"), pk=lesson_id)
        check_follow(request, lesson.classroom)
        dismiss_offer(lesson, get_object_or_404(Student, pk=student_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


ROLL_SCHEMA = inline_serializer(
    "Roll",
    {
        "lesson_id": serializers.IntegerField(),
        "closed_at": serializers.DateTimeField(),
        "absences_recorded": serializers.IntegerField(),
        "confirmed_at": serializers.DateTimeField(allow_null=True),
        "confirmed_by": serializers.CharField(allow_null=True),
    },
)


class RollConfirmView(APIView):
    @extend_schema(request=None, responses={200: ROLL_SCHEMA, **refused(422, "roll_not_closed")})
    def post(self, request: Request, lesson_id: int) -> Response:
        """The classroom's teacher (or a secretary) confirms the lesson's closed roll; 422 roll_not_closed before."""
        lesson = get_object_or_404(Lesson.objects.select_related("classroom"), pk=lesson_id)
        check_follow(request, lesson.classroom)
        roll = Roll.objects.filter(lesson=lesson).first()
        if roll is None:
            raise Unprocessable("roll_not_closed", _("The roll of this lesson is not closed yet."))
        return Response(roll_payload(confirm_roll(roll, by=request.user)))
