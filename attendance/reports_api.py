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
from school.api import DownloadView
from school.models import AccessKind, Classroom, Student
from school.openapi import refused
from school.services.access_log import log_access


class BadPeriod(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The period is invalid.")
    default_code = "invalid_period"

    def __init__(self, error: PeriodError) -> None:
        super().__init__(detail=error.detail, code=error.code)


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


def _download(
    request: Request, content: bytes, content_type: str, filename: str, student: Student | None, target: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log_access(
        request._request, AccessKind.REPORT_EXPORT, student=student, target=target or filename, user=request.user
    )
    return response


def _csv(
    request: Request, content: bytes, filename: str, student: Student | None = None, target: str = ""
) -> HttpResponse:
    return _download(request, content, "text/csv; charset=utf-8", filename, student, target)


def _pdf(
    request: Request, content: bytes, filename: str, student: Student | None = None, target: str = ""
) -> HttpResponse:
    return _download(request, content, "application/pdf", filename, student, target)


def _span(filename: str, report: StudentReport) -> str:
    """What the access log records of a student's report: its file and period."""
    return f"{filename} {report.start:%Y-%m-%d}/{report.end:%Y-%m-%d}"


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
# YYYY-MM-DD, or empty like an unset one (what the report pages' links send): a date format would refuse empty.
DATE_OR_EMPTY = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
FROM = OpenApiParameter(
    "from", str, pattern=DATE_OR_EMPTY, description="first day, YYYY-MM-DD (default: 1 January of this year)"
)
TO = OpenApiParameter("to", str, pattern=DATE_OR_EMPTY, description="last day, inclusive, YYYY-MM-DD (default: today)")
#: A month or a period that cannot be read (parse_month, parse_period).
BAD_MONTH = refused(400, "invalid_month")
BAD_PERIOD = refused(400, "invalid_date", "invalid_period", "period_too_long")
CSV = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, ';'-separated")}
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


# --- Views ---------------------------------------------------------------------------------------------------------
class ClassroomDiaryView(APIView):
    @extend_schema(
        parameters=[MONTH], responses={200: DIARY_SCHEMA, **BAD_MONTH}, operation_id="reports_classroom_diary"
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(diary_payload(classroom_diary(_classroom(request, code), _month(request))))


class ClassroomDiaryCsvView(DownloadView):
    @extend_schema(parameters=[MONTH], responses={**CSV, **BAD_MONTH}, operation_id="reports_classroom_diary_csv")
    def get(self, request: Request, code: str) -> HttpResponse:
        diary = classroom_diary(_classroom(request, code), _month(request))
        return _csv(request, report_exports.diary_csv(diary), f"diary-{diary.classroom.code}-{diary.month:%Y-%m}.csv")


class ClassroomDiaryPdfView(DownloadView):
    @extend_schema(parameters=[MONTH], responses={**PDF, **BAD_MONTH}, operation_id="reports_classroom_diary_pdf")
    def get(self, request: Request, code: str) -> HttpResponse:
        diary = classroom_diary(_classroom(request, code), _month(request))
        return _pdf(request, report_exports.diary_pdf(diary), f"diary-{diary.classroom.code}-{diary.month:%Y-%m}.pdf")


class StudentReportView(APIView):
    @extend_schema(parameters=[FROM, TO], responses={200: STUDENT_SCHEMA, **BAD_PERIOD}, operation_id="reports_student")
    def get(self, request: Request, registration: str) -> Response:
        student = _student(request, registration)
        return Response(student_payload(student_report(student, *_period(request))))


class StudentReportCsvView(DownloadView):
    @extend_schema(parameters=[FROM, TO], responses={**CSV, **BAD_PERIOD}, operation_id="reports_student_csv")
    def get(self, request: Request, registration: str) -> HttpResponse:
        report = student_report(_student(request, registration), *_period(request))
        filename = f"student-{report.student.registration}.csv"
        return _csv(request, report_exports.student_csv(report), filename, report.student, _span(filename, report))


class StudentReportPdfView(DownloadView):
    @extend_schema(parameters=[FROM, TO], responses={**PDF, **BAD_PERIOD}, operation_id="reports_student_pdf")
    def get(self, request: Request, registration: str) -> HttpResponse:
        report = student_report(_student(request, registration), *_period(request))
        filename = f"student-{report.student.registration}.pdf"
        return _pdf(request, report_exports.student_pdf(report), filename, report.student, _span(filename, report))


class SchoolCsvView(DownloadView):
    @extend_schema(parameters=[FROM, TO], responses={**CSV, **BAD_PERIOD}, operation_id="reports_school_csv")
    def get(self, request: Request) -> HttpResponse:
        classrooms = report_classrooms(request.user)
        if classrooms is None:
            raise PermissionDenied(_("Only teachers and the secretaries may see reports."))
        start, end = _period(request)
        rows = school_rows(start, end, classrooms=classrooms)
        return _csv(request, report_exports.school_csv(rows), f"school-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv")
