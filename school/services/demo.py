"""The demo school, named after the people in the bundled fixture photos."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from school.models import (
    SECRETARIES_GROUP,
    Classroom,
    Enrollment,
    Guardian,
    LessonSchedule,
    Student,
    Teacher,
    Weekday,
)
from school.services.lessons import generate_lessons
from school.services.teachers import save_teacher

DEMO_ADMIN = "admin"
DEMO_TEACHER = "professora"
DEMO_CLASSROOM = "3AT.I"
DEMO_STUDENTS = [
    ("2024001", "Barack Obama"),
    ("2024002", "Joe Biden"),
    ("2024003", "Lin-Manuel Miranda"),
    ("2024004", "Alex Lacamoire"),
]
# A guardian per student (name, relation, notifications): the absence e-mails print on the demo's console.
DEMO_GUARDIANS = {
    "2024001": ("Michelle Obama", "mãe", True),
    "2024002": ("Jill Biden", "mãe", True),
    "2024003": ("Luz Towns-Miranda", "mãe", True),
    "2024004": ("Maria Lacamoire", "mãe", False),
}
# Four slots a day, every day, so a lesson is always in progress whenever someone tries the demo.
DEMO_SLOTS = [
    (dt.time(0, 0), dt.time(6, 0), "Matemática"),
    (dt.time(6, 0), dt.time(12, 0), "Programação"),
    (dt.time(12, 0), dt.time(18, 0), "Física"),
    (dt.time(18, 0), dt.time(23, 59, 59), "Português"),
]


@dataclass(frozen=True)
class DemoSchool:
    classroom: Classroom
    students: int


def seed_demo_school(*, password: str, today: dt.date) -> DemoSchool:
    with transaction.atomic():
        admin_user, _ = User.objects.get_or_create(username=DEMO_ADMIN, defaults={"email": "admin@example.com"})
        admin_user.is_staff = admin_user.is_superuser = True
        admin_user.set_password(password)
        admin_user.save()
        admin_user.groups.add(Group.objects.get(name=SECRETARIES_GROUP))

        teacher = Teacher.objects.filter(username=DEMO_TEACHER).first() or Teacher(
            username=DEMO_TEACHER, first_name="Ana", last_name="Souza", email="professora@escola.example"
        )
        classroom, _ = Classroom.objects.get_or_create(
            code=DEMO_CLASSROOM,
            # The demo's lessons are six-hour blocks: whoever the camera sees counts as present, not late.
            defaults={"name": "3º ano Técnico em Informática", "school_year": today.year, "late_after_minutes": 360},
        )
        save_teacher(teacher, password=password)
        teacher.classrooms.add(classroom)

        now = timezone.now()
        for registration, name in DEMO_STUDENTS:
            student, _ = Student.objects.get_or_create(
                registration=registration,
                defaults={
                    "full_name": name,
                    "biometric_consent": True,
                    "biometric_consent_at": now,
                    "biometric_consent_by": admin_user,
                },
            )
            Enrollment.objects.get_or_create(student=student, classroom=classroom, school_year=classroom.school_year)
            guardian, relation, notifications = DEMO_GUARDIANS[registration]
            Guardian.objects.get_or_create(
                student=student,
                name=guardian,
                defaults={
                    "relation": relation,
                    "email": f"{registration}@familia.example",
                    "notifications": notifications,
                },
            )

        for weekday in Weekday.values:
            for start, end, subject in DEMO_SLOTS:
                LessonSchedule.objects.get_or_create(
                    classroom=classroom,
                    weekday=weekday,
                    start_time=start,
                    defaults={"end_time": end, "subject": subject, "teacher": teacher},
                )
        generate_lessons(classroom, today, days=7)
    return DemoSchool(classroom=classroom, students=classroom.enrollments.count())
