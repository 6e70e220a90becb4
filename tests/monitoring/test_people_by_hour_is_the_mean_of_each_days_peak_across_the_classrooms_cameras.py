"""people_by_hour: for each hour of the day in the school's time zone, each day's largest people count across the
classroom's cameras, averaged over the days that have one; the classroom page draws it as bars with their values."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import Camera, CameraMinute
from monitoring.services.history import HourOfDay, people_by_hour
from tests.cameras.factories import CameraFactory
from tests.factories import ClassroomFactory, SecretaryFactory

pytestmark = pytest.mark.django_db

SCHOOL = ZoneInfo("America/Sao_Paulo")  # the settings' default: UTC-3


def seen(camera: Camera, local: str, people: int | None) -> None:
    """One minute of the camera at a local (school) time such as "2026-11-18 08:05"."""
    start = dt.datetime.fromisoformat(local).replace(tzinfo=SCHOOL)
    CameraMinute.objects.create(camera=camera, minute=start, people_max=people)


def test_each_hour_is_the_mean_over_days_of_the_peak_across_cameras() -> None:
    classroom = ClassroomFactory()
    door, back = CameraFactory(classroom=classroom), CameraFactory(classroom=classroom)
    elsewhere = CameraFactory()
    # 8 h: day one peaks at 4 (the door at 08:40, above the back's 3), day two at 2; day three has nothing.
    seen(door, "2026-11-18 08:05", 2)
    seen(door, "2026-11-18 08:40", 4)
    seen(back, "2026-11-18 08:10", 3)
    seen(back, "2026-11-19 08:00", 2)
    seen(door, "2026-11-19 08:59", None)  # no people count that minute (the node is off)
    seen(elsewhere, "2026-11-20 08:00", 50)  # another classroom
    # 14 h: today only, the back camera's 5.
    seen(door, "2026-11-20 14:30", 1)
    seen(back, "2026-11-20 14:31", 5)
    # Midnight in the school's zone is 03:00 UTC: it counts as hour 0 of the 19th.
    seen(door, "2026-11-19 00:10", 1)
    # The evening before the window (02:30 UTC on the 18th, inside it in UTC) is not in it.
    seen(door, "2026-11-17 23:30", 9)

    now = dt.datetime(2026, 11, 20, 15, 30, tzinfo=SCHOOL)
    hours = people_by_hour(classroom, days=3, now=now)

    assert [hour.hour for hour in hours] == list(range(24))
    assert hours[8] == HourOfDay(hour=8, mean=3.0, days=2)
    assert hours[14] == HourOfDay(hour=14, mean=5.0, days=1)
    assert hours[0] == HourOfDay(hour=0, mean=1.0, days=1)
    assert hours[23] == HourOfDay(hour=23, mean=None, days=0)
    assert [hour.hour for hour in hours if hour.days] == [0, 8, 14]
    assert all(hour.mean is None for hour in hours if not hour.days)


def test_one_day_is_today_only() -> None:
    classroom = ClassroomFactory()
    camera = CameraFactory(classroom=classroom)
    seen(camera, "2026-11-19 09:00", 7)
    seen(camera, "2026-11-20 09:00", 1)

    hours = people_by_hour(classroom, days=1, now=dt.datetime(2026, 11, 20, 10, 0, tzinfo=SCHOOL))

    assert hours[9] == HourOfDay(hour=9, mean=1.0, days=1)


def test_the_classroom_page_draws_a_bar_per_hour_with_its_value() -> None:
    classroom = ClassroomFactory(code="3AT.I")
    door, back = CameraFactory(classroom=classroom), CameraFactory(classroom=classroom)
    today = timezone.localdate()
    seen(door, f"{today} 08:10", 3)
    seen(back, f"{today} 08:20", 1)
    client = Client()
    client.force_login(SecretaryFactory())

    html = client.get("/monitor/classrooms/3AT.I/").content.decode()

    hours = dict(re.findall(r'<g class="hour" data-hour="(\d+)" data-days="\d+" data-value="([^"]*)">', html))
    assert len(hours) == 24
    assert hours["8"] == "3.00"
    assert hours["9"] == ""
    assert html.count('<rect class="bar"') == 1
    eight = html[html.index('data-hour="8"') : html.index('data-hour="9"')]
    assert re.search(r"<title>08:00-09:00: [^<]*3,0[^<]*</title>", eight)  # pt-BR numbers
    assert 'class="x-label"' in html and 'class="y-label"' in html


def test_the_classroom_page_refuses_a_bad_span_and_an_unknown_classroom() -> None:
    ClassroomFactory(code="3AT.I")
    client = Client()
    client.force_login(SecretaryFactory())

    assert client.get("/monitor/classrooms/3AT.I/?days=0").status_code == 400
    assert client.get("/monitor/classrooms/3AT.I/?days=9999").status_code == 400
    assert client.get("/monitor/classrooms/3AT.I/?days=30").status_code == 200
    assert client.get("/monitor/classrooms/NOPE/").status_code == 404
