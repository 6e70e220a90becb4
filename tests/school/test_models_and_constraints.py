from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from school.models import Classroom, Enrollment, Lesson, LessonSchedule, Student
from tests.factories import ClassroomFactory, EnrollmentFactory, LessonFactory, LessonScheduleFactory, StudentFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 23)


def test_a_classroom_code_is_unique() -> None:
    ClassroomFactory(code="3AT.I")

    with pytest.raises(IntegrityError), transaction.atomic():
        Classroom.objects.create(code="3AT.I", name="Outra turma", school_year=2026)

    assert Classroom.objects.filter(code="3AT.I").count() == 1


@pytest.mark.parametrize("code", ["3AT.I", "1B", "2INF-A", "9_X.1"])
def test_a_classroom_code_of_letters_digits_dots_dashes_and_underscores_is_valid(code: str) -> None:
    classroom = Classroom(code=code, name="Turma", school_year=2026)

    classroom.full_clean()


@pytest.mark.parametrize("code", ["3AT I", ".3AT", "3AT/I", "3ATº"])
def test_a_classroom_code_with_other_characters_is_invalid(code: str) -> None:
    classroom = Classroom(code=code, name="Turma", school_year=2026)

    with pytest.raises(ValidationError) as raised:
        classroom.full_clean()

    assert list(raised.value.message_dict) == ["code"]


def test_a_student_registration_is_unique() -> None:
    StudentFactory(registration="2024001")

    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(registration="2024001", full_name="Outra Pessoa")

    assert Student.objects.filter(registration="2024001").count() == 1


def test_a_student_is_enrolled_once_per_classroom_and_school_year() -> None:
    enrollment = EnrollmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            student=enrollment.student, classroom=enrollment.classroom, school_year=enrollment.school_year
        )

    assert Enrollment.objects.count() == 1


def test_an_enrollment_in_another_school_year_than_its_classroom_is_rejected() -> None:
    classroom = ClassroomFactory(school_year=2026)
    enrollment = Enrollment(student=StudentFactory(), classroom=classroom, school_year=2025)

    with pytest.raises(ValidationError) as raised:
        enrollment.clean()

    assert "school_year" in raised.value.message_dict


def test_an_enrollment_without_a_school_year_takes_its_classrooms() -> None:
    classroom = ClassroomFactory(school_year=2026)
    enrollment = Enrollment(student=StudentFactory(), classroom=classroom)

    enrollment.clean()

    assert enrollment.school_year == 2026


def test_a_schedule_slot_must_end_after_it_starts() -> None:
    classroom = ClassroomFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LessonSchedule.objects.create(
            classroom=classroom, weekday=0, start_time=dt.time(8), end_time=dt.time(8), subject="Física"
        )

    assert not LessonSchedule.objects.exists()


def test_a_lesson_must_end_after_it_starts() -> None:
    classroom = ClassroomFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(
            classroom=classroom, date=MONDAY, start_time=dt.time(9), end_time=dt.time(8), subject="Física"
        )

    assert not Lesson.objects.exists()


def test_a_schedule_slot_overlapping_another_of_the_same_classroom_and_day_is_rejected() -> None:
    existing = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    overlapping = LessonSchedule(
        classroom=existing.classroom, weekday=0, start_time=dt.time(8), end_time=dt.time(9), subject="Química"
    )

    with pytest.raises(ValidationError) as raised:
        overlapping.clean()

    assert str(existing) in str(raised.value)


def test_adjacent_slots_and_slots_on_other_days_or_classrooms_do_not_overlap() -> None:
    existing = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    candidates = [
        LessonSchedule(classroom=existing.classroom, weekday=0, start_time=dt.time(8, 20), end_time=dt.time(9, 10)),
        LessonSchedule(classroom=existing.classroom, weekday=0, start_time=dt.time(6, 40), end_time=dt.time(7, 30)),
        LessonSchedule(classroom=existing.classroom, weekday=1, start_time=dt.time(7, 30), end_time=dt.time(8, 20)),
        LessonSchedule(classroom=ClassroomFactory(), weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20)),
    ]

    for candidate in candidates:
        candidate.clean()


def test_editing_a_slot_does_not_overlap_with_itself() -> None:
    slot = LessonScheduleFactory(weekday=0, start_time=dt.time(7, 30), end_time=dt.time(8, 20))
    slot.end_time = dt.time(8, 30)

    slot.clean()


def test_a_classroom_has_one_lesson_per_date_and_start() -> None:
    lesson = LessonFactory(date=MONDAY, start_time=dt.time(7, 30))

    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(
            classroom=lesson.classroom, date=MONDAY, start_time=dt.time(7, 30), end_time=dt.time(9), subject="Outra"
        )

    assert Lesson.objects.count() == 1


def test_consent_without_the_date_it_was_recorded_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(registration="2024001", full_name="Ana", biometric_consent=True)

    assert not Student.objects.exists()


def test_consent_with_its_date_is_stored() -> None:
    student = Student.objects.create(
        registration="2024001", full_name="Ana", biometric_consent=True, biometric_consent_at=timezone.now()
    )

    assert Student.objects.get(pk=student.pk).biometric_consent is True
