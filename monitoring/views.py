"""The monitoring app's pages: alert snapshots, and the live monitor (staff) with its history and acknowledgements."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cameras.models import Camera
from monitoring.alert_types import ALERT_TYPES
from monitoring.live import alert_payload
from monitoring.models import Alert, AlertSeverity, AlertStatus
from monitoring.services.history import MAX_HISTORY_MINUTES, HourOfDay, camera_history, people_by_hour
from monitoring.services.monitor import can_monitor
from monitoring.services.publish import acknowledge
from school.downloads import logged_file
from school.models import AccessKind, Classroom, Student

View = TypeVar("View", bound=Callable[..., HttpResponse])

#: The sparklines' window, and the history the page asks for on load.
SPARKLINE_MINUTES = 15
#: The classroom page's default span; at most MONITOR_HISTORY_DAYS (older minutes are purged).
PEOPLE_DAYS = 7


@staff_member_required
def alert_snapshot(request: HttpRequest, alert_id: int) -> FileResponse:
    """An alert's snapshot (a face crop: personal data), for staff who may see alerts; never a public URL."""
    if not request.user.has_perm("monitoring.view_alert"):
        raise PermissionDenied
    alert = get_object_or_404(Alert, pk=alert_id)
    # Unknown faces have no student; a zone intrusion or a recognition names the one it saw.
    student_id = (alert.payload or {}).get("student_id")
    student = Student.objects.filter(pk=student_id).first() if isinstance(student_id, int) else None
    response = logged_file(
        request,
        alert.snapshot,
        AccessKind.ALERT_SNAPSHOT,
        student=student,
        target=f"alert {alert.pk} ({alert.type})",
        content_type="image/jpeg",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def monitor_required(view: View) -> View:
    """Logged in (else the login page), then staff who may see the cameras (else 403), as the monitor sockets."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_monitor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _labels() -> dict[str, Any]:
    """Texts the page's script shows (translated here, so the script holds none)."""
    return {
        "connecting": _("Connecting…"),
        "connected": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "forbidden": _("Access refused"),
        "states": {
            "running": _("running"),
            "connecting": _("connecting"),
            "offline": _("offline"),
            "stale": _("stale"),
        },
        "statuses": {status.value: str(status.label) for status in Camera.State},
        "trends": {"rising": _("rising"), "falling": _("falling"), "stable": _("stable")},
        "severities": {severity.value: str(severity.label) for severity in AlertSeverity},
        "alert_statuses": {status.value: str(status.label) for status in AlertStatus},
        # Alerts are titled by whoever sends them, in the school's language; the page shows them in its own.
        "alert_titles": {name: str(kind.label) for name, kind in ALERT_TYPES.items()},
        "acknowledged_by": _("acknowledged by %(user)s"),
        "not_open": _("This alert is no longer open."),
        "request_failed": _("The request failed. Try again."),
        "system": _("System"),
    }


@require_safe
@monitor_required
def monitor(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/monitor.html",
        {
            "labels": _labels(),
            "can_acknowledge": request.user.has_perm("monitoring.change_alert"),
            "history_url": f"{reverse('monitoring:history')}?minutes={SPARKLINE_MINUTES}",
            "sparkline_minutes": SPARKLINE_MINUTES,
            # URL patterns the script fills in (the placeholders cannot clash with a real id or code).
            "acknowledge_url": reverse("monitoring:acknowledge", args=[999999999]).replace("999999999", "{id}"),
            "classroom_url": reverse("monitoring:classroom", args=["CODE"]).replace("CODE", "{code}"),
            "stream_url": reverse("cameras:live", args=[999999999]).replace("999999999", "{id}"),
            "time_zone": settings.TIME_ZONE,  # times read in the school's zone, not the browser's
        },
    )


def _error(code: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": code}, status=status)


def _int_param(request: HttpRequest, name: str, default: int | None, low: int, high: int) -> int | None:
    """The integer query parameter ``name`` within low..high (the default when absent); ValueError otherwise."""
    raw = request.GET.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValueError(name)
    return int(raw)


@require_safe
@monitor_required
def history(request: HttpRequest) -> JsonResponse:
    """``{"cameras": {"<id>": [minute, ...]}}``: the per-minute rows of the last ``minutes`` (1..1440, 15)."""
    try:
        minutes = cast(int, _int_param(request, "minutes", SPARKLINE_MINUTES, 1, MAX_HISTORY_MINUTES))
    except ValueError:
        return _error("bad_minutes")
    try:
        camera_id = _int_param(request, "camera", None, 1, 2**63 - 1)
    except ValueError:
        return _error("bad_camera")
    if camera_id is not None and not Camera.objects.filter(pk=camera_id).exists():
        return _error("unknown_camera", status=404)
    rows = camera_history(None if camera_id is None else [camera_id], minutes)
    return JsonResponse({"cameras": {str(camera): camera_rows for camera, camera_rows in rows.items()}})


@require_POST
@monitor_required
def acknowledge_alert(request: HttpRequest, alert_id: int) -> JsonResponse:
    """Acknowledge an open alert: 200 with the alert, 409 ``not_open`` when it is not (any more) open."""
    if not request.user.has_perm("monitoring.change_alert"):
        raise PermissionDenied
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return _error("unknown_alert", status=404)
    if not acknowledge(alert, request.user):
        return _error("not_open", status=409)
    alert = Alert.objects.select_related("camera", "classroom", "acknowledged_by").get(pk=alert_id)
    return JsonResponse({"alert": alert_payload(alert)})


@require_safe
@monitor_required
def classroom(request: HttpRequest, code: str) -> HttpResponse:
    """A classroom's cameras and the people in the room by hour of the day (a server-drawn SVG chart)."""
    room = get_object_or_404(Classroom, code=code)
    longest = int(settings.MONITOR_HISTORY_DAYS)  # older minutes are purged
    try:
        days = cast(int, _int_param(request, "days", min(PEOPLE_DAYS, longest), 1, longest))
    except ValueError:
        message = _("The number of days must be between 1 and %(max)s.") % {"max": longest}
        return HttpResponseBadRequest(message)
    return render(
        request,
        "monitoring/classroom.html",
        {
            "classroom": room,
            "cameras": room.cameras.all(),
            "days": days,
            "day_choices": [n for n in (1, 7, 30) if n <= longest],
            "chart": people_chart(people_by_hour(room, days)),
        },
    )


# --- The chart (pure geometry; the template draws it) ----------------------------------------------------------
CHART_WIDTH, CHART_HEIGHT = 720, 260
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 40, 10, 12, 30


def _scale_top(largest: float) -> tuple[int, int]:
    """The y axis' top (a whole number of people) and its tick step: at most about five ticks."""
    top = max(1, math.ceil(largest))
    step = max(1, math.ceil(top / 5))
    return step * math.ceil(top / step), step


def _coordinate(value: float) -> str:
    return f"{value:.1f}"  # a string: the template must not localise it ("12,5" is no SVG number)


def people_chart(hours: list[HourOfDay]) -> dict[str, Any]:
    """Bars (one per hour, with its value) and axis ticks of the people-by-hour chart, in SVG user units."""
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_TOP + plot_height
    top, step = _scale_top(max((hour.mean or 0.0 for hour in hours), default=0.0))
    slot = plot_width / len(hours) if hours else plot_width
    bars = []
    for index, hour in enumerate(hours):
        height = (hour.mean or 0.0) / top * plot_height
        bars.append(
            {
                "hour": hour.hour,
                "mean": hour.mean,
                "days": hour.days,
                "value": "" if hour.mean is None else f"{hour.mean:.2f}",
                "label": f"{hour.hour:02d}:00-{(hour.hour + 1) % 24:02d}:00",
                "x": _coordinate(CHART_LEFT + index * slot + slot * 0.15),
                "width": _coordinate(slot * 0.7),
                "y": _coordinate(baseline - height),
                "height": _coordinate(height),
                "slot_x": _coordinate(CHART_LEFT + index * slot),
                "slot_width": _coordinate(slot),
                "label_x": _coordinate(CHART_LEFT + index * slot + slot / 2),
                "show_label": hour.hour % 3 == 0,
            }
        )
    ticks = [
        {"value": value, "y": _coordinate(baseline - value / top * plot_height)} for value in range(0, top + 1, step)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "top": CHART_TOP,
        "baseline": baseline,
        "plot_height": plot_height,
        "label_y": baseline + 18,
        "tick_x": CHART_LEFT - 6,
        "bars": bars,
        "ticks": ticks,
        "has_data": any(hour.days for hour in hours),
    }
