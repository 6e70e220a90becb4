"""Server-rendered report pages for teachers and secretaries: a classroom's month diary, a student's report, the
school's overview. Thin: each calls one service function; downloads are the API's CSV and PDF URLs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from attendance.services.access import can_follow
from attendance.services.report_exports import MARK_ABBREVIATIONS, MARK_LABELS
from attendance.services.reports import (
    PeriodError,
    classroom_diary,
    may_see_student,
    parse_month,
    parse_period,
    report_classrooms,
    school_overview,
    student_report,
)
from school.models import Classroom, Student


def _months_around(month: dt.date) -> dict[str, str]:
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return {"previous": f"{previous:%Y-%m}", "next": f"{following:%Y-%m}", "current": f"{month:%Y-%m}"}


@login_required
def diary_page(request: HttpRequest, code: str) -> HttpResponse:
    classroom = get_object_or_404(Classroom, code=code)
    if not can_follow(request.user, classroom):
        raise PermissionDenied
    try:
        month = parse_month(request.GET.get("month"))
    except PeriodError as error:
        return HttpResponseBadRequest(error.detail)
    diary = classroom_diary(classroom, month)
    return render(
        request,
        "attendance/reports/diary.html",
        {
            "diary": diary,
            "totals": diary.totals,
            "months": _months_around(diary.month),
            "abbreviations": MARK_ABBREVIATIONS,
            "labels": MARK_LABELS,
        },
    )


@login_required
def student_page(request: HttpRequest, registration: str) -> HttpResponse:
    student = get_object_or_404(Student, registration=registration)
    if not may_see_student(request.user, student):
        raise PermissionDenied
    try:
        start, end = parse_period(request.GET.get("from"), request.GET.get("to"))
    except PeriodError as error:
        return HttpResponseBadRequest(error.detail)
    report = student_report(student, start, end)
    subjects = [(subject, one, report.subject_below(subject)) for subject, one in report.subjects.items()]
    return render(
        request,
        "attendance/reports/student.html",
        {"report": report, "subjects": subjects, "labels": MARK_LABELS, "query": f"from={start}&to={end}"},
    )


@login_required
def overview_page(request: HttpRequest) -> HttpResponse:
    classrooms = report_classrooms(request.user)
    if classrooms is None:
        raise PermissionDenied
    try:
        month = parse_month(request.GET.get("month"))
    except PeriodError as error:
        return HttpResponseBadRequest(error.detail)
    overview = school_overview(month, classrooms=classrooms)
    today = timezone.localdate()
    semester_start = today.replace(month=1 if today.month <= 6 else 7, day=1)
    return render(
        request,
        "attendance/reports/overview.html",
        {
            "overview": overview,
            "months": _months_around(overview.month),
            "rows": [(row, trend(row.weeks, overview.minimum)) for row in overview.classrooms],
            "semester": f"from={semester_start}&to={today}",
        },
    )


# --- The weekly trend (pure geometry; the template draws it) ------------------------------------------------------
TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 160, 40, 3


def _coordinate(value: float) -> str:
    return f"{value:.1f}"  # a string: the template must not localise it ("12,5" is no SVG number)


def trend(weeks: list[float | None], minimum: float) -> dict[str, Any]:
    """A sparkline of weekly frequencies (0-100 %): polylines (split where a week had no lesson), its points and
    the minimum's line, in SVG user units."""
    plot_height = TREND_HEIGHT - 2 * TREND_PAD
    step = (TREND_WIDTH - 2 * TREND_PAD) / max(1, len(weeks) - 1)

    def y(value: float) -> float:
        return TREND_PAD + (100.0 - value) / 100.0 * plot_height

    segments: list[list[str]] = [[]]
    points = []
    for index, value in enumerate(weeks):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        x = TREND_PAD + index * step if len(weeks) > 1 else TREND_WIDTH / 2
        segments[-1].append(f"{_coordinate(x)},{_coordinate(y(value))}")
        points.append({"x": _coordinate(x), "y": _coordinate(y(value)), "value": value, "below": value < minimum})
    return {
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "lines": [" ".join(segment) for segment in segments if segment],
        "points": points,
        "minimum_y": _coordinate(y(minimum)),
        "right": TREND_WIDTH - TREND_PAD,
        "left": TREND_PAD,
    }
