"""REST endpoints of the class diary's reports, as JSON, CSV and PDF. Thin: each calls one service function."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance.services import report_exports
from attendance.services.access import can_follow
from attendance.services.frequency import Tally
from attendance.services.reports import (
    Diary,
    PeriodError,
    StudentReport,
    classroom_diary,
    may_see_student,
    parse_month,
    parse_period,
    report_classrooms,
    school_rows,
    student_report,
)
from school.models import Classroom, Student


class BadPeriod(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The period is invalid.")
    default_code = "invalid_period"

    def __init__(self, error: PeriodError) -> None:
        super().__init__(detail=error.message, code=error.code)


def _month(request: Request) -> dt.date:
    try:
        return parse_month(request.query_params.get("month"))
    except PeriodError as error:
        raise BadPeriod(error) from None


def _period(request: Request) -> tuple[dt.date, dt.date]:
    try:
        return parse_period(request.query_params.get("from"), request.query_params.get("to"))
    except PeriodError as error:
        raise BadPeriod(error) from None


def _classroom(request: Request, code: str) -> Classroom:
    classroom = get_object_or_404(Classroom, code=code)
    if not can_follow(request.user, classroom):
        raise PermissionDenied(_("Only this classroom's teachers and the secretaries may see it."))
    return classroom


def _student(request: Request, registration: str) -> Student:
    student = get_object_or_404(Student, registration=registration)
    if not may_see_student(request.user, student):
        raise PermissionDenied(_("Only the student's teachers and the secretaries may see this report."))
    return student


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv(content: bytes, filename: str) -> HttpResponse:
    return _download(content, "text/csv; charset=utf-8", filename)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    return _download(content, "application/pdf", filename)


# --- JSON shapes ---------------------------------------------------------------------------------------------------
def _counts(one: Tally, below: bool) -> dict[str, Any]:
    return {
        "held": one.held,
        "present": one.present,
        "late": one.late,
        "absent": one.absent,
        "justified": one.justified,
        "frequency": one.frequency,
        "below_minimum": below,
    }


def diary_payload(diary: Diary) -> dict[str, Any]:
    lessons = [
        {
            "lesson_id": lesson.pk,
            "date": lesson.date.isoformat(),
            "start": f"{lesson.start_time:%H:%M}",
            "end": f"{lesson.end_time:%H:%M}",
            "subject": lesson.subject,
        }
        for lesson in diary.lessons
    ]
    totals = diary.totals
    return {
        "classroom": {"code": diary.classroom.code, "name": diary.classroom.name},
        "month": f"{diary.month:%Y-%m}",
        "minimum": diary.minimum,
        "lessons": lessons,
        "totals": _counts(totals, totals.below(diary.minimum)),
        "students": [
            {
                "registration": row.student.registration,
                "name": row.student.full_name,
                **_counts(row.tally, row.below_minimum),
                "lessons": [
                    {
                        "lesson_id": lesson["lesson_id"],
                        "date": lesson["date"],
                        "subject": lesson["subject"],
                        "mark": mark,
                    }
                    for lesson, mark in zip(lessons, row.marks, strict=True)
                ],
            }
            for row in diary.rows
        ],
    }


def student_payload(report: StudentReport) -> dict[str, Any]:
    return {
        "student": {"registration": report.student.registration, "name": report.student.full_name},
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "minimum": report.minimum,
        **_counts(report.overall, report.below_minimum),
        "subjects": [
            {"subject": subject, **_counts(one, report.subject_below(subject))}
            for subject, one in report.subjects.items()
        ],
        "missed": [
            {
                "lesson_id": missed.lesson.pk,
                "date": missed.lesson.date.isoformat(),
                "classroom": missed.lesson.classroom.code,
                "subject": missed.lesson.subject,
                "mark": missed.mark,
            }
            for missed in report.missed
        ],
    }


COUNTS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "held": serializers.IntegerField(),
    "present": serializers.IntegerField(),
    "late": serializers.IntegerField(),
    "absent": serializers.IntegerField(),
    "justified": serializers.IntegerField(),
    "frequency": serializers.FloatField(allow_null=True, help_text="percent, one decimal; null when none was held"),
    "below_minimum": serializers.BooleanField(),
}
MARK = serializers.ChoiceField(choices=["present", "late", "absent", "justified"], allow_null=True)
DIARY_SCHEMA = inline_serializer(
    "ClassDiary",
    {
        "classroom": inline_serializer(
            "DiaryClassroom", {"code": serializers.CharField(), "name": serializers.CharField()}
        ),
        "month": serializers.CharField(help_text="YYYY-MM"),
        "minimum": serializers.FloatField(),
        "lessons": inline_serializer(
            "DiaryLesson",
            {
                "lesson_id": serializers.IntegerField(),
                "date": serializers.DateField(),
                "start": serializers.CharField(),
                "end": serializers.CharField(),
                "subject": serializers.CharField(),
            },
            many=True,
        ),
        "totals": inline_serializer("DiaryTotals", COUNTS),
        "students": inline_serializer(
            "DiaryStudent",
            {
                "registration": serializers.CharField(),
                "name": serializers.CharField(),
                **COUNTS,
                "lessons": inline_serializer(
                    "DiaryMark",
                    {
                        "lesson_id": serializers.IntegerField(),
                        "date": serializers.DateField(),
                        "subject": serializers.CharField(),
                        "mark": MARK,
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)
STUDENT_SCHEMA = inline_serializer(
    "StudentAttendanceReport",
    {
        "student": inline_serializer(
            "ReportStudent", {"registration": serializers.CharField(), "name": serializers.CharField()}
        ),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "minimum": serializers.FloatField(),
        **COUNTS,
        "subjects": inline_serializer("SubjectFrequency", {"subject": serializers.CharField(), **COUNTS}, many=True),
        "missed": inline_serializer(
            "MissedLesson",
            {
                "lesson_id": serializers.IntegerField(),
                "date": serializers.DateField(),
                "classroom": serializers.CharField(),
                "subject": serializers.CharField(),
                "mark": serializers.ChoiceField(choices=["absent", "justified"]),
            },
            many=True,
        ),
    },
)
MONTH = OpenApiParameter("month", str, description="YYYY-MM (default: this month)")
FROM = OpenApiParameter("from", OpenApiTypes.DATE, description="first day (default: 1 January of this year)")
TO = OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive (default: today)")
CSV = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, ';'-separated")}
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


# --- Views ---------------------------------------------------------------------------------------------------------
class ClassroomDiaryView(APIView):
    @extend_schema(parameters=[MONTH], responses=DIARY_SCHEMA, operation_id="reports_classroom_diary")
    def get(self, request: Request, code: str) -> Response:
        return Response(diary_payload(classroom_diary(_classroom(request, code), _month(request))))


class ClassroomDiaryCsvView(APIView):
    @extend_schema(parameters=[MONTH], responses=CSV, operation_id="reports_classroom_diary_csv")
    def get(self, request: Request, code: str) -> HttpResponse:
        diary = classroom_diary(_classroom(request, code), _month(request))
        return _csv(report_exports.diary_csv(diary), f"diary-{diary.classroom.code}-{diary.month:%Y-%m}.csv")


class ClassroomDiaryPdfView(APIView):
    @extend_schema(parameters=[MONTH], responses=PDF, operation_id="reports_classroom_diary_pdf")
    def get(self, request: Request, code: str) -> HttpResponse:
        diary = classroom_diary(_classroom(request, code), _month(request))
        return _pdf(report_exports.diary_pdf(diary), f"diary-{diary.classroom.code}-{diary.month:%Y-%m}.pdf")


class StudentReportView(APIView):
    @extend_schema(parameters=[FROM, TO], responses=STUDENT_SCHEMA, operation_id="reports_student")
    def get(self, request: Request, registration: str) -> Response:
        student = _student(request, registration)
        return Response(student_payload(student_report(student, *_period(request))))


class StudentReportCsvView(APIView):
    @extend_schema(parameters=[FROM, TO], responses=CSV, operation_id="reports_student_csv")
    def get(self, request: Request, registration: str) -> HttpResponse:
        report = student_report(_student(request, registration), *_period(request))
        return _csv(report_exports.student_csv(report), f"student-{report.student.registration}.csv")


class StudentReportPdfView(APIView):
    @extend_schema(parameters=[FROM, TO], responses=PDF, operation_id="reports_student_pdf")
    def get(self, request: Request, registration: str) -> HttpResponse:
        report = student_report(_student(request, registration), *_period(request))
        return _pdf(report_exports.student_pdf(report), f"student-{report.student.registration}.pdf")


class SchoolCsvView(APIView):
    @extend_schema(parameters=[FROM, TO], responses=CSV, operation_id="reports_school_csv")
    def get(self, request: Request) -> HttpResponse:
        classrooms = report_classrooms(request.user)
        if classrooms is None:
            raise PermissionDenied(_("Only teachers and the secretaries may see reports."))
        start, end = _period(request)
        rows = school_rows(start, end, classrooms=classrooms)
        return _csv(report_exports.school_csv(rows), f"school-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv")
