"""The demo school, named after the people in the bundled fixture photos."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from school.models import (
    DATA_PROTECTION_GROUP,
    SECRETARIES_GROUP,
    Classroom,
    ConsentKind,
    ConsentTerms,
    Enrollment,
    Guardian,
    LessonSchedule,
    Student,
    Teacher,
    Weekday,
)
from school.services.consent import grant_consent, withdraw_consent
from school.services.lessons import generate_lessons
from school.services.teachers import save_teacher

DEMO_ADMIN = "admin"
DEMO_TEACHER = "professora"
DEMO_DPO = "dpo"  # the school's data protection officer: reads the access log, answers families' requests
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
# The biometric terms' second version (the first is the one the migrations publish); the guardians of these
# students accepted it, the others are still on version 1, as the consent terms' admin shows. Alex's mother
# withdrew her consent once and gave it again with the new terms: both are in his consent history.
DEMO_TERMS_V2 = (
    "Registro de frequência escolar por reconhecimento facial, com prazo de retenção.",
    "Autorizo a escola a coletar fotos do rosto do(a) estudante e a gerar a partir delas dados biométricos "
    "(codificações faciais), usados somente para registrar sua presença nas aulas. Os dados ficam na escola, não são "
    "compartilhados e são apagados quando este consentimento for revogado, ou 30 dias depois que o(a) estudante "
    "deixar a escola. As fotos de evidência das câmeras são apagadas após 90 dias. Posso revogar este consentimento "
    "a qualquer momento, na secretaria.",
)
# Only for a database emptied by hand: the migrations publish the real version 1.
DEMO_TERMS_V1 = (
    "Registro de frequência escolar por reconhecimento facial.",
    "Autorizo a escola a usar fotos do rosto do(a) estudante para registrar sua presença nas aulas.",
)
DEMO_RENEWED = ("2024003", "2024004")
DEMO_WITHDREW_ONCE = "2024004"
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

        dpo, _ = User.objects.get_or_create(
            username=DEMO_DPO, defaults={"first_name": "Rita", "last_name": "Lima", "email": "dpo@escola.example"}
        )
        dpo.is_staff = True
        dpo.set_password(password)
        dpo.save()
        dpo.groups.add(Group.objects.get(name=DATA_PROTECTION_GROUP))

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

        students: dict[str, tuple[Student, Guardian]] = {}
        for registration, name in DEMO_STUDENTS:
            student, _ = Student.objects.get_or_create(registration=registration, defaults={"full_name": name})
            Enrollment.objects.get_or_create(student=student, classroom=classroom, school_year=classroom.school_year)
            guardian_name, relation, notifications = DEMO_GUARDIANS[registration]
            guardian, _ = Guardian.objects.get_or_create(
                student=student,
                name=guardian_name,
                defaults={
                    "relation": relation,
                    "email": f"{registration}@familia.example",
                    "notifications": notifications,
                },
            )
            students[registration] = student, guardian
        _record_demo_consents(students, admin_user)

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


def _record_demo_consents(students: dict[str, tuple[Student, Guardian]], secretary: User) -> None:
    """Each guardian's biometric consent, once (a student with any consent record is left as it is)."""
    first = ConsentTerms.objects.filter(kind=ConsentKind.BIOMETRIC, version="1").first()
    if first is None:  # the migrations publish it; a database emptied by hand has none
        first = ConsentTerms.objects.create(
            kind=ConsentKind.BIOMETRIC,
            version="1",
            purpose=DEMO_TERMS_V1[0],
            text=DEMO_TERMS_V1[1],
            published_at=timezone.now() - dt.timedelta(days=30),
        )
    fresh = {registration: pair for registration, pair in students.items() if not pair[0].consents.exists()}
    for student, guardian in fresh.values():
        grant_consent(student, ConsentKind.BIOMETRIC, guardian=guardian, terms=first, recorded_by=secretary)
    second, _ = ConsentTerms.objects.get_or_create(
        kind=ConsentKind.BIOMETRIC,
        version="2",
        defaults={"purpose": DEMO_TERMS_V2[0], "text": DEMO_TERMS_V2[1], "published_at": timezone.now()},
    )
    for registration in DEMO_RENEWED:
        if registration not in fresh:
            continue
        student, guardian = fresh[registration]
        if registration == DEMO_WITHDREW_ONCE:
            withdraw_consent(student, ConsentKind.BIOMETRIC, guardian=guardian, recorded_by=secretary)
        grant_consent(student, ConsentKind.BIOMETRIC, guardian=guardian, terms=second, recorded_by=secretary)
