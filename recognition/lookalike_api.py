"""Staff endpoints: look-alike students and students whose enrollment photos are old. Read-only: both lists are
computed elsewhere (look-alikes on enrollment change) or by one query (freshness); nothing is recomputed here."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recognition.models import LookalikePair
from recognition.services.freshness import stale_enrollments
from recognition.services.lookalikes import advice


def _has(codename: str) -> type[permissions.BasePermission]:
    class HasPermission(permissions.BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return bool(request.user and request.user.is_staff and request.user.has_perm(codename))

    return HasPermission


class StudentBriefSerializer(serializers.Serializer[object]):
    id = serializers.IntegerField()
    registration = serializers.CharField()
    name = serializers.CharField()


class LookalikePairSerializer(serializers.Serializer[LookalikePair]):
    student_a = StudentBriefSerializer()
    student_b = StudentBriefSerializer()
    distance = serializers.FloatField()
    same_classroom = serializers.BooleanField()
    advice = serializers.CharField()
    computed_at = serializers.DateTimeField()


class LookalikesSerializer(serializers.Serializer[object]):
    threshold = serializers.FloatField(help_text="MATCH_TOLERANCE + LOOKALIKE_MARGIN")
    pairs = LookalikePairSerializer(many=True)


class StaleStudentSerializer(StudentBriefSerializer):
    newest_photo_at = serializers.DateTimeField(allow_null=True)
    age_days = serializers.IntegerField(allow_null=True)
    pending_proposal = serializers.BooleanField()


class StaleEnrollmentsSerializer(serializers.Serializer[object]):
    max_age_days = serializers.IntegerField()
    stale = StaleStudentSerializer(many=True, help_text="newest usable photo older than max_age_days")
    no_usable_photo = StudentBriefSerializer(many=True)


def _student(student: object) -> dict[str, object]:
    return {
        "id": student.pk,  # type: ignore[attr-defined]
        "registration": student.registration,  # type: ignore[attr-defined]
        "name": student.full_name,  # type: ignore[attr-defined]
    }


class LookalikesView(APIView):
    permission_classes = [permissions.IsAuthenticated, _has("recognition.view_lookalikepair")]

    @extend_schema(responses=LookalikesSerializer, summary="Look-alike students (same classroom first)")
    def get(self, request: Request) -> Response:
        pairs = LookalikePair.objects.select_related("student_a", "student_b").order_by(
            "-same_classroom", "distance", "pk"
        )
        return Response(
            {
                "threshold": settings.MATCH_TOLERANCE + settings.LOOKALIKE_MARGIN,
                "pairs": [
                    {
                        "student_a": _student(pair.student_a),
                        "student_b": _student(pair.student_b),
                        "distance": round(pair.distance, 4),
                        "same_classroom": pair.same_classroom,
                        "advice": advice(pair),
                        "computed_at": pair.computed_at,
                    }
                    for pair in pairs
                ],
            }
        )


class StaleEnrollmentsView(APIView):
    permission_classes = [permissions.IsAuthenticated, _has("recognition.view_enrollmentproposal")]

    @extend_schema(responses=StaleEnrollmentsSerializer, summary="Students whose enrollment photos are old")
    def get(self, request: Request) -> Response:
        report = stale_enrollments()
        return Response(
            {
                "max_age_days": report.max_age_days,
                "stale": [
                    {
                        **_student(entry.student),
                        "newest_photo_at": entry.newest_photo_at,
                        "age_days": entry.age_days,
                        "pending_proposal": entry.pending_proposal,
                    }
                    for entry in report.stale
                ],
                "no_usable_photo": [_student(student) for student in report.no_usable_photo],
            }
        )
