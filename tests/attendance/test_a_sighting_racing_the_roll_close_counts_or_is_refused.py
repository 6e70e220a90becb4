from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.db import close_old_connections, transaction
from django.utils import timezone

from attendance.models import Presence, PresenceSource, PresenceStatus, Roll
from attendance.services.roll import close_roll
from attendance.services.sightings import record_sighting
from school.models import Lesson, Student
from tests.factories import EnrollmentFactory, LessonFactory
from tests.markers import committing_db


def yesterdays_lesson(start: dt.time = dt.time(7, 30)) -> tuple[Lesson, Student]:
    lesson = LessonFactory(
        date=timezone.localdate() - dt.timedelta(days=1),
        start_time=start,
        end_time=(dt.datetime.combine(dt.date.min, start) + dt.timedelta(minutes=50)).time(),
    )
    return lesson, EnrollmentFactory(classroom=lesson.classroom, student__consenting=True).student


def in_thread(call: Any, results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = call()
        except BaseException as error:
            results[name] = error
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@committing_db
def test_a_sighting_holding_the_lock_first_is_seen_by_the_close(postgres: None) -> None:
    lesson, student = yesterdays_lesson()
    seen_at = lesson.starts_at + dt.timedelta(minutes=1)
    recorded, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def slow_sighting() -> Any:
        with transaction.atomic():
            sighting = record_sighting(student=student, classroom=lesson.classroom, seen_at=seen_at)
            recorded.set()
            release.wait(10)  # still inside the sighting's transaction
        return sighting

    sighting_thread = in_thread(slow_sighting, results, "sighting")
    assert recorded.wait(10)
    close_thread = in_thread(lambda: close_roll(lesson), results, "close")
    close_thread.join(0.5)
    assert close_thread.is_alive(), "the close must wait for the sighting's transaction"
    release.set()
    sighting_thread.join(10)
    close_thread.join(10)

    assert results["sighting"].presence is not None
    assert results["close"].absences_recorded == 0
    assert Presence.objects.get(lesson=lesson, student=student).status == PresenceStatus.PRESENT


def race(lesson: Lesson, student: Student) -> dict[str, Any]:
    """Close the roll and record a sighting of the lesson from two threads released at the same instant."""
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def close() -> Roll:
        barrier.wait()
        return close_roll(lesson)

    def sighting() -> Any:
        barrier.wait()
        return record_sighting(student=student, classroom=lesson.classroom, seen_at=lesson.starts_at)

    threads = [in_thread(close, results, "close"), in_thread(sighting, results, "sighting")]
    for thread in threads:
        thread.join(10)
    return results


@committing_db
def test_a_sighting_and_the_close_at_the_same_instant_agree(postgres: None) -> None:
    for attempt in range(6):
        lesson, student = yesterdays_lesson(dt.time(7 + attempt, 0))

        results = race(lesson, student)

        presence = Presence.objects.get(lesson=lesson, student=student)
        roll = Roll.objects.get(lesson=lesson)
        assert isinstance(results["close"], Roll) and results["close"] == roll
        if results["sighting"].presence is not None:  # the sighting locked first
            assert (presence.status, roll.absences_recorded) == (PresenceStatus.PRESENT, 0)
        else:  # the close did: the sighting was refused
            assert (presence.source, roll.absences_recorded) == (PresenceSource.SYSTEM, 1)
