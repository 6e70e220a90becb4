"""Three weeks of the demo classroom's past, so that the class diary, the reports and the absence alerts have
something to show: who came (by camera, by the kiosk, late), a medical certificate, the rolls closed, and a student
absent for the last three school days (a consecutive_absence notice, its alert and its e-mails on the console)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from attendance.models import Justification, Presence, PresenceSource, PresenceStatus
from attendance.services.absences import check_absences
from attendance.services.roll import close_roll
from school.models import Classroom, Lesson, Student
from school.services.lessons import generate_lessons

DEMO_PAST_DAYS = 21


def seed_demo_diary(classroom: Classroom, *, today: dt.date, now: dt.datetime | None = None) -> int:
    """Fill the classroom's last DEMO_PAST_DAYS days once (a second run changes nothing); returns the lessons whose
    roll was closed by this call."""
    now = timezone.localtime(now or timezone.now())
    first = today - dt.timedelta(days=DEMO_PAST_DAYS)
    generate_lessons(classroom, first, days=DEMO_PAST_DAYS + 1)
    students = {
        student.registration: student
        for student in Student.objects.filter(
            enrollments__classroom=classroom, enrollments__school_year=classroom.school_year
        )
    }
    lessons = [
        lesson
        for lesson in Lesson.objects.filter(classroom=classroom, date__gte=first, date__lte=today, roll__isnull=True)
        if lesson.ends_at <= now
    ]
    if not lessons:
        return 0
    with transaction.atomic():
        alex = students.get("2024004")
        if alex is not None and not alex.justifications.exists():
            start = today - dt.timedelta(days=15)
            Justification.objects.create(
                student=alex, start_date=start, end_date=start + dt.timedelta(days=2), reason="Atestado médico"
            )
        for lesson in lessons:
            for registration, student in students.items():
                status = _demo_status(registration, lesson, today)
                if status is not None:
                    seen = lesson.starts_at + dt.timedelta(minutes=5)
                    Presence.objects.get_or_create(
                        lesson=lesson,
                        student=student,
                        defaults={
                            "status": status,
                            "source": PresenceSource.CAMERA
                            if status == PresenceStatus.PRESENT
                            else PresenceSource.KIOSK,
                            "first_seen": seen,
                            "last_seen": seen,
                        },
                    )
    for lesson in lessons:
        close_roll(lesson, now=now)
    check_absences(today=today, classroom_ids=[classroom.pk])
    return len(lessons)


def _demo_status(registration: str, lesson: Lesson, today: dt.date) -> PresenceStatus | None:
    """Who came to a past lesson (None: nobody saw them, so the roll records them absent)."""
    days_ago = (today - lesson.date).days
    if registration == "2024001":  # Barack Obama: every lesson but one day's
        return None if days_ago == 10 else PresenceStatus.PRESENT
    if registration == "2024002":  # Joe Biden: absent the last three days
        return None if days_ago <= 3 else PresenceStatus.PRESENT
    if registration == "2024003":  # Lin-Manuel Miranda: late on Mondays
        return PresenceStatus.LATE if lesson.date.weekday() == 0 else PresenceStatus.PRESENT
    if registration == "2024004":  # Alex Lacamoire: away with a medical certificate, 13-15 days ago
        return None if 13 <= days_ago <= 15 else PresenceStatus.PRESENT
    return PresenceStatus.PRESENT
