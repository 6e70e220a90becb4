"""The monitor's history, read from the cameras' per-minute rows (``CameraMinute``): the sparklines' last minutes,
and a classroom's people in the room by hour of the day.

Each function is one aggregate query; what little is left (24 hours at most per day) is folded here in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import TruncHour
from django.utils import timezone

from cameras.models import CameraMinute
from school.models import Classroom

#: A CameraMinute's fields as the history endpoint sends them (the contract's History section, plus ``analysed``).
HISTORY_FIELDS = (
    "frames",
    "analysed",
    "fps",
    "processing_p50",
    "processing_p95",
    "faces",
    "known",
    "unknown",
    "people_max",
    "crossings_in",
    "crossings_out",
    "errors",
)
#: The longest window the history endpoint answers for (a day of minutes).
MAX_HISTORY_MINUTES = 24 * 60


def camera_history(
    camera_ids: Iterable[int] | None, minutes: int, now: dt.datetime | None = None
) -> dict[int, list[dict[str, Any]]]:
    """The minutes that started in the last ``minutes`` of each camera, oldest first, as JSON-able dicts.

    ``camera_ids`` None means every camera that has some; a camera asked for by id is in the answer even without
    rows (an empty list), so the page can tell "no history" from "not asked".
    """
    since = (now or timezone.now()) - dt.timedelta(minutes=minutes)
    rows = CameraMinute.objects.filter(minute__gte=since)
    history: dict[int, list[dict[str, Any]]] = {}
    if camera_ids is not None:
        ids = sorted(set(camera_ids))
        rows = rows.filter(camera_id__in=ids)
        history = {camera_id: [] for camera_id in ids}
    for row in rows.order_by("camera_id", "minute").values("camera_id", "minute", *HISTORY_FIELDS):
        camera_id = row.pop("camera_id")
        row["minute"] = row["minute"].isoformat()
        history.setdefault(camera_id, []).append(row)
    return history


@dataclass(frozen=True)
class HourOfDay:
    """One hour of the day (0..23, the school's time zone) over the days looked at."""

    hour: int
    #: The mean over the days with data of that day's most people seen at once in the hour (any camera); None
    #: without any data.
    mean: float | None
    #: How many days had data in that hour.
    days: int


def people_by_hour(classroom: Classroom, days: int, now: dt.datetime | None = None) -> list[HourOfDay]:
    """For each hour of the day, the people in ``classroom``'s cameras' view over the last ``days`` days (today
    included): per day, the hour's largest ``people_max`` across the cameras, then the mean over those days."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate(now or timezone.now(), zone)
    since = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time(), tzinfo=zone)
    peaks = (
        CameraMinute.objects.filter(camera__classroom=classroom, minute__gte=since, people_max__isnull=False)
        .annotate(hour=TruncHour("minute", tzinfo=zone))
        .values("hour")
        .annotate(peak=Max("people_max"))
    )
    totals = [0] * 24
    counts = [0] * 24
    for row in peaks:
        hour = row["hour"].astimezone(zone).hour
        totals[hour] += row["peak"]
        counts[hour] += 1
    return [
        HourOfDay(hour=hour, mean=totals[hour] / counts[hour] if counts[hour] else None, days=counts[hour])
        for hour in range(24)
    ]
